"""/api/v1/billing: plans and prices, your billing state (plan, subscription, dunning banner) and
invoices, upgrade through Checkout, the billing portal, the sandbox provider's checkout, and the Stripe
webhook endpoint (signed by Stripe, no sign-in; it stores the event and answers at once)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from maxbooster import routes
from maxbooster.api.deps import CallerActor, DbSession
from maxbooster.db import read
from maxbooster.models.billing import CheckoutSession, Invoice
from maxbooster.services.billing import account, catalog, sandbox, webhooks

router = APIRouter(tags=["billing"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"}, 404: {"description": "Not found"},
    409: {"description": "Not possible in the current state (the message says why)"},
    422: {"description": "Invalid input (the message says what to change)"},
    503: {"description": "The payment provider did not answer or is not configured"},
}


class PriceOut(BaseModel):
    plan: str
    interval: str
    amount_minor: int
    currency: str
    amount: str = Field(description="For people: 'USD 12.00'")


class SubscriptionOut(BaseModel):
    plan: str
    interval: str
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool


class BillingOut(BaseModel):
    plan: str = Field(description="Your plan now (changes only when the payment provider confirms)")
    test_mode: bool = Field(description="True with the sandbox provider: no real money moves")
    subscription: SubscriptionOut | None
    grace_until: datetime | None = Field(description="Set while a failed renewal is retried; Free after it")
    banner: str = Field(description="What to tell the user during a grace period ('' otherwise)")


class InvoiceOut(BaseModel):
    id: uuid.UUID
    amount_minor: int
    currency: str
    amount: str
    status: str
    hosted_url: str
    period_start: datetime | None
    period_end: datetime | None


class CheckoutIn(BaseModel):
    plan: Literal["pro", "label"]
    interval: Literal["month", "year"]


class CheckoutOut(BaseModel):
    id: uuid.UUID
    provider: str
    plan: str
    interval: str
    amount_minor: int
    currency: str
    status: str
    url: str = Field(description="Send the browser here to pay")


class UrlOut(BaseModel):
    url: str


class ReceivedOut(BaseModel):
    received: bool
    duplicate: bool


def _checkout(row: CheckoutSession) -> CheckoutOut:
    return CheckoutOut(id=row.id, provider=row.provider, plan=row.plan, interval=row.interval,
                       amount_minor=row.amount_minor, currency=row.currency, status=row.status, url=row.url)


def _invoice(row: Invoice) -> InvoiceOut:
    return InvoiceOut(id=row.id, amount_minor=row.amount_due_minor, currency=row.currency,
                      amount=account.invoice_amount(row).format(), status=row.status, hosted_url=row.hosted_url,
                      period_start=row.period_start, period_end=row.period_end)


@router.get(routes.V1_BILLING_PLANS, response_model=list[PriceOut])
def list_prices() -> list[PriceOut]:
    """What each paid plan costs per month and per year (Free costs nothing)."""
    return [PriceOut(plan=p.plan, interval=p.interval, amount_minor=p.amount.amount_minor,
                     currency=p.amount.currency, amount=p.amount.format()) for p in catalog.PRICES.values()]


@router.get(routes.V1_BILLING, response_model=BillingOut, responses=ERRORS)
def get_billing(actor: CallerActor, db: DbSession) -> BillingOut:
    """Your plan, subscription and, while a failed renewal is retried, the grace period's banner."""
    st = account.status(session=db, actor=actor)
    sub = st.subscription
    return BillingOut(plan=st.plan, test_mode=st.test_mode, grace_until=st.grace_until, banner=st.banner,
                      subscription=SubscriptionOut(plan=sub.plan, interval=sub.interval, status=sub.status,
                                                   current_period_end=sub.current_period_end,
                                                   cancel_at_period_end=sub.cancel_at_period_end) if sub else None)


@router.get(routes.V1_BILLING_INVOICES, response_model=list[InvoiceOut], responses=ERRORS)
def get_invoices(actor: CallerActor, db: DbSession) -> list[InvoiceOut]:
    """Your invoices, newest period first."""
    return [_invoice(i) for i in account.list_invoices(session=db, actor=actor)]


@router.post(routes.V1_BILLING_CHECKOUT, response_model=CheckoutOut, status_code=201, responses=ERRORS)
def start_checkout(body: CheckoutIn, actor: CallerActor, db: DbSession) -> CheckoutOut:
    """Start an upgrade: the provider's Checkout page for the plan and interval. Your plan changes once
    the provider confirms the payment (webhook), not when this returns."""
    return _checkout(account.start_checkout(session=db, actor=actor, plan=body.plan, interval=body.interval))


@router.post(routes.V1_BILLING_PORTAL, response_model=UrlOut, responses=ERRORS)
def open_portal(actor: CallerActor, db: DbSession) -> UrlOut:
    """The billing portal, where you change the payment method or cancel."""
    return UrlOut(url=account.open_portal(session=db, actor=actor))


@router.get(routes.V1_BILLING_SANDBOX_CHECKOUT, response_model=CheckoutOut, responses=ERRORS)
def sandbox_checkout(session_id: str, actor: CallerActor, db: DbSession) -> CheckoutOut:
    """A sandbox checkout of yours (test mode: nothing is charged)."""
    return _checkout(sandbox.find_checkout(session=db, actor=actor, session_id=session_id))


@router.post(routes.V1_BILLING_SANDBOX_CHECKOUT, response_model=CheckoutOut, responses=ERRORS)
def sandbox_pay(session_id: str, actor: CallerActor, db: DbSession) -> CheckoutOut:
    """Pay a sandbox checkout (test mode): the sandbox sends its events through the webhook path; the plan
    changes when they are applied."""
    sandbox.complete_checkout(session=db, actor=actor, session_id=session_id)
    return _checkout(sandbox.find_checkout(session=db, actor=actor, session_id=session_id))


@router.post(routes.V1_BILLING_WEBHOOK_STRIPE, response_model=ReceivedOut,
             responses={400: {"description": "Wrong signature, old timestamp, not an event or STRIPE_WEBHOOK_SECRET "
                                             "not set: nothing stored"}})
async def stripe_webhook(request: Request) -> ReceivedOut:
    """Stripe's webhook: the signature is checked, the event stored once and applied by a job."""
    payload = await request.body()
    signature = request.headers.get("stripe-signature")

    def run() -> bool:  # one store-once statement: no transaction and no pre-ping round trip around it
        return read(lambda db: webhooks.receive_stripe(session=db, payload=payload, signature_header=signature)[1])

    fresh = await run_in_threadpool(run)
    return ReceivedOut(received=True, duplicate=not fresh)
