"""Plans as data and the concurrency-safe quota check every create operation calls.

Usage lives in `usage_counters(user_id, resource, period, used)`. `reserve` first makes sure
the counter row exists (INSERT ... ON CONFLICT DO NOTHING), then runs one conditional
`UPDATE ... SET used = used + n WHERE used + n <= limit`. That statement is atomic on both
databases (PostgreSQL re-checks the WHERE after waiting on the row lock; SQLite holds the
write lock), so 20 parallel creates with one slot left let exactly one through.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from maxbooster.models.accounts import PlanKey, User
from maxbooster.models.plans import UsageCounter
from maxbooster.services.actor import Actor
from maxbooster.services.errors import ErrorCode, InvalidInput, NotFound, PlanLimitReached

GIB = 1024**3
T = TypeVar("T")


@dataclass(frozen=True)
class Plan:
    """A plan's limits (None = unlimited) and its marketplace fee in basis points (1 % = 100 bps)."""

    key: PlanKey
    name: str
    storage_bytes: int | None
    projects: int | None
    releases_per_year: int | None
    ai_credits_per_month: int | None
    masters_per_month: int | None
    master_formats: tuple[str, ...]  # download formats of masters (MasterFormat values)
    marketplace_fee_bps: int
    tracks_per_project: int = 8  # studio tracks in one project

    def __post_init__(self) -> None:
        if not 0 <= self.marketplace_fee_bps <= 10_000:
            raise ValueError(f"marketplace_fee_bps {self.marketplace_fee_bps} must be within 0..10000")
        if not self.master_formats:
            raise ValueError(f"plan {self.key} must allow at least one master download format")

    def limit(self, resource: str) -> int | None:
        """The cap for `resource` (None = unlimited)."""
        return {"storage_bytes": self.storage_bytes, "projects": self.projects,
                "releases": self.releases_per_year, "ai_credits": self.ai_credits_per_month,
                "masters": self.masters_per_month}[resource]


_ALL_FORMATS = ("wav24", "wav16", "flac", "mp3")
PLANS: dict[str, Plan] = {
    PlanKey.FREE: Plan(PlanKey.FREE, "Free", 1 * GIB, 3, 2, 20, 3, ("mp3",), 1500, tracks_per_project=8),
    PlanKey.PRO: Plan(PlanKey.PRO, "Pro", 50 * GIB, 50, None, 500, None, _ALL_FORMATS, 800, tracks_per_project=64),
    PlanKey.LABEL: Plan(PlanKey.LABEL, "Label", 500 * GIB, None, None, 5000, None, _ALL_FORMATS, 500,
                        tracks_per_project=128),
}
# resource -> how its period is counted: lifetime (""), calendar year, calendar month (UTC)
RESOURCES: dict[str, str] = {"storage_bytes": "", "projects": "", "releases": "year", "ai_credits": "month",
                             "masters": "month"}


def get_plan(key: str) -> Plan:
    if key not in PLANS:
        raise InvalidInput(code=ErrorCode.INVALID_PLAN)
    return PLANS[key]


def period_for(resource: str, now: datetime | None = None) -> str:
    if resource not in RESOURCES:
        raise InvalidInput(f"Unknown plan resource {resource!r}.")
    now = now or datetime.now(UTC)
    return {"": "", "year": f"{now:%Y}", "month": f"{now:%Y-%m}"}[RESOURCES[resource]]


def _ensure_counter(session: Session, user_id: uuid.UUID, resource: str, period: str) -> None:
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = ins(UsageCounter).values(user_id=user_id, resource=resource, period=period, used=0)
    session.execute(stmt.on_conflict_do_nothing())


