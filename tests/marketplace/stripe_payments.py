"""The local Stripe server (tests/billing/stripe_server.py) extended with what marketplace sales call:
payment intents (create, cancel), transfers, transfer reversals and refunds, answered the way Stripe
answers them (amounts and currencies checked, a transfer never more than its source charge, a refund
never more than what is left), plus what the buyer and the bank do: `succeed_payment` (a charge and the
`payment_intent.succeeded` event) and `refund_event` / `dispute_event` (opened or closed)."""

from __future__ import annotations

import re
import time
from typing import Any

from tests.billing.stripe_server import LocalStripe, StripeError


def _amount(p: dict[str, Any], name: str = "amount") -> int:
    raw = str(p.get(name, ""))
    if not raw.isdigit() or int(raw) <= 0:
        raise StripeError(400, "invalid_request_error", f"Invalid positive integer: {name}",
                          "parameter_invalid_integer", name)
    return int(raw)


class LocalStripeCommerce(LocalStripe):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.transfers: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.connected: set[str] = set()  # account ids that may receive transfers

    def handle(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        mine = [
            ("POST", r"/v1/payment_intents", self._create_pi),
            ("POST", r"/v1/payment_intents/([^/]+)/cancel", self._cancel_pi),
            ("GET", r"/v1/payment_intents/([^/]+)", self._get("payment_intent", self.payment_intents)),
            ("POST", r"/v1/transfers", self._create_transfer),
            ("POST", r"/v1/transfers/([^/]+)/reversals", self._reverse),
            ("POST", r"/v1/refunds", self._create_refund),
        ]
        for verb, pattern, fn in mine:
            m = re.fullmatch(pattern, path)
            if m and verb == method:
                return 200, fn(params, *m.groups())
        return super().handle(method, path, params)

    def _create_pi(self, p: dict[str, Any]) -> dict[str, Any]:
        amount = _amount(p)
        if not re.fullmatch(r"[a-z]{3}", str(p.get("currency", ""))):
            raise StripeError(400, "invalid_request_error", "Missing required param: currency.", "parameter_missing",
                              "currency")
        pi_id = self.new_id("pi")
        obj = {"id": pi_id, "object": "payment_intent", "amount": amount, "amount_received": 0,
               "currency": p["currency"], "status": "requires_payment_method", "client_secret": f"{pi_id}_secret_x",
               "transfer_group": p.get("transfer_group"), "metadata": p.get("metadata", {}), "latest_charge": None,
               "receipt_email": p.get("receipt_email"), "created": int(time.time()), "livemode": False}
        self.payment_intents[pi_id] = obj
        return obj

    def _cancel_pi(self, _: dict[str, Any], pi_id: str) -> dict[str, Any]:
        pi = self._get("payment_intent", self.payment_intents)({}, pi_id)
        if pi["status"] == "succeeded":
            raise StripeError(400, "invalid_request_error", "You cannot cancel this PaymentIntent because it has a "
                              "status of succeeded.", "payment_intent_unexpected_state")
        pi["status"] = "canceled"
        return pi

    def _create_transfer(self, p: dict[str, Any]) -> dict[str, Any]:
        amount = _amount(p)
        if p.get("destination") not in self.connected:
            raise StripeError(400, "invalid_request_error", f"No such destination: '{p.get('destination')}'",
                              "resource_missing", "destination")
        charge = self.charges.get(str(p.get("source_transaction", "")))
        if charge is None:
            raise StripeError(400, "invalid_request_error", "No such charge: source_transaction", "resource_missing",
                              "source_transaction")
        sent = sum(t["amount"] for t in self.transfers.values() if t["source_transaction"] == charge["id"])
        if sent + amount > charge["amount"]:
            raise StripeError(400, "invalid_request_error", "Transfers exceed the source charge.",
                              "balance_insufficient")
        tr = {"id": self.new_id("tr"), "object": "transfer", "amount": amount, "amount_reversed": 0,
              "currency": p.get("currency"), "destination": p["destination"],
              "transfer_group": p.get("transfer_group"),
              "source_transaction": charge["id"], "metadata": p.get("metadata", {}), "reversals": {"data": []}}
        self.transfers[tr["id"]] = tr
        return tr

    def _reverse(self, p: dict[str, Any], tr_id: str) -> dict[str, Any]:
        tr = self._get("transfer", self.transfers)({}, tr_id)
        amount = _amount(p)
        if tr["amount_reversed"] + amount > tr["amount"]:
            raise StripeError(400, "invalid_request_error", "Reversal exceeds the transfer.", "amount_too_large")
        tr["amount_reversed"] += amount
        rev = {"id": self.new_id("trr"), "object": "transfer_reversal", "amount": amount, "transfer": tr_id}
        tr["reversals"]["data"].append(rev)
        return rev

    def _create_refund(self, p: dict[str, Any]) -> dict[str, Any]:
        pi = self.payment_intents.get(str(p.get("payment_intent", "")))
        if pi is None or not pi["latest_charge"]:
            raise StripeError(400, "invalid_request_error", "This PaymentIntent has no successful charge to refund.",
                              "charge_not_refundable", "payment_intent")
        charge = self.charges[pi["latest_charge"]]
        amount = _amount(p)
        if charge["amount_refunded"] + amount > charge["amount"]:
            raise StripeError(400, "invalid_request_error", "Refund amount is greater than unrefunded amount on "
                              "charge.", "amount_too_large", "amount")
        re_obj = {"id": self.new_id("re"), "object": "refund", "amount": amount, "status": "succeeded",
                  "charge": charge["id"], "payment_intent": pi["id"], "currency": charge["currency"],
                  "metadata": p.get("metadata", {})}
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, re_obj)
        self.refunds[re_obj["id"]] = re_obj
        return re_obj

    # --- the buyer and the bank ----------------------------------------------------------------------

    def succeed_payment(self, pi_id: str) -> dict[str, Any]:
        with self._lock:
            pi = self.payment_intents[pi_id]
            ch_id = self.new_id("ch")
            self.charges[ch_id] = {"id": ch_id, "object": "charge", "amount": pi["amount"], "amount_refunded": 0,
                                   "currency": pi["currency"], "payment_intent": pi_id, "refunded": False,
                                   "transfer_group": pi["transfer_group"], "refunds": {"object": "list", "data": []}}
            pi.update(status="succeeded", amount_received=pi["amount"], latest_charge=ch_id)
            return self.event("payment_intent.succeeded", pi, int(time.time()))

    def refund_event(self, charge_id: str) -> dict[str, Any]:
        return self.event("charge.refunded", self.charges[charge_id], int(time.time()))

    def dispute_event(self, charge_id: str, closed: str = "") -> dict[str, Any]:
        """`charge.dispute.created`, or `charge.dispute.closed` with status `closed` (won / lost)."""
        charge = self.charges[charge_id]
        dispute = {"id": f"dp_{charge_id}", "object": "dispute", "charge": charge_id, "amount": charge["amount"],
                   "currency": charge["currency"], "reason": "fraudulent", "status": closed or "needs_response"}
        return self.event("charge.dispute.closed" if closed else "charge.dispute.created", dispute, int(time.time()))
