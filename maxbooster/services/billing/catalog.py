"""Plans Free / Pro / Label and their prices per interval, as data.

The plans' limits live in `services/plans.py` (keyed by the same `PlanKey`); this is what a paid plan
costs. Amounts are integer minor units + currency. The sandbox names its prices itself; Stripe's price
ids come from `STRIPE_PRICES`.
"""

from __future__ import annotations

from dataclasses import dataclass

from maxbooster.models.accounts import PlanKey
from maxbooster.models.billing import BillingInterval
from maxbooster.services.errors import ErrorCode, InvalidInput
from maxbooster.services.money import Money


@dataclass(frozen=True)
class Price:
    plan: PlanKey
    interval: BillingInterval
    amount: Money

    @property
    def sandbox_id(self) -> str:
        return f"price_sbx_{self.plan}_{self.interval}"


PRICES: dict[tuple[str, str], Price] = {
    (p.plan, p.interval): p
    for p in (
        Price(PlanKey.PRO, BillingInterval.MONTH, Money(1200, "USD")),
        Price(PlanKey.PRO, BillingInterval.YEAR, Money(12000, "USD")),
        Price(PlanKey.LABEL, BillingInterval.MONTH, Money(4900, "USD")),
        Price(PlanKey.LABEL, BillingInterval.YEAR, Money(49000, "USD")),
    )
}
PAID_PLANS = (PlanKey.PRO, PlanKey.LABEL)


def price_for(plan: str, interval: str) -> Price:
    """The price of a paid plan per interval; a clear refusal for Free or an unknown plan/interval."""
    if plan not in {p.value for p in PlanKey}:
        raise InvalidInput(code=ErrorCode.INVALID_PLAN)
    if plan == PlanKey.FREE:
        raise InvalidInput("The Free plan costs nothing; there is nothing to check out.")
    if interval not in {i.value for i in BillingInterval}:
        raise InvalidInput(f"Choose monthly or yearly billing (month or year), not {interval!r}.")
    return PRICES[(plan, interval)]


def plan_of_price(price_id: str, stripe_prices: dict[tuple[str, str], str]) -> tuple[str, str] | None:
    """(plan, interval) a provider price id stands for (sandbox ids or the configured Stripe ids)."""
    for key, price in PRICES.items():
        if price.sandbox_id == price_id or stripe_prices.get(key) == price_id:
            return key
    return None
