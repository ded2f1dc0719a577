"""The sandbox payments provider: the embedded default, no outside account ("test mode").

Its customers, checkout sessions and subscriptions live in our own tables; ids are derived from their
inputs (the same checkout completed twice gives the same subscription and the same event ids, so the
second time is a duplicate). What a real provider would do on its side (a customer finishing Checkout,
a renewal paid or failed, a cancellation in the portal) is simulated here by emitting Stripe-shaped
events into the same receive → `billing.apply_events` drain as Stripe's webhooks.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster import routes
from maxbooster.models.base import utcnow
from maxbooster.models.billing import (
    BillingInterval,
    CheckoutSession,
    CheckoutStatus,
    Invoice,
    InvoiceStatus,
    PaymentsProviderKey,
    Subscription,
    SubscriptionStatus,
    WebhookEvent,
)
from maxbooster.models.marketplace import SellerAccount, Transfer, TransferStatus
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.billing import catalog, webhooks
from maxbooster.services.billing.catalog import Price
from maxbooster.services.billing.provider import Balance, HostedSession, PaymentStart
from maxbooster.services.errors import Conflict, DomainError, ErrorCode, InvalidInput, NotFound
from maxbooster.services.money import Money
from maxbooster.settings import get_settings

SANDBOX = PaymentsProviderKey.SANDBOX
DECLINE_CARD = "4000000000000002"  # Stripe's test card that is always declined; the sandbox declines it too


class CardDeclined(DomainError):
    """The sandbox's test card was declined: nothing is charged, nothing changes."""

    code = ErrorCode.CARD_DECLINED
    http_status = 402


def _h(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:24]


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


class SandboxProvider:
    key = SANDBOX

    def __init__(self, *, session: Session) -> None:
        self.session = session

    def create_customer(self, *, owner_id: uuid.UUID, email: str, name: str, idempotency_key: str) -> str:
        return f"cus_sbx_{_h('customer', owner_id)}"

    def create_checkout_session(self, *, customer_id: str, owner_id: uuid.UUID, price: Price, success_url: str,
                                cancel_url: str, idempotency_key: str) -> HostedSession:
        session_id = f"cs_sbx_{_h('checkout', idempotency_key)}"
        url = get_settings().app_url.rstrip("/") + routes.with_query(routes.SANDBOX_CHECKOUT, session=session_id)
        return HostedSession(id=session_id, url=url)

    def create_portal_session(self, *, customer_id: str, return_url: str) -> HostedSession:
        """The sandbox's own portal page (switch plan or billing period, cancel, resume, invoices)."""
        return HostedSession(id=f"bps_sbx_{_h('portal', customer_id, return_url)}",
                             url=get_settings().app_url.rstrip("/") + routes.SANDBOX_PORTAL)

    def retrieve_subscription(self, subscription_id: str) -> dict[str, Any]:
        row = self.session.execute(select(Subscription).where(
            col(Subscription.provider) == SANDBOX,
            col(Subscription.provider_subscription_id) == subscription_id)).scalar_one_or_none()
        if row is None:
            raise NotFound(f"The sandbox has no subscription {subscription_id}.")
        period_end = row.current_period_end or row.last_event_created
        return subscription_object(row.provider_subscription_id, customer=row.provider_customer_id,
                                   price=catalog.price_for(row.plan, row.interval), status=row.status,
                                   period_start=_period_start(period_end, row.interval), period_end=period_end,
                                   cancel_at_period_end=row.cancel_at_period_end, owner_id=row.owner_id,
                                   canceled_at=row.canceled_at)


    # --- Connect (sellers): the account's state is our SellerAccount row; onboarding is our own page ----

    def create_connected_account(self, *, owner_id: uuid.UUID, email: str, country: str,
                                 idempotency_key: str) -> dict[str, Any]:
        return account_object(f"acct_sbx_{_h('account', owner_id)}", country=country, owner_id=owner_id,
                              email=email)

    def create_account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> HostedSession:
        url = get_settings().app_url.rstrip("/") + routes.V1_MARKETPLACE_SANDBOX_ONBOARDING.format(
            account_id=account_id)
        return HostedSession(id=account_id, url=url)

    def _seller(self, account_id: str) -> SellerAccount:
        row = self.session.execute(select(SellerAccount).where(
            col(SellerAccount.provider) == SANDBOX,
            col(SellerAccount.provider_account_id) == account_id)).scalar_one_or_none()
        if row is None:
            raise NotFound(f"The sandbox has no seller account {account_id}.")
        return row

    def retrieve_account(self, account_id: str) -> dict[str, Any]:
        row = self._seller(account_id)
        return account_object(account_id, country=row.country, owner_id=row.owner_id,
                              details_submitted=row.details_submitted, charges_enabled=row.charges_enabled,
                              payouts_enabled=row.payouts_enabled, currently_due=list(row.requirements))

    def retrieve_balance(self, account_id: str) -> Balance:
        """What transfers paid to this seller add up to (the sandbox pays out nothing: all available)."""
        row = self._seller(account_id)
        totals: dict[str, int] = {}
        for amount, reversed_, currency in self.session.execute(select(
                col(Transfer.amount_minor), col(Transfer.reversed_minor), col(Transfer.currency)).where(
                col(Transfer.recipient_id) == row.owner_id, col(Transfer.provider) == SANDBOX,
                col(Transfer.status).in_([TransferStatus.PAID, TransferStatus.REVERSED]))).all():
            totals[currency] = totals.get(currency, 0) + amount - reversed_
        return Balance(available=totals, pending={})

    def list_payouts(self, account_id: str, *, limit: int = 10) -> list[dict[str, Any]]:
        self._seller(account_id)
        return []

    # --- marketplace sales: the buyer pays on our own page; transfers and refunds are our rows --------

    def create_payment(self, *, amount: Money, order_id: uuid.UUID, buyer_email: str, transfer_group: str,
                       idempotency_key: str) -> PaymentStart:
        payment_id = f"pi_sbx_{_h('payment', idempotency_key)}"
        url = get_settings().app_url.rstrip("/") + routes.V1_MARKETPLACE_SANDBOX_PAY.format(order_id=order_id)
        return PaymentStart(id=payment_id, client_secret=f"{payment_id}_secret_sbx", url=url)

    def cancel_payment(self, payment_id: str) -> None:
        return None

    def create_transfer(self, *, amount: Money, destination: str, transfer_group: str, source_charge: str,
                        idempotency_key: str, metadata: dict[str, str]) -> str:
        return f"tr_sbx_{_h('transfer', idempotency_key)}"

    def reverse_transfer(self, *, transfer_id: str, amount_minor: int, idempotency_key: str) -> str:
        return f"trr_sbx_{_h('reversal', idempotency_key)}"

    def create_refund(self, *, payment_id: str, amount_minor: int, idempotency_key: str,
                      metadata: dict[str, str]) -> dict[str, Any]:
        return {"id": f"re_sbx_{_h('refund', idempotency_key)}", "object": "refund", "status": "succeeded",
                "amount": amount_minor, "payment_intent": payment_id, "metadata": metadata}


