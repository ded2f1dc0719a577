"""Billing test helpers: the local Stripe server, settings for each provider, webhook payloads signed
exactly as Stripe signs them, and the stored billing state as comparable data."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.billing import CheckoutSession, Invoice, Subscription, WebhookEvent
from tests.billing.stripe_server import LocalStripe
from tests.support import accounts as fx

acct_env = fx.acct_env
WHSEC = "whsec_test_" + "k" * 32
PRICES = "pro:month=price_pro_m,pro:year=price_pro_y,label:month=price_label_m,label:year=price_label_y"


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[LocalStripe]:
    with LocalStripe() as server:
        yield server


@pytest.fixture
def stripe_env(acct_env: Path, stripe_server: LocalStripe, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalStripe]:
    """PAYMENTS_PROVIDER=stripe with the SDK pointed at the local server."""
    from maxbooster.settings import get_settings

    monkeypatch.setenv("PAYMENTS_PROVIDER", "stripe")
    monkeypatch.setenv("STRIPE_SECRET_KEY", stripe_server.secret_key)
    monkeypatch.setenv("STRIPE_API_BASE", stripe_server.url)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WHSEC)
    monkeypatch.setenv("STRIPE_PRICES", PRICES)
    get_settings.cache_clear()
    stripe_server.requests.clear()
    yield stripe_server
    get_settings.cache_clear()


def signature(payload: str, *, secret: str = WHSEC, timestamp: int | None = None) -> str:
    """`Stripe-Signature` as Stripe builds it: t=<unix time>,v1=hex(HMAC-SHA256(secret, "<t>.<body>"))."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def signed(event: dict[str, Any], **kw: Any) -> tuple[str, dict[str, str]]:
    """(body, headers) of a webhook request carrying `event`."""
    body = json.dumps(event, separators=(",", ":"))
    return body, {"Stripe-Signature": signature(body, **kw), "Content-Type": "application/json"}


def stored_state(session: Session, user: User) -> dict[str, Any]:
    """Everything billing stored for a user, without row ids and bookkeeping times (comparable across runs)."""
    session.expire_all()
    subs = session.execute(select(Subscription).where(Subscription.owner_id == user.id)).scalars().all()
    invoices = session.execute(select(Invoice).where(Invoice.owner_id == user.id)).scalars().all()
    checkouts = session.execute(select(CheckoutSession).where(CheckoutSession.owner_id == user.id)).scalars().all()
    events = session.execute(select(WebhookEvent)).scalars().all()
    fresh = session.get(User, user.id)
    return {
        "plan": fresh.plan if fresh else None,
        "subscriptions": sorted((s.provider_subscription_id, s.plan, s.interval, s.status, s.current_period_end,
                                 s.cancel_at_period_end, s.canceled_at, s.grace_until, s.last_event_id)
                                for s in subs),
        "invoices": sorted((i.provider_invoice_id, i.provider_subscription_id, i.status, i.amount_due_minor,
                            i.amount_paid_minor, i.currency, i.period_start, i.period_end, i.first_failed_at,
                            i.paid_at, i.hosted_url) for i in invoices),
        "checkouts": sorted((c.provider_session_id, c.status, c.provider_subscription_id) for c in checkouts),
        "events": sorted((e.event_id, e.applied_at is not None) for e in events),
    }
