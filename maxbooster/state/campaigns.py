"""Campaigns pages: the list, the create form (goal, 2–3 variants, networks, dates in the browser's time
zone) and one campaign's page (slots with the variant each got and whether it explored, the uplift report
as chart rows and plain-words sentences, cancel)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import reflex as rx

from maxbooster import routes
from maxbooster.models.campaigns import CampaignGoal, CampaignState, SlotState
from maxbooster.services.campaigns import campaigns, report
from maxbooster.services.errors import DomainError
from maxbooster.services.library.overview import parse_id
from maxbooster.services.social import views
from maxbooster.state.base import AuthState

__all__ = ["CampaignGoal", "CampaignState", "SlotState"]
TZ_SCRIPT = "Intl.DateTimeFormat().resolvedOptions().timeZone"
GOALS = [{"key": g.value, "label": campaigns.GOAL_WORDS[g].capitalize()} for g in CampaignGoal]
VARIANT_LABELS = ["A", "B", "C"]
EXPLAIN = ("Each time a post is due, the campaign picks the variant most likely to do best from what it has "
           "measured so far — and now and then tries a less-proven one, so a slow starter still gets a fair chance.")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _when(at: datetime, tz: str) -> str:
    return at.astimezone(_zone(tz)).strftime("%a %d %b %H:%M")


def _day(at: datetime, tz: str) -> str:
    return at.astimezone(_zone(tz)).strftime("%d %b %Y")


def _posts(n: int) -> str:
    return f"{n} post" if n == 1 else f"{n} posts"


def _times(x: float) -> str:
    return f"{x:.1f}×"


def summary(r: report.UpliftReport) -> list[str]:
    """One sentence per variant (all networks), e.g. "Variant B gets 2.1× the clicks of your usual posts
    (between 1.6× and 2.7×).", plus the smart link's clicks per day when it has a comparison."""
    words, lines = r.goal_words, []
    for row in r.rows:
        if row.network != report.ALL or row.variant == report.ALL:
            continue
        per = f"{row.rate * 1000:.1f} {words} per 1,000 people reached"
        if row.baseline_rate and row.uplift is not None and row.low is not None and row.high is not None:
            base = row.baseline_rate
            ratio, low, high = row.rate / base, max(0.0, (base + row.low) / base), (base + row.high) / base
            lines.append(f"Variant {row.variant} gets {_times(ratio)} the {words} of your usual posts "
                         f"(between {_times(low)} and {_times(high)}).")
        elif row.baseline_posts and row.low is not None and row.high is not None:
            lines.append(f"Variant {row.variant} gets {per} (between {row.low * 1000:.1f} and "
                         f"{row.high * 1000:.1f}); your usual posts got none.")
        elif row.baseline_posts:
            lines.append(f"Variant {row.variant} gets {per} over {_posts(row.posts)} (too few to give a range); "
                         f"your usual posts got {(row.baseline_rate or 0) * 1000:.1f}.")
        else:
            lines.append(f"Variant {row.variant} gets {per} over {_posts(row.posts)}; there are no usual posts "
                         "to compare with yet.")
    lift = r.link_uplift
    if lift is not None:
        lines.append(f"Your smart link got {lift.campaign_per_day:.1f} clicks a day during the campaign against "
                     f"{lift.baseline_per_day:.1f} before it (a change of {lift.uplift:+.1f}, between "
                     f"{lift.low:+.1f} and {lift.high:+.1f}).")
    return lines


class CampaignsState(AuthState):
    rows: list[dict[str, str]] = []
    loaded: bool = False

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        return rx.call_script(TZ_SCRIPT, callback=CampaignsState.show)

    @rx.event
    async def show(self, tz: str):  # type: ignore[no-untyped-def]
        tz = str(tz or "UTC")[:64]
        try:
            found = await self._call(campaigns.list_campaigns)
        except DomainError as exc:
            return self._error(exc)
        self._set(loaded=True, rows=[{
            "id": str(c.id), "name": c.name, "goal": campaigns.GOAL_WORDS[CampaignGoal(c.goal)],
            "state": c.state, "dates": f"{_day(c.starts_at, tz)} – {_day(c.ends_at, tz)}",
            "per_day": f"{c.posts_per_day} a day per account", "href": routes.campaign_report_page(c.id)}
            for c in found])
        return None