# --- Stripe-shaped objects ----------------------------------------------------------------------------

def _period_start(end: datetime, interval: str) -> datetime:
    return end - (timedelta(days=365) if interval == BillingInterval.YEAR else timedelta(days=30))


def _period_end(start: datetime, interval: str) -> datetime:
    return start + (timedelta(days=365) if interval == BillingInterval.YEAR else timedelta(days=30))


def subscription_object(sub_id: str, *, customer: str, price: Price, status: str, period_start: datetime,
                        period_end: datetime, cancel_at_period_end: bool = False, owner_id: uuid.UUID | None = None,
                        canceled_at: datetime | None = None) -> dict[str, Any]:
    price_obj = {"id": price.sandbox_id, "object": "price", "currency": price.amount.currency.lower(),
                 "unit_amount": price.amount.amount_minor, "recurring": {"interval": str(price.interval)}}
    return {"id": sub_id, "object": "subscription", "customer": customer, "status": status,
            "cancel_at_period_end": cancel_at_period_end, "canceled_at": _unix(canceled_at) if canceled_at else None,
            "metadata": {"owner_id": str(owner_id or ""), "plan": str(price.plan), "interval": str(price.interval)},
            "items": {"object": "list", "data": [{"id": f"si_sbx_{_h('item', sub_id)}", "price": price_obj,
                                                  "current_period_start": _unix(period_start),
                                                  "current_period_end": _unix(period_end)}]}}


ONBOARDING_FIELDS = ["business_type", "external_account", "individual.dob.day", "individual.first_name",
                     "individual.last_name", "tos_acceptance.date"]


