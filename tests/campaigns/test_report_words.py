"""The campaign page's plain-words summary of the uplift report: a ratio with its range when the usual
posts have a rate, the rate itself when they had none, and a clear word when there is nothing to compare."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from maxbooster.services.campaigns.report import ClickUplift, UpliftReport, UpliftRow
from maxbooster.state.campaigns import summary

T = datetime(2027, 1, 1, tzinfo=UTC)


def _report(rows: list[UpliftRow], lift: ClickUplift | None = None) -> UpliftReport:
    return UpliftReport(uuid.uuid4(), "link_clicks", "smart-link clicks", T, T, rows, {}, 0.0, [], [], lift, "")


def row(variant: str, network: str = "all", **kw: object) -> UpliftRow:
    base = dict(posts=10, reach=10_000, events=210, rate=0.021, baseline_posts=8, baseline_rate=0.01, uplift=0.011,
                low=0.006, high=0.017, relative=1.1)
    return UpliftRow(variant, network, **{**base, **kw})  # type: ignore[arg-type]


def test_a_ratio_with_its_range_against_the_usual_posts() -> None:
    lines = summary(_report([row("all"), row("B"), row("B", "sandbox")],
                            ClickUplift(12.0, 4.0, 8.0, 5.5, 10.5, 5, 14)))
    assert lines == [
        "Variant B gets 2.1× the smart-link clicks of your usual posts (between 1.6× and 2.7×).",
        "Your smart link got 12.0 clicks a day during the campaign against 4.0 before it (a change of +8.0, "
        "between +5.5 and +10.5).",
    ]


def test_no_clicks_before_too_few_posts_and_no_baseline_say_so() -> None:
    lines = summary(_report([
        row("A", baseline_rate=0.0, uplift=0.021, low=0.015, high=0.026),
        row("B", posts=1, low=None, high=None, uplift=None),
        row("C", baseline_posts=0, baseline_rate=None, uplift=None, low=None, high=None)]))
    assert lines == [
        "Variant A gets 21.0 smart-link clicks per 1,000 people reached (between 15.0 and 26.0); your usual posts "
        "got none.",
        "Variant B gets 21.0 smart-link clicks per 1,000 people reached over 1 post (too few to give a range); "
        "your usual posts got 10.0.",
        "Variant C gets 21.0 smart-link clicks per 1,000 people reached over 10 posts; there are no usual posts to "
        "compare with yet.",
    ]
