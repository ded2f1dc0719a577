"""Billing settings: the sandbox by default, clear errors for values that cannot work; plans' prices."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from maxbooster.models.accounts import PlanKey
from maxbooster.services.billing import catalog
from maxbooster.settings import Settings

BILLING_VARS = ("PAYMENTS_PROVIDER", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "STRIPE_PRICES",
                "BILLING_GRACE_DAYS")


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in BILLING_VARS:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_sandbox_and_a_week_of_grace(clean: None) -> None:
    s = Settings()
    assert (s.payments_provider, s.stripe_api_base, s.stripe_prices, s.billing_grace_days) == (
        "sandbox", "https://api.stripe.com", {}, 7)


def test_stripe_prices_are_read_per_plan_and_interval(clean: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_PRICES", " pro:month=price_a , label:year=price_b,")
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:12111/")
    s = Settings()
    assert s.stripe_prices == {("pro", "month"): "price_a", ("label", "year"): "price_b"}
    assert s.stripe_api_base == "http://127.0.0.1:12111"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("PAYMENTS_PROVIDER", "paypal", "PAYMENTS_PROVIDER must be sandbox or stripe, not 'paypal'"),
    ("STRIPE_API_BASE", "api.stripe.com", "STRIPE_API_BASE must start with http:// or https://"),
    ("STRIPE_PRICES", "gold:month=price_x", "STRIPE_PRICES entries look like pro:month=price_123"),
    ("STRIPE_PRICES", "pro:week=price_x", "not 'pro:week=price_x'"),
    ("STRIPE_PRICES", "pro:month=", "not 'pro:month='"),
    ("BILLING_GRACE_DAYS", "-1", "greater than or equal to 0"),
])
def test_unusable_values_are_clear_errors(clean: None, monkeypatch: pytest.MonkeyPatch, name: str, value: str,
                                          message: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as err:
        Settings()
    assert message in str(err.value)


def test_every_paid_plan_has_a_monthly_and_a_yearly_price_in_minor_units() -> None:
    assert set(catalog.PRICES) == {(p, i) for p in ("pro", "label") for i in ("month", "year")}
    for (plan, interval), price in catalog.PRICES.items():
        assert price.amount.amount_minor > 0 and price.amount.currency == "USD"
        assert price.sandbox_id == f"price_sbx_{plan}_{interval}"
    for plan in catalog.PAID_PLANS:  # a year costs less than twelve months
        yearly, monthly = catalog.PRICES[(plan, "year")].amount, catalog.PRICES[(plan, "month")].amount
        assert yearly.amount_minor < 12 * monthly.amount_minor
    assert catalog.plan_of_price("price_sbx_label_year", {}) == ("label", "year")
    assert catalog.plan_of_price("price_x", {("pro", "month"): "price_x"}) == ("pro", "month")
    assert catalog.plan_of_price("price_unknown", {}) is None
    assert PlanKey.FREE not in catalog.PAID_PLANS
