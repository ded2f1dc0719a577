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
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from maxbooster.models.accounts import UsageCounter, User
from maxbooster.services import audit
from maxbooster.services.errors import InvalidInput, NotFound, PlanLimitReached

if TYPE_CHECKING:
    from maxbooster.services.accounts.sessions import SessionInfo

GIB = 1024**3
T = TypeVar("T")


@dataclass(frozen=True)
class Plan:
    key: str
    name: str
    storage_bytes: int | None
    projects: int | None
    releases_per_year: int | None
    ai_credits_per_month: int | None
    marketplace_fee_percent: float

    def limit(self, resource: str) -> int | None:
        """The cap for `resource` (None = unlimited)."""
        return {"storage_bytes": self.storage_bytes, "projects": self.projects,
                "releases": self.releases_per_year, "ai_credits": self.ai_credits_per_month}[resource]


PLANS: dict[str, Plan] = {
    "free": Plan("free", "Free", 2 * GIB, 3, 2, 20, 15.0),
    "pro": Plan("pro", "Pro", 100 * GIB, 50, None, 500, 8.0),
    "label": Plan("label", "Label", 2048 * GIB, None, None, 5000, 5.0),
}
# resource -> how its period is counted: lifetime (""), calendar year, calendar month (UTC)
RESOURCES: dict[str, str] = {"storage_bytes": "", "projects": "", "releases": "year", "ai_credits": "month"}


def get_plan(key: str) -> Plan:
    if key not in PLANS:
        raise InvalidInput(f"Unknown plan {key!r}; choose one of {', '.join(PLANS)}.")
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


def reserve(session: Session, *, user_id: uuid.UUID, resource: str, amount: int = 1) -> None:
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
        raise PlanLimitReached(f"plan limit reached: your {get_plan(user.plan).name} plan allows "
                               f"{limit} {resource.replace('_', ' ')}; upgrade to add more.")


def check_and_reserve(session: Session, *, user_id: uuid.UUID, resource: str, amount: int = 1) -> None:
    """Reserve quota and commit at once (for callers that create the object afterwards)."""
    reserve(session, user_id=user_id, resource=resource, amount=amount)
    session.commit()


def create_within_plan(session: Session, *, user_id: uuid.UUID, resource: str, build: Callable[[], T],
                       amount: int = 1) -> T:
    """Reserve quota and insert `build()` in one transaction: both happen or neither."""
    try:
        reserve(session, user_id=user_id, resource=resource, amount=amount)
        obj = build()
        session.add(obj)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return obj


def release(session: Session, *, user_id: uuid.UUID, resource: str, amount: int = 1) -> None:
    """Give quota back (object deleted); never below zero. Joins the caller's transaction."""
    key = (col(UsageCounter.user_id) == user_id, col(UsageCounter.resource) == resource,
           col(UsageCounter.period) == period_for(resource), col(UsageCounter.used) >= amount)
    session.execute(update(UsageCounter).where(*key).values(used=col(UsageCounter.used) - amount))


def usage(session: Session, *, user_id: uuid.UUID, resource: str) -> int:
    """Current usage of `resource` in its current period."""
    row = session.get(UsageCounter, (user_id, resource, period_for(resource)), populate_existing=True)
    return int(row.used) if row else 0


def set_plan(session: Session, *, admin: User | SessionInfo, user_id: uuid.UUID, plan: str, ip: str = "",
             user_agent: str = "") -> User:
    """Admin sets a user's plan (paying for plans comes later); audited."""
    from maxbooster.services.accounts.admin import _id, require_admin

    require_admin(admin, session=session, action="set_plan")
    get_plan(plan)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    old, user.plan = user.plan, plan
    session.add(user)
    audit.append(session, action="plan.change", actor_id=_id(admin), target=f"user:{user.id}",
                 ip=ip, user_agent=user_agent, details={"from": old, "to": plan})
    session.commit()
    return user
