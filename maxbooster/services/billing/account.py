"""What a user does with billing: start an upgrade through Checkout, open the billing portal, read
their plan, subscription, grace banner and invoices. Nothing here changes the plan: only webhooks do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.billing import BillingCustomer, CheckoutSession, Invoice, Subscription
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.billing import catalog, state
from maxbooster.services.billing.provider import PaymentsProvider, get_provider
from maxbooster.services.errors import Conflict, ErrorCode, NotFound, invalid
from maxbooster.services.money import Money
from maxbooster.settings import get_settings


def _user(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.require_user())
    if user is None:
        raise NotFound("User not found.")
    return user


def ensure_customer(*, session: Session, provider: PaymentsProvider, user: User) -> BillingCustomer:
    """The user's customer at the provider, created once (a concurrent second request reuses it)."""
    find = select(BillingCustomer).where(col(BillingCustomer.owner_id) == user.id,
                                         col(BillingCustomer.provider) == provider.key)
    found = session.execute(find).scalar_one_or_none()
    if found is not None:
        return found
    customer_id = provider.create_customer(owner_id=user.id, email=user.email, name=user.display_name,
                                           idempotency_key=f"mb-customer-{user.id}")
    row = BillingCustomer(owner_id=user.id, provider=provider.key, provider_customer_id=customer_id)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return session.execute(find).scalar_one()
    return row


def start_checkout(*, session: Session, actor: Actor, plan: str, interval: str) -> CheckoutSession:
    """A provider Checkout session for `plan` per `interval`; the browser goes to its `url`. The plan
    changes later, when the provider's webhooks say the subscription is active."""
    price = catalog.price_for(plan, interval)
    user = _user(session, actor)
    current = [s for s in session.execute(select(Subscription).where(col(Subscription.owner_id) == user.id)).scalars()
               if state.effective_plan(s, utcnow()) != "free"]
    if current:
        raise Conflict(f"You already subscribe to {current[0].plan.title()}; change or cancel it in the billing "
                       "portal.")
    provider = get_provider(session=session)
    customer = ensure_customer(session=session, provider=provider, user=user)
    started = session.execute(select(func.count()).select_from(CheckoutSession)
                              .where(col(CheckoutSession.owner_id) == user.id)).scalar_one()
    app = get_settings().app_url.rstrip("/")
    hosted = provider.create_checkout_session(
        customer_id=customer.provider_customer_id, owner_id=user.id, price=price,
        success_url=f"{app}{routes.with_query(routes.SETTINGS, billing='success')}",
        cancel_url=f"{app}{routes.with_query(routes.SETTINGS, billing='cancelled')}",
        idempotency_key=f"mb-checkout-{user.id}-{started + 1}")
    row = CheckoutSession(owner_id=user.id, provider=provider.key, provider_session_id=hosted.id,
                          provider_customer_id=customer.provider_customer_id, plan=price.plan,
                          interval=price.interval, amount_minor=price.amount.amount_minor,
                          currency=price.amount.currency, url=hosted.url)
    session.add(row)
    audit.record(session, actor, "billing.checkout_started", target=f"billing_checkout_sessions:{row.id}",
                 details={"plan": str(price.plan), "interval": str(price.interval)})
    session.commit()
    return row


def open_portal(*, session: Session, actor: Actor) -> str:
    """The URL of the provider's billing portal for this user (manage payment method, cancel)."""
    user = _user(session, actor)
    provider = get_provider(session=session)
    customer = session.execute(select(BillingCustomer).where(col(BillingCustomer.owner_id) == user.id,
                                                             col(BillingCustomer.provider) == provider.key)
                               ).scalar_one_or_none()
    if customer is None:
        raise invalid(ErrorCode.NO_BILLING_ACCOUNT)
    app = get_settings().app_url.rstrip("/")
    return provider.create_portal_session(customer_id=customer.provider_customer_id,
                                          return_url=f"{app}{routes.SETTINGS}").url


@dataclass(frozen=True)
class BillingStatus:
    """What the Account page shows: the plan, the subscription and, during dunning, the banner."""

    plan: str
    subscription: Subscription | None
    grace_until: datetime | None
    banner: str
    test_mode: bool


def status(*, session: Session, actor: Actor, now: datetime | None = None) -> BillingStatus:
    """The user's billing state; an expired grace period is applied here too (on read)."""
    now = now or utcnow()
    user = _user(session, actor)
    plan = state.refresh_owner(session=session, owner_id=user.id, now=now)
    session.commit()
    subs = list(session.execute(select(Subscription).where(col(Subscription.owner_id) == user.id)
                                .order_by(col(Subscription.last_event_created).desc())).scalars())
    paying = [s for s in subs if plan != "free" and state.effective_plan(s, now) == plan]
    current = (paying or subs or [None])[0]
    grace = current.grace_until if current and current.grace_until and current.grace_until > now else None
    banner = ""
    if grace is not None and current is not None:
        banner = (f"Your last payment for {current.plan.title()} failed. Update your payment method before "
                  f"{grace:%d %B %Y}, or your account moves to Free then (your files and projects are kept).")
    return BillingStatus(plan=plan, subscription=current, grace_until=grace, banner=banner,
                         test_mode=get_settings().payments_provider == "sandbox")


def list_invoices(*, session: Session, actor: Actor, limit: int = 100) -> list[Invoice]:
    rows = session.execute(select(Invoice).where(col(Invoice.owner_id) == actor.require_user())
                           .order_by(col(Invoice.period_end).desc(), col(Invoice.created_at).desc()).limit(limit))
    return list(rows.scalars())


def invoice_amount(invoice: Invoice) -> Money:
    return Money(invoice.amount_due_minor, invoice.currency)


def get_checkout(*, session: Session, actor: Actor, checkout_id: uuid.UUID) -> CheckoutSession:
    """One of the acting user's checkout sessions (someone else's reads as not found)."""
    return get_owned(session=session, model=CheckoutSession, obj_id=checkout_id, actor=actor)
