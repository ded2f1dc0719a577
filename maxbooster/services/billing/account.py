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
from maxbooster.models.accounts import PlanKey, User
from maxbooster.models.base import utcnow
from maxbooster.models.billing import (
    BillingCustomer,
    BillingInterval,
    CheckoutSession,
    CheckoutStatus,
    Invoice,
    Subscription,
)
from maxbooster.services import audit, plans
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
        # Stripe fills in {CHECKOUT_SESSION_ID}; the sandbox's page sends its own id
        success_url=f"{app}{routes.BILLING_SUCCESS}?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{app}{routes.BILLING_CANCELLED}",
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
                                          return_url=f"{app}{routes.ACCOUNT_PLAN}").url


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
        banner = (f"Your payment didn't go through. Update your card by {grace:%d %B %Y} to keep "
                  f"{current.plan.title()}. After that your account moves to Free (your files and projects "
                  "are kept).")
    return BillingStatus(plan=plan, subscription=current, grace_until=grace, banner=banner,
                         test_mode=get_settings().payments_provider == "sandbox")


def list_invoices(*, session: Session, actor: Actor, limit: int = 100) -> list[Invoice]:
    rows = session.execute(select(Invoice).where(col(Invoice.owner_id) == actor.require_user())
                           .order_by(col(Invoice.period_end).desc(), col(Invoice.created_at).desc()).limit(limit))
    return list(rows.scalars())


def invoice_amount(invoice: Invoice) -> Money:
    return Money(invoice.amount_due_minor, invoice.currency)


@dataclass(frozen=True)
class CheckoutProgress:
    """What the page after Checkout shows: confirmed only once the webhooks made the plan change."""

    plan: str  # the checkout's plan
    interval: str
    amount: Money
    confirmed: bool  # its events are applied and the user's plan is (at least) this plan
    current_plan: str
    test_mode: bool


def checkout_progress(*, session: Session, actor: Actor, session_id: str) -> CheckoutProgress:
    """The acting user's checkout by the provider's session id, and whether the payment is confirmed yet."""
    user = _user(session, actor)
    row_id = session.execute(select(col(CheckoutSession.id)).where(
        col(CheckoutSession.provider_session_id) == session_id[:255])).scalar_one_or_none()
    checkout = get_owned(session=session, model=CheckoutSession, obj_id=row_id, actor=actor)
    session.refresh(user)
    confirmed = (checkout.status == CheckoutStatus.COMPLETE
                 and state.PLAN_RANK[PlanKey(user.plan)] >= state.PLAN_RANK[PlanKey(checkout.plan)])
    return CheckoutProgress(plan=checkout.plan, interval=checkout.interval, confirmed=confirmed,
                            amount=Money(checkout.amount_minor, checkout.currency), current_plan=user.plan,
                            test_mode=get_settings().payments_provider == "sandbox")


@dataclass(frozen=True)
class Offer:
    """One plan on the plan page: its prices (None for Free) and what it includes in words."""

    plan: str
    name: str
    month: Money | None
    year: Money | None
    includes: list[str]


def offers() -> list[Offer]:
    """Free / Pro / Label with their monthly and yearly prices and limits, cheapest first."""
    result = []
    for key, plan in plans.PLANS.items():
        month, year = catalog.PRICES.get((key, BillingInterval.MONTH)), catalog.PRICES.get((key, BillingInterval.YEAR))
        result.append(Offer(plan=str(key), name=plan.name, month=month.amount if month else None,
                            year=year.amount if year else None, includes=plans.describe(plan)))
    return result


def get_checkout(*, session: Session, actor: Actor, checkout_id: uuid.UUID) -> CheckoutSession:
    """One of the acting user's checkout sessions (someone else's reads as not found)."""
    return get_owned(session=session, model=CheckoutSession, obj_id=checkout_id, actor=actor)
