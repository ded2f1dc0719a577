"""Statement layouts as data: which column holds each field, the delimiter, and a fixed currency
for layouts that name it in a column header.

The generic format (documented in the README): UTF-8 CSV, comma-separated, a header row

    isrc,period,store,territory,units,amount,currency
    USMB12600001,2026-11,Spotify,DE,1520,4.712345,EUR

`period` is YYYY-MM (a YYYY-MM-DD date is cut to its month), `territory` an ISO 3166-1 alpha-2 code
(may be empty), `units` a whole number, `amount` a decimal with a dot and at most 9 decimals
(negative for returns and corrections), `currency` an ISO 4217 code.

The other layouts follow the column names of the exports of two well-known distributors; new ones
are added here as data, nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = ("isrc", "period", "store", "territory", "units", "amount", "currency")


@dataclass(frozen=True)
class Layout:
    key: str
    name: str
    columns: dict[str, str]  # field → column header (case-insensitive); no "currency" when fixed
    delimiter: str = ","
    currency: str = ""  # when the layout has no currency column (e.g. "Earnings (USD)")

    @property
    def required(self) -> set[str]:
        return {h.lower() for h in self.columns.values()}


LAYOUTS: dict[str, Layout] = {layout.key: layout for layout in (
    Layout("generic", "Max Booster generic CSV", {f: f for f in FIELDS}),
    # DistroKid's bank export: tab-separated, earnings in USD named in the header
    Layout("distrokid", "DistroKid-style (tab-separated)", {
        "isrc": "ISRC", "period": "Sale Month", "store": "Store", "territory": "Country of Sale",
        "units": "Quantity", "amount": "Earnings (USD)"}, delimiter="\t", currency="USD"),
    # TuneCore / CD Baby style sales report: one currency column per line
    Layout("tunecore", "TuneCore / CD Baby-style", {
        "isrc": "ISRC", "period": "Sales Period", "store": "Store Name", "territory": "Country Of Sale",
        "units": "Units Sold", "amount": "Total Earned", "currency": "Currency"}),
)}


def detect(header: list[str]) -> Layout | None:
    """The layout whose columns are all in `header` (case-insensitive), else None."""
    have = {h.strip().lower() for h in header}
    for layout in LAYOUTS.values():
        if layout.required <= have:
            return layout
    return None