def account_object(account_id: str, *, country: str, owner_id: uuid.UUID, email: str = "",
                   details_submitted: bool = False, charges_enabled: bool = False, payouts_enabled: bool = False,
                   currently_due: list[str] | None = None) -> dict[str, Any]:
    """A Stripe-shaped Express account; a new one still needs the onboarding fields."""
    due = ONBOARDING_FIELDS if currently_due is None else currently_due
    return {"id": account_id, "object": "account", "type": "express", "country": country, "email": email,
            "default_currency": "usd" if country == "US" else "eur", "details_submitted": details_submitted,
            "charges_enabled": charges_enabled, "payouts_enabled": payouts_enabled,
            "metadata": {"owner_id": str(owner_id)},
            "requirements": {"currently_due": list(due), "disabled_reason": "requirements.past_due" if due else None}}


def invoice_object(invoice_id: str, *, customer: str, sub_id: str, price: Price, status: str,
                   period_start: datetime, period_end: datetime, reason: str, paid_at: datetime | None = None,
                   attempts: int = 1) -> dict[str, Any]:
    amount = price.amount
    return {"id": invoice_id, "object": "invoice", "customer": customer, "status": status,
            "amount_due": amount.amount_minor, "amount_paid": amount.amount_minor if status == "paid" else 0,
            "currency": amount.currency.lower(), "billing_reason": reason, "attempt_count": attempts,
            "hosted_invoice_url": "", "parent": {"subscription_details": {"subscription": sub_id}},
            "status_transitions": {"paid_at": _unix(paid_at) if paid_at else None},
            "lines": {"object": "list", "data": [{"period": {"start": _unix(period_start), "end": _unix(period_end)}}]}}


def _emit(session: Session, event_type: str, obj: dict[str, Any], when: datetime, *,
          once: bool = False) -> WebhookEvent:
    """Send one event; `once`: its id does not depend on the time (the same thing done again is a duplicate)."""
    key = "once" if once else _unix(when)
    event = {"id": f"evt_sbx_{_h(event_type, obj['id'], obj.get('status'), key)}", "object": "event",
             "type": event_type, "created": _unix(when), "livemode": False, "data": {"object": obj}}
    row, _ = webhooks.receive_event(session=session, provider=SANDBOX, event=event)
    return row


# --- what the customer or the provider does, simulated -------------------------------------------------

def find_checkout(*, session: Session, actor: Actor, session_id: str) -> CheckoutSession:
    """The acting user's sandbox checkout by its provider id (someone else's reads as not found)."""
    row_id = session.execute(select(col(CheckoutSession.id)).where(
        col(CheckoutSession.provider) == SANDBOX,
        col(CheckoutSession.provider_session_id) == session_id)).scalar_one_or_none()
    return get_owned(session=session, model=CheckoutSession, obj_id=row_id, actor=actor)


def complete_checkout(*, session: Session, actor: Actor, session_id: str,
                      now: datetime | None = None) -> list[WebhookEvent]:
    """The customer pays on the sandbox's checkout: the subscription starts, its first invoice is paid.
    Paying the same checkout again emits the same events (duplicates: nothing changes)."""
    checkout = find_checkout(session=session, actor=actor, session_id=session_id)
    if checkout.status == CheckoutStatus.EXPIRED:
        raise Conflict("This checkout has expired; start the upgrade again.")
    now = now or utcnow()
    price = catalog.price_for(checkout.plan, checkout.interval)
    sub_id = f"sub_sbx_{_h('subscription', checkout.provider_session_id)}"
    end = _period_end(now, checkout.interval)
    sub = subscription_object(sub_id, customer=checkout.provider_customer_id, price=price, status="active",
                              period_start=now, period_end=end, owner_id=checkout.owner_id)
    invoice = invoice_object(f"in_sbx_{_h('invoice', sub_id, 'first')}", customer=checkout.provider_customer_id,
                             sub_id=sub_id, price=price, status="paid", period_start=now, period_end=end,
                             reason="subscription_create", paid_at=now)
    completed = {"id": checkout.provider_session_id, "object": "checkout.session", "mode": "subscription",
                 "status": "complete", "customer": checkout.provider_customer_id, "subscription": sub_id,
                 "client_reference_id": str(checkout.owner_id), "created": _unix(checkout.created_at)}
    return [_emit(session, "checkout.session.completed", completed, now, once=True),
            _emit(session, "customer.subscription.created", sub, now, once=True),
            _emit(session, "invoice.paid", invoice, now, once=True)]


def _after(sub: Subscription, now: datetime | None) -> datetime:
    """The time of a new event about `sub`: never in the same second as the last one (a real provider's
    clock moves on; two events of one second could not be ordered)."""
    return max(now or utcnow(), sub.last_event_created + timedelta(seconds=1))


