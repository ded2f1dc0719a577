"""Money is integer minor units plus currency; fees are basis points; splits always add up."""

from __future__ import annotations

import pytest

from maxbooster.services.errors import InvalidInput
from maxbooster.services.money import Money
from maxbooster.services.plans import PLANS


def test_parse_and_format() -> None:
    assert Money.parse("19.99", "USD") == Money(1999, "USD")
    assert Money.parse("5", "EUR") == Money(500, "EUR")
    assert Money.parse("1500", "JPY") == Money(1500, "JPY")
    assert Money(123456, "USD").format() == "USD 1,234.56"
    assert Money(-5, "EUR").format() == "EUR -0.05"
    assert Money(1500, "JPY").format() == "JPY 1,500"


@pytest.mark.parametrize("bad", ["19.999", "abc", "", "1e3", "19,99"])
def test_parse_refuses_what_is_not_an_amount(bad: str) -> None:
    with pytest.raises(InvalidInput):
        Money.parse(bad, "USD")


def test_no_floats_and_real_currency_codes() -> None:
    with pytest.raises(InvalidInput):
        Money(19.99, "USD")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        Money(100, "usd")
    with pytest.raises(InvalidInput):
        Money(100, "USD") + Money(100, "EUR")


def test_fee_in_basis_points_rounds_half_up() -> None:
    assert Money(1999, "USD").fee(1500) == Money(300, "USD")  # 299.85 → 300
    assert Money(1000, "USD").fee(0) == Money(0, "USD")
    with pytest.raises(InvalidInput):
        Money(1000, "USD").fee(10_001)


@pytest.mark.parametrize("amount", [1, 100, 1001, 999_999, -1001])
def test_split_parts_add_up_to_the_whole(amount: int) -> None:
    shares = [3333, 3333, 3334]
    parts = Money(amount, "USD").split(shares)
    assert sum(p.amount_minor for p in parts) == amount
    for part, share in zip(parts, shares, strict=True):  # each within one minor unit of its exact share
        assert abs(part.amount_minor * 10_000 - amount * share) < 10_000


def test_split_refuses_shares_that_are_not_100_percent() -> None:
    with pytest.raises(InvalidInput):
        Money(100, "USD").split([5000, 4000])


def test_plan_fees_are_integer_basis_points() -> None:
    assert all(isinstance(p.marketplace_fee_bps, int) for p in PLANS.values())
