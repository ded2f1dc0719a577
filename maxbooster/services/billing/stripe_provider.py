"""The Stripe adapter, through the official `stripe` SDK (a `StripeClient` per use: no global state).

STRIPE_API_BASE points the SDK elsewhere (a proxy, or the tests' local server of Stripe's protocol).
Every call that creates something carries our own idempotency key, so a retried request creates it
once. SDK errors become `PaymentsUnavailable` with the provider's message; details go to the log.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import stripe

from maxbooster.models.billing import PaymentsProviderKey
from maxbooster.services.billing.catalog import Price
from maxbooster.services.billing.provider import (
    Balance,
    HostedSession,
    PaymentStart,
    PaymentsUnavailable,
    WebhookRefused,
)
from maxbooster.services.errors import ConfigurationMissing
from maxbooster.services.money import Money
from maxbooster.settings import Settings

log = logging.getLogger("maxbooster.billing.stripe")
T = TypeVar("T")
WEBHOOK_TOLERANCE_S = 300  # Stripe's own default: older signed timestamps are refused (replays)


def _call(what: str, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except stripe.StripeError as exc:
        log.warning("stripe %s failed: %s (status %s, request %s)", what, exc.user_message or exc,
                    exc.http_status, exc.request_id)
        detail = (exc.user_message or "").strip()
        raise PaymentsUnavailable(f"Stripe did not {what}: {detail}" if detail else None) from exc


def _plain(obj: Any) -> dict[str, Any]:
    """A StripeObject as plain JSON data."""
    return dict(json.loads(str(obj)))


class StripeProvider:
    key = PaymentsProviderKey.STRIPE

    def __init__(self, *, secret_key: str, api_base: str, prices: dict[tuple[str, str], str]) -> None:
        self.client = stripe.StripeClient(secret_key, base_addresses={"api": api_base}, max_network_retries=2)
        self.prices = prices

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeProvider:
        if not settings.stripe_secret_key:
            raise ConfigurationMissing("Payments through Stripe need STRIPE_SECRET_KEY; ask the administrator.")
        return cls(secret_key=settings.stripe_secret_key, api_base=settings.stripe_api_base,
                   prices=settings.stripe_prices)

    def create_customer(self, *, owner_id: uuid.UUID, email: str, name: str, idempotency_key: str) -> str:
        params: Any = {"email": email, "name": name, "metadata": {"owner_id": str(owner_id)}}
        customer = _call("create the customer", lambda: self.client.v1.customers.create(
            params=params, options={"idempotency_key": idempotency_key}))
        return str(customer.id)

    def create_checkout_session(self, *, customer_id: str, owner_id: uuid.UUID, price: Price, success_url: str,
                                cancel_url: str, idempotency_key: str) -> HostedSession:
        price_id = self.prices.get((price.plan, price.interval))
        if not price_id:
            raise ConfigurationMissing(f"The {price.plan} plan per {price.interval} has no Stripe price yet "
                                       "(STRIPE_PRICES); ask the administrator.")
        metadata = {"owner_id": str(owner_id), "plan": str(price.plan), "interval": str(price.interval)}
        params: Any = {
            "mode": "subscription", "customer": customer_id, "client_reference_id": str(owner_id),
            "line_items": [{"price": price_id, "quantity": 1}], "success_url": success_url,
            "cancel_url": cancel_url, "metadata": metadata, "subscription_data": {"metadata": metadata},
        }
        checkout = _call("start the checkout", lambda: self.client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": idempotency_key}))
        return HostedSession(id=str(checkout.id), url=str(checkout.url or ""))

    def create_portal_session(self, *, customer_id: str, return_url: str) -> HostedSession:
        params: Any = {"customer": customer_id, "return_url": return_url}
        portal = _call("open the billing portal", lambda: self.client.v1.billing_portal.sessions.create(params=params))
        return HostedSession(id=str(portal.id), url=str(portal.url))

    def retrieve_subscription(self, subscription_id: str) -> dict[str, Any]:
        sub = _call("read the subscription", lambda: self.client.v1.subscriptions.retrieve(subscription_id))
        return _plain(sub)

    # --- Connect (sellers) -------------------------------------------------------------------------

    def create_connected_account(self, *, owner_id: uuid.UUID, email: str, country: str,
                                 idempotency_key: str) -> dict[str, Any]:
        params: Any = {"type": "express", "email": email, "country": country, "metadata": {"owner_id": str(owner_id)},
                       "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}}}
        account = _call("create the seller account", lambda: self.client.v1.accounts.create(
            params=params, options={"idempotency_key": idempotency_key}))
        return _plain(account)

    def create_account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> HostedSession:
        params: Any = {"account": account_id, "refresh_url": refresh_url, "return_url": return_url,
                       "type": "account_onboarding"}
        link = _call("start the seller onboarding", lambda: self.client.v1.account_links.create(params=params))
        return HostedSession(id=account_id, url=str(link.url))

    def retrieve_account(self, account_id: str) -> dict[str, Any]:
        return _plain(_call("read the seller account", lambda: self.client.v1.accounts.retrieve(account_id)))

    def retrieve_balance(self, account_id: str) -> Balance:
        balance = _plain(_call("read the balance", lambda: self.client.v1.balance.retrieve(
            options={"stripe_account": account_id})))

        def per_currency(items: list[dict[str, Any]]) -> dict[str, int]:
            out: dict[str, int] = {}
            for item in items:
                cur = str(item.get("currency", "")).upper()
                out[cur] = out.get(cur, 0) + int(item.get("amount", 0))
            return out

        return Balance(available=per_currency(balance.get("available") or []),
                       pending=per_currency(balance.get("pending") or []))

    def list_payouts(self, account_id: str, *, limit: int = 10) -> list[dict[str, Any]]:
        params: Any = {"limit": limit}
        page = _call("list the payouts", lambda: self.client.v1.payouts.list(
            params=params, options={"stripe_account": account_id}))
        return list(_plain(page).get("data") or [])

    # --- marketplace sales: separate charges and transfers ------------------------------------------

    def create_payment(self, *, amount: Money, order_id: uuid.UUID, buyer_email: str, transfer_group: str,
                       idempotency_key: str) -> PaymentStart:
        params: Any = {"amount": amount.amount_minor, "currency": amount.currency.lower(),
                       "transfer_group": transfer_group, "receipt_email": buyer_email or None,
                       "automatic_payment_methods": {"enabled": True},
                       "metadata": {"order_id": str(order_id), "kind": "marketplace"}}
        clean: Any = {k: v for k, v in params.items() if v is not None}
        intent = _call("start the payment", lambda: self.client.v1.payment_intents.create(
            params=clean, options={"idempotency_key": idempotency_key}))
        return PaymentStart(id=str(intent.id), client_secret=str(intent.client_secret or ""), url="")

    def cancel_payment(self, payment_id: str) -> None:
        _call("cancel the payment", lambda: self.client.v1.payment_intents.cancel(payment_id))

    def create_transfer(self, *, amount: Money, destination: str, transfer_group: str, source_charge: str,
                        idempotency_key: str, metadata: dict[str, str]) -> str:
        params: Any = {"amount": amount.amount_minor, "currency": amount.currency.lower(), "destination": destination,
                       "transfer_group": transfer_group, "source_transaction": source_charge, "metadata": metadata}
        transfer = _call("pay the seller", lambda: self.client.v1.transfers.create(
            params=params, options={"idempotency_key": idempotency_key}))
        return str(transfer.id)

    def reverse_transfer(self, *, transfer_id: str, amount_minor: int, idempotency_key: str) -> str:
        params: Any = {"amount": amount_minor}
        reversal = _call("take back the seller's share", lambda: self.client.v1.transfers.reversals.create(
            transfer_id, params=params, options={"idempotency_key": idempotency_key}))
        return str(reversal.id)

    def create_refund(self, *, payment_id: str, amount_minor: int, idempotency_key: str,
                      metadata: dict[str, str]) -> dict[str, Any]:
        params: Any = {"payment_intent": payment_id, "amount": amount_minor, "metadata": metadata}
        refund = _call("refund the buyer", lambda: self.client.v1.refunds.create(
            params=params, options={"idempotency_key": idempotency_key}))
        return _plain(refund)


def verify_webhook(*, payload: bytes, signature_header: str | None, secret: str) -> dict[str, Any]:
    """The event of a request signed the way Stripe signs (`Stripe-Signature: t=…,v1=…`, HMAC-SHA256 of
    `t.payload` with the endpoint's secret, at most 300 s old), checked by the SDK; else WEBHOOK_REFUSED
    with the reason."""
    if not secret:  # a 400 like every refusal: Stripe keeps retrying until the secret is set
        raise WebhookRefused("Webhook refused: Stripe webhooks are not configured here (STRIPE_WEBHOOK_SECRET "
                             "is not set).")
    try:
        # the SDK's signature check alone (construct_event would also build an SDK object we never read)
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance=WEBHOOK_TOLERANCE_S)
        event = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        reason = str(exc.user_message or exc)
        if "tolerance" in reason:
            reason = "its timestamp is more than 5 minutes old (a replay, or a clock far off)"
        elif "No Stripe-Signature" in reason:
            reason = "the Stripe-Signature header is missing"
        elif "matching the expected signature" in reason:
            reason = "the signature does not match (wrong signing secret, or the body was changed)"
        else:
            reason = "the Stripe-Signature header is not in the form t=…,v1=…"
        raise WebhookRefused(f"Webhook refused: {reason}.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRefused("Webhook refused: the body is not JSON.") from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str) \
            or not isinstance(event.get("created"), int) or not isinstance(event.get("data"), dict) \
            or not isinstance(event["data"].get("object"), dict):
        raise WebhookRefused(
            "Webhook refused: the body is not a Stripe event (id, type, created, data.object).")
    return event