def _subscription(session: Session, subscription_id: str) -> Subscription:
    row = session.execute(select(Subscription).where(
        col(Subscription.provider) == SANDBOX,
        col(Subscription.provider_subscription_id) == subscription_id)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"The sandbox has no subscription {subscription_id}.")
    return row


def renew(*, session: Session, subscription_id: str, paid: bool, now: datetime | None = None) -> list[WebhookEvent]:
    """The period ends and the provider charges the renewal: paid → a new period; failed → past_due, and
    the invoice stays open while the provider retries (dunning)."""
    sub = _subscription(session, subscription_id)
    now = _after(sub, now)
    price = catalog.price_for(sub.plan, sub.interval)
    start = sub.current_period_end or now
    end = _period_end(start, sub.interval)
    invoice_id = f"in_sbx_{_h('invoice', subscription_id, _unix(start))}"
    invoice = invoice_object(invoice_id, customer=sub.provider_customer_id, sub_id=subscription_id, price=price,
                             status="paid" if paid else "open", period_start=start, period_end=end,
                             reason="subscription_cycle", paid_at=now if paid else None)
    status = "active" if paid else "past_due"
    obj = subscription_object(subscription_id, customer=sub.provider_customer_id, price=price, status=status,
                              period_start=start if paid else _period_start(start, sub.interval),
                              period_end=end if paid else start, owner_id=sub.owner_id,
                              cancel_at_period_end=sub.cancel_at_period_end)
    return [_emit(session, "invoice.paid" if paid else "invoice.payment_failed", invoice, now),
            _emit(session, "customer.subscription.updated", obj, now)]


def pay_open_invoice(*, session: Session, subscription_id: str, now: datetime | None = None) -> list[WebhookEvent]:
    """A retried payment succeeds (e.g. after the card was updated): the open invoice is paid, active again."""
    sub = _subscription(session, subscription_id)
    open_invoice = session.execute(select(Invoice).where(
        col(Invoice.provider) == SANDBOX, col(Invoice.provider_subscription_id) == subscription_id,
        col(Invoice.status) == InvoiceStatus.OPEN).order_by(col(Invoice.period_end).desc())).scalars().first()
    if open_invoice is None or open_invoice.period_start is None or open_invoice.period_end is None:
        raise Conflict("This subscription has no unpaid invoice.")
    now = _after(sub, now)
    price = catalog.price_for(sub.plan, sub.interval)
    invoice = invoice_object(open_invoice.provider_invoice_id, customer=sub.provider_customer_id,
                             sub_id=subscription_id, price=price, status="paid", period_start=open_invoice.period_start,
                             period_end=open_invoice.period_end, reason=open_invoice.billing_reason, paid_at=now)
    obj = subscription_object(subscription_id, customer=sub.provider_customer_id, price=price, status="active",
                              period_start=open_invoice.period_start, period_end=open_invoice.period_end,
                              owner_id=sub.owner_id, cancel_at_period_end=sub.cancel_at_period_end)
    return [_emit(session, "invoice.paid", invoice, now), _emit(session, "customer.subscription.updated", obj, now)]


def cancel(*, session: Session, actor: Actor, subscription_id: str, at_period_end: bool = True,
           now: datetime | None = None) -> list[WebhookEvent]:
    """The customer cancels in the sandbox's portal: at the period's end (kept until then) or at once."""
    sub = _subscription(session, subscription_id)
    get_owned(session=session, model=Subscription, obj_id=sub.id, actor=actor)
    if sub.status == SubscriptionStatus.CANCELED:
        raise Conflict("This subscription is already cancelled.")
    now = _after(sub, now)
    price = catalog.price_for(sub.plan, sub.interval)
    end = sub.current_period_end or now
    obj = subscription_object(subscription_id, customer=sub.provider_customer_id, price=price,
                              status=sub.status if at_period_end else "canceled",
                              period_start=_period_start(end, sub.interval), period_end=end,
                              cancel_at_period_end=at_period_end, owner_id=sub.owner_id,
                              canceled_at=None if at_period_end else now)
    kind = "customer.subscription.updated" if at_period_end else "customer.subscription.deleted"
    return [_emit(session, kind, obj, now)]


# --- the sandbox's own checkout and portal pages -----------------------------------------------------