def reserve(*, session: Session, user_id: uuid.UUID, resource: str, amount: int = 1) -> None:
    """Take `amount` of the user's quota inside the caller's transaction, or PlanLimitReached."""
    period = period_for(resource)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    limit = get_plan(user.plan).limit(resource)
    _ensure_counter(session, user_id, resource, period)
    key = (col(UsageCounter.user_id) == user_id, col(UsageCounter.resource) == resource,
           col(UsageCounter.period) == period)
    stmt = update(UsageCounter).where(*key).values(used=col(UsageCounter.used) + amount)
    if limit is not None:
        stmt = stmt.where(col(UsageCounter.used) + amount <= limit)
    if session.execute(stmt).rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        plan = get_plan(user.plan)
        raise PlanLimitReached(f"Your {plan.name} plan allows {_LABELS[resource].lower()}: "
                               f"{_amount(resource, limit)}. Upgrade under Plan & billing (in the menu), or "
                               "delete something.")


def check_and_reserve(*, session: Session, user_id: uuid.UUID, resource: str, amount: int = 1) -> None:
    """Reserve quota and commit at once (for callers that create the object afterwards)."""
    reserve(session=session, user_id=user_id, resource=resource, amount=amount)
    session.commit()


def create_within_plan(*, session: Session, user_id: uuid.UUID, resource: str, build: Callable[[], T],
                       amount: int = 1) -> T:
    """Reserve quota and insert `build()` in one transaction: both happen or neither."""
    try:
        reserve(session=session, user_id=user_id, resource=resource, amount=amount)
        obj = build()
        session.add(obj)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return obj


def release(*, session: Session, user_id: uuid.UUID, resource: str, amount: int = 1) -> None:
    """Give quota back (object deleted); never below zero. Joins the caller's transaction."""
    key = (col(UsageCounter.user_id) == user_id, col(UsageCounter.resource) == resource,
           col(UsageCounter.period) == period_for(resource), col(UsageCounter.used) >= amount)
    session.execute(update(UsageCounter).where(*key).values(used=col(UsageCounter.used) - amount))


def usage(*, session: Session, user_id: uuid.UUID, resource: str) -> int:
    """Current usage of `resource` in its current period."""
    row = session.get(UsageCounter, (user_id, resource, period_for(resource)), populate_existing=True)
    return int(row.used) if row else 0


_LABELS = {"storage_bytes": "Storage", "projects": "Studio projects", "releases": "Releases per year",
           "ai_credits": "AI credits per month", "masters": "Masters per month"}


def _amount(resource: str, value: int | None) -> str:
    if value is None:
        return "unlimited"
    if resource == "storage_bytes":
        return f"{value / GIB:,.1f} GB" if value % GIB else f"{value // GIB:,} GB"
    return f"{value:,}"


def summary(*, session: Session, actor: Actor) -> tuple[Plan, list[tuple[str, str, str]]]:
    """The acting user's plan and, per resource, (label, used, limit) in words."""
    user = session.get(User, actor.require_user())
    if user is None:
        raise NotFound("User not found.")
    plan = get_plan(user.plan)
    rows = [(_LABELS[r], _amount(r, usage(session=session, user_id=user.id, resource=r)), _amount(r, plan.limit(r)))
            for r in RESOURCES]
    return plan, rows


_FORMAT_WORDS = {"wav24": "WAV 24-bit", "wav16": "WAV 16-bit", "flac": "FLAC", "mp3": "MP3"}


def describe(plan: Plan) -> list[str]:
    """What a plan includes, in everyday words (the plan page's list)."""

    def count(value: int | None, what: str) -> str:
        return f"Unlimited {what}" if value is None else f"{value:,} {what}"

    return [f"{_amount('storage_bytes', plan.storage_bytes)} of storage",
            count(plan.projects, "studio projects"),
            f"{plan.tracks_per_project} tracks per studio project",
            count(plan.releases_per_year, "releases a year"),
            count(plan.masters_per_month, "masters a month"),
            count(plan.ai_credits_per_month, "AI credits a month"),
            "Masters as " + ", ".join(_FORMAT_WORDS.get(f, f) for f in plan.master_formats),
            f"{plan.marketplace_fee_bps / 100:g} % fee on marketplace sales"]
