"""Billing pages: the plan page and invoices, the page after Checkout, the sandbox's own checkout and portal,
and the grace banner of the app frame. Nothing here changes a plan: only applied webhooks do."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import reflex as rx

from maxbooster import routes
from maxbooster.models.accounts import PlanKey as PlanKey  # pages compare plans with it
from maxbooster.models.billing import BillingInterval as BillingInterval
from maxbooster.models.billing import InvoiceStatus as InvoiceStatus
from maxbooster.services import plans
from maxbooster.services.billing import account, sandbox
from maxbooster.services.billing.account import BillingStatus
from maxbooster.services.errors import DomainError
from maxbooster.state.base import AuthState

POLL_S = 1.0


@dataclass
class OfferCard:
    plan: str
    name: str
    month: str
    year: str
    includes: list[str]


@dataclass
class InvoiceRow:
    id: str
    date: str
    period: str
    amount: str
    status: str
    url: str


def _day(moment: object) -> str:
    return f"{moment:%d %b %Y}" if moment else ""


def _summary(st: BillingStatus) -> str:
    sub = st.subscription
    if sub is None or st.plan == PlanKey.FREE:
        return ""
    billed = "yearly" if sub.interval == BillingInterval.YEAR else "monthly"
    end = _day(sub.current_period_end)
    when = f"ends on {end}" if sub.cancel_at_period_end else f"renews on {end}"
    return f"{sub.plan.title()}, billed {billed} · {when}" if end else f"{sub.plan.title()}, billed {billed}"


def _query(state: rx.State, name: str) -> str:
    values = parse_qs(urlsplit(str(state.router.url)).query).get(name) or [""]
    return values[0][:255]


class BannerState(AuthState):
    """The grace banner shown on every signed-in page while a failed renewal is retried."""

    grace_banner: str = ""

    @rx.event
    async def load_banner(self):  # type: ignore[no-untyped-def]
        try:
            st = await self._call(account.status)
        except DomainError:
            return None
        self._set(grace_banner=st.banner)
        return None

    @rx.event
    async def open_portal(self):  # type: ignore[no-untyped-def]
        try:
            return rx.redirect(await self._call(account.open_portal))
        except DomainError as exc:
            return self._error(exc)


class BillingState(AuthState):
    offers: list[OfferCard] = []
    current_plan: str = ""
    current_plan_name: str = ""
    summary: str = ""
    cancelling: bool = False
    has_subscription: bool = False
    test_mode: bool = False
    grace_banner: str = ""
    interval: str = BillingInterval.MONTH
    invoices: list[InvoiceRow] = []
    limits: list[list[str]] = []
    busy: bool = False

    def _show(self, st: BillingStatus, invoices: list[InvoiceRow], limits: list[list[str]]) -> None:
        sub = st.subscription
        self._set(current_plan=st.plan, current_plan_name=plans.get_plan(st.plan).name, summary=_summary(st),
                  test_mode=st.test_mode, grace_banner=st.banner,
                  has_subscription=sub is not None and st.plan != PlanKey.FREE,
                  cancelling=bool(sub and sub.cancel_at_period_end), invoices=invoices, limits=limits,
                  offers=[OfferCard(plan=o.plan, name=o.name, month=o.month.format() if o.month else "",
                                    year=o.year.format() if o.year else "", includes=o.includes)
                          for o in account.offers()])

    async def _reload(self) -> None:
        st = await self._call(account.status)
        rows = await self._call(account.list_invoices)
        _plan, limits = await self._call(plans.summary)
        self._show(st, [InvoiceRow(id=str(i.id), date=_day(i.paid_at or i.created_at),
                                   period=f"{_day(i.period_start)} – {_day(i.period_end)}",
                                   amount=account.invoice_amount(i).format(), status=i.status, url=i.hosted_url)
                        for i in rows], [list(r) for r in limits])

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        try:
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return None

    @rx.event
    def set_interval(self, value: str | list[str]):  # type: ignore[no-untyped-def]
        self._set(interval=BillingInterval(value if isinstance(value, str) else value[0]).value)

    @rx.event
    async def upgrade(self, plan: str):  # type: ignore[no-untyped-def]
        self.busy = True
        yield
        try:
            checkout = await self._call(account.start_checkout, plan=plan, interval=self.interval)
            yield rx.redirect(checkout.url)
        except DomainError as exc:
            yield self._error(exc)
        finally:
            self.busy = False

    @rx.event
    async def manage(self):  # type: ignore[no-untyped-def]
        try:
            return rx.redirect(await self._call(account.open_portal))
        except DomainError as exc:
            return self._error(exc)


class CheckoutPageState(AuthState):
    """The sandbox's checkout page (?session=cs_sbx_…) and the page after Checkout (?session_id=…)."""

    plan_name: str = ""
    price: str = ""
    confirmed: bool = False
    current_plan: str = ""
    card_error: str = ""
    paying: bool = False
    missing: bool = False
    polling: bool = False
    test_mode: bool = False

    async def _progress(self, session_id: str) -> bool:
        try:
            progress = await self._call(account.checkout_progress, session_id=session_id)
        except DomainError:
            self._set(missing=True)
            return False
        billed = "year" if progress.interval == BillingInterval.YEAR else "month"
        self._set(plan_name=progress.plan.title(), price=f"{progress.amount.format()} per {billed}",
                  confirmed=progress.confirmed, current_plan=progress.current_plan, missing=False,
                  test_mode=progress.test_mode)
        return True

    @rx.event
    async def load_checkout(self):  # type: ignore[no-untyped-def]
        self._set(card_error="", paying=False)
        await self._progress(_query(self, "session"))

    @rx.event
    async def pay(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        session_id = _query(self, "session")
        self._set(card_error="", paying=True)
        yield
        try:
            await self._call(sandbox.pay_checkout, session_id=session_id, card_number=str(form.get("card", "")),
                             expiry=str(form.get("expiry", "")), cvc=str(form.get("cvc", "")))
            yield rx.redirect(routes.with_query(routes.BILLING_SUCCESS, session_id=session_id))
        except DomainError as exc:
            self._set(card_error=exc.message)
        finally:
            self.paying = False

    @rx.event
    async def load_success(self):  # type: ignore[no-untyped-def]
        self._set(confirmed=False)
        if await self._progress(_query(self, "session_id")) and not self.confirmed:
            return CheckoutPageState.wait_for_webhook
        return None

    @rx.event(background=True)
    async def wait_for_webhook(self):  # type: ignore[no-untyped-def]
        """Re-read until the provider's events are applied (the plan changes only then)."""
        async with self:
            session_id = _query(self, "session_id")

        def apply(progress: account.CheckoutProgress) -> bool:
            self._set(confirmed=progress.confirmed, current_plan=progress.current_plan)
            return not progress.confirmed

        await self._poll_loop(flag="polling", interval_s=POLL_S, fetch=account.checkout_progress, apply=apply,
                              params=lambda: {"session_id": session_id})


class PortalState(BillingState):
    """The sandbox's billing portal: switch plan or billing period, cancel at the period's end, resume."""

    portal_plan: str = PlanKey.PRO
    portal_interval: str = BillingInterval.MONTH
    _subscription_id: str = ""

    async def _reload(self) -> None:
        await super()._reload()
        st = await self._call(account.status)
        sub = st.subscription
        self._subscription_id = sub.provider_subscription_id if sub else ""
        if sub is not None:
            self._set(portal_plan=sub.plan, portal_interval=sub.interval)

    @rx.event
    async def load_portal(self):  # type: ignore[no-untyped-def]
        """Its own handler: an inherited one would run on the parent state, without the subscription id."""
        try:
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return None

    async def _act(self, fn: object, done: str, **kwargs: object):  # type: ignore[no-untyped-def]
        try:
            await self._call(fn, subscription_id=self._subscription_id, **kwargs)  # type: ignore[arg-type]
        except DomainError as exc:
            return self._error(exc)
        await self._reload()
        return [rx.toast.success(done), PortalState.refresh_soon]

    @rx.event
    def choose(self, field: str, value: str):  # type: ignore[no-untyped-def]
        if field == "plan" and value in (PlanKey.PRO, PlanKey.LABEL):
            self._set(portal_plan=value)
        elif field == "interval" and value in {i.value for i in BillingInterval}:
            self._set(portal_interval=value)

    @rx.event
    async def switch(self):  # type: ignore[no-untyped-def]
        return await self._act(sandbox.change_plan, "Change sent to the payment provider; it shows here once "
                               "confirmed.", plan=self.portal_plan, interval=self.portal_interval)

    @rx.event
    async def cancel(self):  # type: ignore[no-untyped-def]
        return await self._act(sandbox.cancel, "Cancellation sent; your plan stays until the period ends.")

    @rx.event
    async def resume(self):  # type: ignore[no-untyped-def]
        return await self._act(sandbox.resume, "Your subscription will renew again.")

    @rx.event(background=True)
    async def refresh_soon(self):  # type: ignore[no-untyped-def]
        """Applied webhooks land a moment later: re-read a few times."""
        import asyncio

        for _ in range(5):
            await asyncio.sleep(POLL_S)
            async with self:
                try:
                    await self._reload()
                except DomainError:
                    return