class CampaignNewState(AuthState):
    links: list[dict[str, str]] = []
    networks: list[dict[str, str]] = []
    goal: str = CampaignGoal.LINK_CLICKS.value
    chosen: list[str] = []
    tz: str = "UTC"
    error: str = ""
    saving: bool = False
    loaded: bool = False

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        try:
            links = await self._call(campaigns.smart_link_choices)
            rows = await self._call(views.account_rows)
        except DomainError as exc:
            return self._error(exc)
        nets: dict[str, dict[str, str]] = {}
        for row in rows:
            if row.connected:
                item = nets.setdefault(row.network, {"key": row.network, "label": row.network_label,
                                                     "icon": row.icon, "handles": ""})
                item["handles"] = (item["handles"] + ", " if item["handles"] else "") + row.handle
        self._set(links=[{"id": str(i), "label": title} for i, title in links], networks=list(nets.values()),
                  chosen=list(nets)[:1], error="", loaded=True)
        return rx.call_script(TZ_SCRIPT, callback=CampaignNewState.set_tz)

    @rx.event
    def set_tz(self, tz: str):  # type: ignore[no-untyped-def]
        self._set(tz=str(tz or "UTC")[:64])

    @rx.event
    def set_goal(self, goal: str):  # type: ignore[no-untyped-def]
        self._set(goal=str(goal)[:20])

    @rx.event
    def toggle_network(self, key: str):  # type: ignore[no-untyped-def]
        key = str(key)[:20]
        self._set(chosen=[k for k in self.chosen if k != key] if key in self.chosen else [*self.chosen, key])

    def _data(self, form: dict[str, Any]) -> campaigns.CampaignIn:
        zone = _zone(self.tz)
        try:
            start_day = datetime.strptime(str(form.get("starts", "")), "%Y-%m-%d").date()
            end_day = datetime.strptime(str(form.get("ends", "")), "%Y-%m-%d").date()
        except ValueError as exc:
            from maxbooster.services.errors import InvalidInput

            raise InvalidInput("Choose the first and the last day of the campaign.") from exc
        starts = datetime.combine(start_day, time(0), tzinfo=zone)
        now = datetime.now(zone)
        if start_day == now.date():
            starts = now.replace(second=0, microsecond=0)
        ends = datetime.combine(end_day + timedelta(days=1), time(0), tzinfo=zone)
        variants = [campaigns.CampaignVariantIn(caption=str(form.get(f"caption_{x}", ""))[:5000],
                                                hook=str(form.get(f"hook_{x}", ""))[:400])
                    for x in VARIANT_LABELS
                    if str(form.get(f"caption_{x}", "")).strip() or str(form.get(f"hook_{x}", "")).strip()]
        try:
            per_day = int(str(form.get("per_day", "2")))
        except ValueError:
            per_day = 0
        link = parse_id(str(form.get("link", ""))) if self.goal == CampaignGoal.LINK_CLICKS else None
        return campaigns.CampaignIn(name=str(form.get("name", ""))[:200], goal=self.goal, starts_at=starts,
                                    ends_at=ends, networks=list(self.chosen), variants=variants,
                                    posts_per_day=per_day, smart_link_id=link)

    @rx.event
    async def create(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        if not self.is_hydrated or self.saving:
            return None
        self._set(saving=True)
        try:
            made = await self._call(campaigns.create_campaign, data=self._data(form))
        except DomainError as exc:
            self._set(error=exc.message, saving=False)
            return None
        self._set(saving=False, error="")
        return rx.redirect(routes.campaign_report_page(made.id))


class CampaignReportState(AuthState):
    campaign_id: str = ""
    name: str = ""
    goal_words: str = ""
    state: str = ""
    dates: str = ""
    message: str = ""
    lines: list[str] = []
    variants: list[dict[str, str]] = []
    slots: list[dict[str, str]] = []
    rates: list[dict[str, Any]] = []  # per variant: rate and baseline (per 1,000 reached), interval
    networks: list[dict[str, Any]] = []  # per variant and network
    days: list[dict[str, Any]] = []  # smart-link clicks per day: before / during
    share: list[dict[str, Any]] = []
    explored: str = ""
    loaded: bool = False
    missing: bool = False
    tz: str = "UTC"

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._set(campaign_id=parse_qs(urlsplit(str(self.router.url)).query).get("id", [""])[0][:64])
        return rx.call_script(TZ_SCRIPT, callback=CampaignReportState.show)

    @rx.event
    async def show(self, tz: str):  # type: ignore[no-untyped-def]
        self._set(tz=str(tz or "UTC")[:64])
        await self._reload()

    async def _reload(self) -> None:
        cid = parse_id(self.campaign_id)
        if cid is None:
            self._set(missing=True, loaded=True)
            return
        try:
            found = await self._call(campaigns.get_campaign, campaign_id=cid)
            variants = await self._call(campaigns.campaign_variants, campaign_id=cid)
            r = await self._call(report.uplift_report, campaign_id=cid)
        except DomainError:
            self._set(missing=True, loaded=True)
            return
        tz, per = self.tz, 1000.0
        self._set(
            missing=False, loaded=True, name=found.name, goal_words=r.goal_words, state=found.state,
            dates=f"{_day(found.starts_at, tz)} – {_day(found.ends_at, tz)}", message=r.message, lines=summary(r),
            variants=[{"label": v.label, "hook": v.hook, "caption": v.caption,
                       "share": f"{round(r.share.get(v.label, 0.0) * 100)} % of posts so far"} for v in variants],
            slots=[{"when": _when(s.due_at, tz), "account": s.account or s.network, "network": s.network,
                    "state": s.status, "tone": s.tone, "variant": s.variant or "—",
                    "explored": "yes" if s.explored else "",
                    "result": "" if s.events is None else f"{s.events} of {s.reach} reached", "note": s.note,
                    "reason": s.reason}
                   for s in r.slots],
            rates=[self._rate(x, per) for x in r.rows if x.network == report.ALL],
            networks=[{"name": f"{x.variant} · {x.network}", "rate": round(x.rate * per, 2),
                       "baseline": round((x.baseline_rate or 0.0) * per, 2)}
                      for x in r.rows if x.network != report.ALL],
            days=[{"day": d.day.strftime("%d %b"), "before": 0 if d.in_campaign else d.clicks,
                   "during": d.clicks if d.in_campaign else 0} for d in r.link_days]
            if any(d.clicks for d in r.link_days) else [],
            share=[{"label": k, "percent": round(v * 100)} for k, v in r.share.items()],
            explored=f"{round(r.explored_share * 100)} % of the posts so far tried a less-proven variant.")

    @staticmethod
    def _rate(x: report.UpliftRow, per: float) -> dict[str, Any]:
        base = x.baseline_rate or 0.0
        low = None if x.low is None else round(max(0.0, base + x.low) * per, 2)
        high = None if x.high is None else round((base + x.high) * per, 2)
        name = "All variants" if x.variant == report.ALL else f"Variant {x.variant}"
        return {"name": name, "rate": round(x.rate * per, 2), "baseline": round(base * per, 2),
                "err": [round(x.rate * per - low, 2), round(high - x.rate * per, 2)] if low is not None
                and high is not None else [0, 0],
                "interval": f"{low} – {high}" if low is not None else "not enough posts yet",
                "posts": x.posts, "events": x.events, "reach": x.reach}

    @rx.event
    async def cancel(self):  # type: ignore[no-untyped-def]
        if not self.is_hydrated:
            return None
        cid = parse_id(self.campaign_id)
        if cid is None:
            return None
        try:
            await self._call(campaigns.cancel_campaign, campaign_id=cid)
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return rx.toast.success("Campaign cancelled: posts not yet planned will not go out.")