def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def check_card(*, number: str, expiry: str, cvc: str, now: datetime | None = None) -> None:
    """A test card as typed on the sandbox's checkout: a valid number (spaces allowed), MM/YY not in the
    past, a 3–4 digit CVC; the decline card 4000 0000 0000 0002 is refused like a real decline."""
    digits = number.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 13 <= len(digits) <= 19 or not _luhn_ok(digits):
        raise InvalidInput("That card number is not valid. In test mode use 4242 4242 4242 4242.")
    month, _, year = expiry.strip().partition("/")
    if not (month.strip().isdigit() and year.strip().isdigit() and 1 <= int(month) <= 12 and len(year.strip()) == 2):
        raise InvalidInput("Enter the expiry date as MM/YY, for example 12/34.")
    today = now or utcnow()
    if (2000 + int(year), int(month)) < (today.year, today.month):
        raise InvalidInput("This card has expired; use a card with an expiry date in the future.")
    if not (cvc.strip().isdigit() and len(cvc.strip()) in (3, 4)):
        raise InvalidInput("Enter the 3 or 4 digit security code (CVC) from the back of the card.")
    if digits == DECLINE_CARD:
        raise CardDeclined()


def pay_checkout(*, session: Session, actor: Actor, session_id: str, card_number: str, expiry: str, cvc: str,
                 now: datetime | None = None) -> list[WebhookEvent]:
    """Pay the sandbox checkout with a test card: a refused card changes nothing; an accepted one sends the
    checkout's events through the webhook path (the plan changes once they are applied)."""
    find_checkout(session=session, actor=actor, session_id=session_id)
    check_card(number=card_number, expiry=expiry, cvc=cvc, now=now)
    return complete_checkout(session=session, actor=actor, session_id=session_id, now=now)


def _owned_subscription(session: Session, actor: Actor, subscription_id: str) -> Subscription:
    sub = _subscription(session, subscription_id)
    get_owned(session=session, model=Subscription, obj_id=sub.id, actor=actor)
    if sub.status == SubscriptionStatus.CANCELED:
        raise Conflict("This subscription has ended; choose a plan again to subscribe.")
    return sub


def change_plan(*, session: Session, actor: Actor, subscription_id: str, plan: str, interval: str,
                now: datetime | None = None) -> list[WebhookEvent]:
    """Switch the subscription to another plan or billing period in the sandbox's portal (from now on; the
    current period's end stays)."""
    sub = _owned_subscription(session, actor, subscription_id)
    price = catalog.price_for(plan, interval)
    if (sub.plan, sub.interval) == (price.plan, price.interval):
        raise InvalidInput(f"You already have {sub.plan.title()} billed per {sub.interval}; choose something else.")
    now = _after(sub, now)
    end = sub.current_period_end or _period_end(now, price.interval)
    obj = subscription_object(subscription_id, customer=sub.provider_customer_id, price=price, status=sub.status,
                              period_start=_period_start(end, sub.interval), period_end=end,
                              cancel_at_period_end=sub.cancel_at_period_end, owner_id=sub.owner_id)
    return [_emit(session, "customer.subscription.updated", obj, now)]


def resume(*, session: Session, actor: Actor, subscription_id: str,
           now: datetime | None = None) -> list[WebhookEvent]:
    """Undo a cancellation at the period's end (the subscription renews again)."""
    sub = _owned_subscription(session, actor, subscription_id)
    if not sub.cancel_at_period_end:
        raise Conflict("This subscription is not set to end; there is nothing to resume.")
    now = _after(sub, now)
    end = sub.current_period_end or now
    obj = subscription_object(subscription_id, customer=sub.provider_customer_id,
                              price=catalog.price_for(sub.plan, sub.interval), status=sub.status,
                              period_start=_period_start(end, sub.interval), period_end=end, owner_id=sub.owner_id)
    return [_emit(session, "customer.subscription.updated", obj, now)]
def complete_onboarding(*, session: Session, actor: Actor, account_id: str,
                        now: datetime | None = None) -> list[WebhookEvent]:
    """The seller fills in the sandbox's onboarding page: the account can take charges and be paid out.
    Sent as `account.updated` through the webhook path, like Stripe does; doing it again is a duplicate."""
    row = SandboxProvider(session=session)._seller(account_id)
    get_owned(session=session, model=SellerAccount, obj_id=row.id, actor=actor)
    obj = account_object(account_id, country=row.country, owner_id=row.owner_id, details_submitted=True,
                         charges_enabled=True, payouts_enabled=True, currently_due=[])
    return [_emit(session, "account.updated", obj, now or utcnow(), once=True)]
