"""A local server of Stripe's HTTP protocol, for the real `stripe` SDK pointed at it (`api_base`).

It implements what billing and the marketplace call: customers, Checkout sessions (subscription mode),
billing-portal sessions, subscriptions retrieve, Connect Express accounts (create, retrieve), account
links, and a connected account's balance and payouts (`Stripe-Account` header), the way Stripe
answers them: form-encoded requests with bracket keys (`metadata[plan]=pro`,
`line_items[0][price]=…`), `Authorization: Bearer <secret key>`, JSON objects with `id`/`object`,
errors as `{"error": {"type", "code", "message", "param"}}` with Stripe's status codes, and
`Idempotency-Key` replays (same key + same body → the same answer; another body →
`idempotency_error`). `complete_checkout` plays the customer paying: it creates the subscription and
its first invoice and returns the events Stripe would send (the tests sign and post them);
`complete_onboarding` plays a seller finishing Connect onboarding (returns `account.updated`).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

_KEY = re.compile(r"[^\[\]]+|\[([^\[\]]*)\]")


def parse_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding to nested data: `a[b][0][c]=v` → {"a": {"b": [{"c": "v"}]}}."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = [m.group(1) if m.group(1) is not None else m.group(0) for m in _KEY.finditer(key)]
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt_is_index = not last and parts[i + 1].isdigit()
            if isinstance(node, list):
                idx = int(part)
                while len(node) <= idx:
                    node.append({} if not nxt_is_index else [])
                if last:
                    node[idx] = value
                else:
                    node = node[idx]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if nxt_is_index else {})
    return root


class StripeError(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str = "", param: str = "") -> None:
        super().__init__(message)
        self.status, self.body = status, {"error": {"type": type_, "message": message,
                                                    **({"code": code} if code else {}),
                                                    **({"param": param} if param else {})}}


class LocalStripe:
    """The server and its state; use as a context manager. `requests` records what the SDK sent."""

    def __init__(self, *, secret_key: str = "sk_test_local",  # noqa: S107  (a test key)
                 prices: dict[str, tuple[int, str, str]] | None = None) -> None:
        self.secret_key = secret_key
        # price id -> (unit amount, currency, interval)
        self.prices = prices or {"price_pro_m": (1200, "usd", "month"), "price_pro_y": (12000, "usd", "year"),
                                 "price_label_m": (4900, "usd", "month"), "price_label_y": (49000, "usd", "year")}
        self.customers: dict[str, dict[str, Any]] = {}
        self.checkouts: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, dict[str, Any]] = {}
        self.balances: dict[str, dict[str, Any]] = {}  # account id -> balance object
        self.payouts: dict[str, list[dict[str, Any]]] = {}  # account id -> payouts, newest first
        self.requests: list[dict[str, Any]] = []
        self._idem: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self._current_headers: dict[str, str] = {}
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> LocalStripe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._seq):08d}"

    # --- the API ---------------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        routes = [
            ("POST", r"/v1/customers", self._create_customer),
            ("GET", r"/v1/customers/([^/]+)", self._get("customer", self.customers)),
            ("POST", r"/v1/checkout/sessions", self._create_checkout),
            ("GET", r"/v1/checkout/sessions/([^/]+)", self._get("checkout.session", self.checkouts)),
            ("POST", r"/v1/billing_portal/sessions", self._create_portal),
            ("GET", r"/v1/subscriptions/([^/]+)", self._get("subscription", self.subscriptions)),
            ("POST", r"/v1/accounts", self._create_account),
            ("GET", r"/v1/accounts/([^/]+)", self._get("account", self.accounts)),
            ("POST", r"/v1/account_links", self._create_account_link),
            ("GET", r"/v1/balance", self._balance),
            ("GET", r"/v1/payouts", self._payouts),
        ]
        for verb, pattern, fn in routes:
            m = re.fullmatch(pattern, path)
            if m and verb == method:
                return 200, fn(params, *m.groups())
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _get(self, kind: str, store: dict[str, dict[str, Any]]) -> Any:
        def get(_: dict[str, Any], obj_id: str) -> dict[str, Any]:
            if obj_id not in store:
                raise StripeError(404, "invalid_request_error", f"No such {kind}: '{obj_id}'", "resource_missing",
                                  "id")
            return store[obj_id]
        return get

    def _create_customer(self, p: dict[str, Any]) -> dict[str, Any]:
        obj = {"id": self.new_id("cus"), "object": "customer", "created": int(time.time()), "livemode": False,
               "email": p.get("email"), "name": p.get("name"), "metadata": p.get("metadata", {})}
        self.customers[obj["id"]] = obj
        return obj

    def _create_checkout(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("mode") not in ("payment", "setup", "subscription"):
            raise StripeError(400, "invalid_request_error", "Missing required param: mode.", "parameter_missing",
                              "mode")
        if p.get("customer") and p["customer"] not in self.customers:
            raise StripeError(400, "invalid_request_error", f"No such customer: '{p['customer']}'",
                              "resource_missing", "customer")
        items = p.get("line_items") or []
        if not items:
            raise StripeError(400, "invalid_request_error", "Missing required param: line_items.",
                              "parameter_missing", "line_items")
        for i, item in enumerate(items):
            if item.get("price") not in self.prices:
                raise StripeError(400, "invalid_request_error", f"No such price: '{item.get('price')}'",
                                  "resource_missing", f"line_items[{i}][price]")
        for name in ("success_url",):
            if not str(p.get(name, "")).startswith(("http://", "https://")):
                raise StripeError(400, "invalid_request_error", f"Not a valid URL: {name}", "url_invalid", name)
        cs_id = self.new_id("cs")
        obj = {"id": cs_id, "object": "checkout.session", "mode": p["mode"], "status": "open",
               "url": f"https://checkout.stripe.com/c/pay/{cs_id}", "customer": p.get("customer"),
               "client_reference_id": p.get("client_reference_id"), "metadata": p.get("metadata", {}),
               "success_url": p.get("success_url"), "cancel_url": p.get("cancel_url"),
               "created": int(time.time()), "subscription": None, "livemode": False,
               "_line_items": items, "_subscription_data": p.get("subscription_data", {})}
        self.checkouts[cs_id] = obj
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _create_portal(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("customer") not in self.customers:
            raise StripeError(400, "invalid_request_error", f"No such customer: '{p.get('customer')}'",
                              "resource_missing", "customer")
        bps = self.new_id("bps")
        return {"id": bps, "object": "billing_portal.session", "customer": p["customer"],
                "return_url": p.get("return_url"), "url": f"https://billing.stripe.com/p/session/{bps}",
                "created": int(time.time()), "livemode": False}

    # --- Connect -------------------------------------------------------------------------------------

    def _create_account(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("type") not in ("express", "standard", "custom"):
            raise StripeError(400, "invalid_request_error", "Missing required param: type.", "parameter_missing",
                              "type")
        country = p.get("country") or "US"
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise StripeError(400, "invalid_request_error", f"Invalid country: {country}", "country_unsupported",
                              "country")
        obj = {"id": self.new_id("acct"), "object": "account", "type": p["type"], "country": country,
               "email": p.get("email"), "default_currency": "usd" if country == "US" else "eur",
               "created": int(time.time()), "details_submitted": False, "charges_enabled": False,
               "payouts_enabled": False, "metadata": p.get("metadata", {}),
               "capabilities": {k: "inactive" for k in (p.get("capabilities") or {})},
               "requirements": {"currently_due": ["business_type", "external_account", "tos_acceptance.date"],
                                "disabled_reason": "requirements.past_due"}}
        self.accounts[obj["id"]] = obj
        return obj

    def _create_account_link(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("account") not in self.accounts:
            raise StripeError(400, "invalid_request_error", f"No such account: '{p.get('account')}'",
                              "resource_missing", "account")
        if p.get("type") not in ("account_onboarding", "account_update"):
            raise StripeError(400, "invalid_request_error", "Invalid type", "parameter_invalid_empty", "type")
        for name in ("refresh_url", "return_url"):
            if not str(p.get(name, "")).startswith(("http://", "https://")):
                raise StripeError(400, "invalid_request_error", f"Not a valid URL: {name}", "url_invalid", name)
        now = int(time.time())
        return {"object": "account_link", "created": now, "expires_at": now + 300,
                "url": f"https://connect.stripe.com/setup/e/{p['account']}/{self.new_id('link')}"}

    def _connected(self) -> str:
        account = self._current_headers.get("stripe-account", "")
        if account not in self.accounts:
            raise StripeError(403, "invalid_request_error", "The provided key does not have access to account "
                              f"'{account}' (or that account does not exist).", "account_invalid")
        return account

    def _balance(self, _: dict[str, Any]) -> dict[str, Any]:
        account = self._connected()
        return self.balances.get(account) or {"object": "balance", "livemode": False,
                                              "available": [{"amount": 0, "currency": "usd"}],
                                              "pending": [{"amount": 0, "currency": "usd"}]}

    def _payouts(self, p: dict[str, Any]) -> dict[str, Any]:
        account = self._connected()
        data = self.payouts.get(account, [])[: int(p.get("limit") or 10)]
        return {"object": "list", "url": "/v1/payouts", "has_more": False, "data": data}

    def complete_onboarding(self, account_id: str, *, now: int | None = None) -> dict[str, Any]:
        """The seller finishes onboarding on Stripe's pages: charges and payouts enabled, nothing due."""
        account = self.accounts[account_id]
        account.update(details_submitted=True, charges_enabled=True, payouts_enabled=True,
                       capabilities={"card_payments": "active", "transfers": "active"},
                       requirements={"currently_due": [], "disabled_reason": None})
        return self.event("account.updated", account, now or int(time.time()))

    # --- what the customer does on Stripe's pages --------------------------------------------------

    def complete_checkout(self, cs_id: str, *, now: int | None = None) -> list[dict[str, Any]]:
        """The customer pays: an active subscription and a paid first invoice; returns Stripe's events."""
        now = now or int(time.time())
        cs = self.checkouts[cs_id]
        price_id = cs["_line_items"][0]["price"]
        amount, currency, interval = self.prices[price_id]
        end = now + (365 if interval == "year" else 30) * 86400
        sub_id, inv_id = self.new_id("sub"), self.new_id("in")
        sub = {"id": sub_id, "object": "subscription", "customer": cs["customer"], "status": "active",
               "cancel_at_period_end": False, "canceled_at": None, "created": now, "livemode": False,
               "metadata": cs["_subscription_data"].get("metadata", {}),
               "items": {"object": "list", "data": [{
                   "id": self.new_id("si"), "object": "subscription_item", "current_period_start": now,
                   "current_period_end": end,
                   "price": {"id": price_id, "object": "price", "currency": currency, "unit_amount": amount,
                             "recurring": {"interval": interval}}}]}}
        invoice = {"id": inv_id, "object": "invoice", "customer": cs["customer"], "status": "paid",
                   "amount_due": amount, "amount_paid": amount, "currency": currency,
                   "billing_reason": "subscription_create", "created": now, "livemode": False,
                   "hosted_invoice_url": f"https://invoice.stripe.com/i/{inv_id}",
                   "parent": {"type": "subscription_details", "subscription_details": {"subscription": sub_id}},
                   "status_transitions": {"paid_at": now},
                   "lines": {"object": "list", "data": [{"period": {"start": now, "end": end}}]}}
        self.subscriptions[sub_id], self.invoices[inv_id] = sub, invoice
        cs.update(status="complete", subscription=sub_id)
        public_cs = {k: v for k, v in cs.items() if not k.startswith("_")}
        return [self.event("customer.subscription.created", sub, now), self.event("invoice.paid", invoice, now),
                self.event("checkout.session.completed", public_cs, now)]

    def event(self, event_type: str, obj: dict[str, Any], created: int) -> dict[str, Any]:
        return {"id": self.new_id("evt"), "object": "event", "api_version": "2025-10-29.clover", "created": created,
                "type": event_type, "livemode": False, "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None}, "data": {"object": json.loads(json.dumps(obj))}}

    # --- HTTP --------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                path, _, query = self.path.partition("?")
                params = parse_form(raw if method == "POST" else query)
                record = {"method": method, "path": path, "params": params, "raw": raw,
                          "headers": {k.lower(): v for k, v in self.headers.items()}}
                with server._lock:
                    server.requests.append(record)
                    server._current_headers = record["headers"]
                    status, body = server._dispatch(method, path, params, raw, record["headers"])
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{next(server._seq):08d}")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

        return Handler

    def _dispatch(self, method: str, path: str, params: dict[str, Any], raw: str,
                  headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        scheme, _, key = headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or key != self.secret_key:
            shown = f"{key[:8]}{'*' * 4}{key[-4:]}" if key else ""
            return 401, {"error": {"type": "invalid_request_error",
                                   "message": f"Invalid API Key provided: {shown}" if key
                                   else "You did not provide an API key."}}
        if method == "POST" and "application/x-www-form-urlencoded" not in headers.get("content-type", ""):
            return 400, {"error": {"type": "invalid_request_error", "message": "Invalid request: form encoding"}}
        idem = headers.get("idempotency-key") if method == "POST" else None
        if idem and idem in self._idem:
            seen_body, status, body = self._idem[idem]
            if seen_body != f"{path}?{raw}":
                return 400, {"error": {"type": "idempotency_error", "message": "Keys for idempotent requests can "
                                       "only be used with the same parameters they were first used with."}}
            return status, body
        try:
            status, body = self.handle(method, path, params)
        except StripeError as exc:
            status, body = exc.status, exc.body
        if idem and status == 200:  # Stripe keeps results of requests that ran, not of refused parameters
            self._idem[idem] = (f"{path}?{raw}", status, body)
        return status, body
