"""Money as integer minor units plus an ISO 4217 currency code; fees in basis points.

No floats anywhere near prices, fees or royalties: `Money(1999, "USD")` is $19.99, and a 15 %
fee is 1,500 basis points. Splitting rounds each share down and gives the remainder to the
first shares, so the parts always add up to the whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from maxbooster.services.errors import InvalidInput

# Currencies whose minor unit is not 1/100 (ISO 4217); the rest have two decimals.
_EXPONENT = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}
_CODE = re.compile(r"^[A-Z]{3}$")
BPS_WHOLE = 10_000


def exponent(currency: str) -> int:
    """Decimals of the currency's minor unit: 2 for USD/EUR, 0 for JPY, 3 for KWD."""
    return _EXPONENT.get(currency, 2)


@dataclass(frozen=True, order=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise InvalidInput(f"amount_minor must be a whole number of minor units, not {self.amount_minor!r}")
        if not isinstance(self.currency, str) or not _CODE.match(self.currency):
            raise InvalidInput(f"currency must be a three-letter ISO code like USD, not {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """'19.99' → Money(1999, 'USD'); refuses more decimals than the currency has."""
        exp = _EXPONENT.get(currency, 2)
        m = re.fullmatch(r"\s*(-?)(\d{1,15})(?:\.(\d+))?\s*", text or "")
        if not m or len(m.group(3) or "") > exp:
            raise InvalidInput(f"{text!r} is not an amount of {currency} (use up to {exp} decimals)")
        frac = (m.group(3) or "").ljust(exp, "0")
        value = int(m.group(2)) * 10**exp + (int(frac) if frac else 0)
        return cls(-value if m.group(1) else value, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidInput(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def fee(self, bps: int) -> Money:
        """`bps` basis points of this amount, rounded half up to the minor unit."""
        if not 0 <= bps <= BPS_WHOLE:
            raise InvalidInput(f"a fee must be 0..10000 basis points, not {bps}")
        return Money((self.amount_minor * bps + BPS_WHOLE // 2) // BPS_WHOLE, self.currency)

    def split(self, shares_bps: list[int]) -> list[Money]:
        """Divide by shares in basis points that add up to 10,000; parts always sum to the whole."""
        if sum(shares_bps) != BPS_WHOLE or any(s < 0 for s in shares_bps):
            raise InvalidInput("shares must be non-negative and add up to 100 %")
        sign, whole = (-1 if self.amount_minor < 0 else 1), abs(self.amount_minor)
        parts = [whole * s // BPS_WHOLE for s in shares_bps]
        for i in range(whole - sum(parts)):
            parts[i % len(parts)] += 1
        return [Money(sign * p, self.currency) for p in parts]

    def format(self) -> str:
        """'USD 19.99' — plain and unambiguous for statements and emails."""
        exp = _EXPONENT.get(self.currency, 2)
        sign, value = ("-" if self.amount_minor < 0 else ""), abs(self.amount_minor)
        if exp == 0:
            return f"{self.currency} {sign}{value:,}"
        return f"{self.currency} {sign}{value // 10**exp:,}.{value % 10**exp:0{exp}d}"
