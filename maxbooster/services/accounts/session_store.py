"""Where browser sessions live: Redis (REDIS_URL set) or the `auth_sessions` table.

Both stores keep records under sha256(raw id) only; the raw id exists only in the cookie.
Redis keys: `<prefix>:sess:<hash>` (JSON, expiring at the earlier of idle/absolute expiry)
and `<prefix>:usess:<user id>` (a set of hashes, for listing and revoking a user's sessions).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol

import redis
from sqlalchemy import bindparam, delete, select
from sqlmodel import Session, col

from maxbooster.models.accounts import AuthSession, User
from maxbooster.settings import get_settings


@dataclass
class SessionRecord:
    id_hash: str
    user_id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    idle_expires_at: datetime
    absolute_expires_at: datetime
    ip: str
    user_agent: str
    remember: bool


@dataclass(frozen=True)
class UserFacts:
    """What a session check needs of its user (read with the session, in one query where possible)."""

    email: str
    display_name: str
    role: str
    plan: str
    email_verified: bool
    is_active: bool


_USER = User.__table__.c  # type: ignore[attr-defined]
_SESS = AuthSession.__table__.c  # type: ignore[attr-defined]
_USER_COLS = (_USER.email, _USER.display_name, _USER.role, _USER.plan, _USER.email_verified, _USER.is_active)
_SESS_COLS = (_SESS.id_hash, _SESS.user_id, _SESS.created_at, _SESS.last_seen_at, _SESS.idle_expires_at,
              _SESS.absolute_expires_at, _SESS.ip, _SESS.user_agent, _SESS.remember)
# Built once: SQLAlchemy then reuses their compiled form without rebuilding them on every event.
_USER_BY_ID = select(*_USER_COLS).where(_USER.id == bindparam("user_id"))
_SESSION_WITH_USER = (select(*_SESS_COLS, *_USER_COLS)
                      .join_from(AuthSession.__table__, User.__table__, _SESS.user_id == _USER.id)  # type: ignore[attr-defined]
                      .where(_SESS.id_hash == bindparam("id_hash")))


def user_facts(*, session: Session, user_id: uuid.UUID) -> UserFacts | None:
    """The user's session-relevant columns, by a plain SQL query (no ORM objects: this runs per event)."""
    row = session.connection().execute(_USER_BY_ID, {"user_id": user_id}).first()
    return UserFacts(*row) if row else None


class SessionStore(Protocol):
    """The one interface both backends implement; writes are durable when the call returns."""

    def put(self, rec: SessionRecord) -> None: ...
    def get(self, id_hash: str) -> SessionRecord | None: ...
    def get_with_user(self, id_hash: str) -> tuple[SessionRecord, UserFacts | None] | None: ...
    def delete(self, id_hash: str) -> None: ...
    def list_for_user(self, user_id: uuid.UUID) -> list[SessionRecord]: ...
    def delete_for_user(self, user_id: uuid.UUID, *, keep: str | None = None) -> int: ...


class DbSessionStore:
    """Sessions in the `auth_sessions` table; each call commits its own change."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def put(self, rec: SessionRecord) -> None:
        self.s.merge(AuthSession(**asdict(rec)))
        self.s.commit()

    def get(self, id_hash: str) -> SessionRecord | None:
        row = self.s.get(AuthSession, id_hash, populate_existing=True)
        return _from_row(row) if row else None

    def get_with_user(self, id_hash: str) -> tuple[SessionRecord, UserFacts | None] | None:
        """The session and its user in one query (the per-event check)."""
        row = self.s.connection().execute(_SESSION_WITH_USER, {"id_hash": id_hash}).first()
        if row is None:
            return None
        n = len(_SESS_COLS)
        return SessionRecord(*row[:n]), UserFacts(*row[n:])

    def delete(self, id_hash: str) -> None:
        self.s.execute(delete(AuthSession).where(col(AuthSession.id_hash) == id_hash))
        self.s.commit()

    def list_for_user(self, user_id: uuid.UUID) -> list[SessionRecord]:
        rows = self.s.execute(select(AuthSession).where(col(AuthSession.user_id) == user_id)).scalars()
        return [_from_row(r) for r in rows]

    def delete_for_user(self, user_id: uuid.UUID, *, keep: str | None = None) -> int:
        stmt = delete(AuthSession).where(col(AuthSession.user_id) == user_id)
        if keep:
            stmt = stmt.where(col(AuthSession.id_hash) != keep)
        count = self.s.execute(stmt).rowcount  # type: ignore[attr-defined]
        self.s.commit()
        return int(count)


def _from_row(row: AuthSession) -> SessionRecord:
    return SessionRecord(row.id_hash, row.user_id, row.created_at, row.last_seen_at,
                         row.idle_expires_at, row.absolute_expires_at, row.ip, row.user_agent,
                         row.remember)


@lru_cache(maxsize=4)
def redis_client(url: str) -> redis.Redis:
    """One pooled client per URL (created on first use, never at import)."""
    return redis.Redis.from_url(url, decode_responses=True)


class RedisSessionStore:
    """Sessions in Redis with TTLs; a per-user set indexes them."""

    def __init__(self, client: redis.Redis, prefix: str, db: Session) -> None:
        self.r, self.prefix, self.db = client, prefix, db  # db: where the users are

    def _k(self, id_hash: str) -> str:
        return f"{self.prefix}:sess:{id_hash}"

    def _u(self, user_id: uuid.UUID) -> str:
        return f"{self.prefix}:usess:{user_id}"

    def put(self, rec: SessionRecord) -> None:
        data = {k: (v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, uuid.UUID) else v)
                for k, v in asdict(rec).items()}
        expires = min(rec.idle_expires_at, rec.absolute_expires_at)
        pipe = self.r.pipeline()
        pipe.set(self._k(rec.id_hash), json.dumps(data), exat=int(expires.timestamp()) + 1)
        pipe.sadd(self._u(rec.user_id), rec.id_hash)
        pipe.expireat(self._u(rec.user_id), int(rec.absolute_expires_at.timestamp()) + 1, gt=True)
        pipe.expireat(self._u(rec.user_id), int(rec.absolute_expires_at.timestamp()) + 1, nx=True)
        pipe.execute()

    def get(self, id_hash: str) -> SessionRecord | None:
        raw = self.r.get(self._k(id_hash))
        return _from_json(raw) if raw else None  # type: ignore[arg-type]

    def get_with_user(self, id_hash: str) -> tuple[SessionRecord, UserFacts | None] | None:
        rec = self.get(id_hash)
        return (rec, user_facts(session=self.db, user_id=rec.user_id)) if rec else None

    def delete(self, id_hash: str) -> None:
        rec = self.get(id_hash)
        self.r.delete(self._k(id_hash))
        if rec:
            self.r.srem(self._u(rec.user_id), id_hash)

    def list_for_user(self, user_id: uuid.UUID) -> list[SessionRecord]:
        hashes = sorted(self.r.smembers(self._u(user_id)))  # type: ignore[arg-type]
        if not hashes:
            return []
        values = self.r.mget([self._k(h) for h in hashes])
        dead = [h for h, v in zip(hashes, values, strict=True) if v is None]  # type: ignore[arg-type]
        if dead:
            self.r.srem(self._u(user_id), *dead)
        return [_from_json(v) for v in values if v]  # type: ignore[union-attr]

    def delete_for_user(self, user_id: uuid.UUID, *, keep: str | None = None) -> int:
        hashes = [h for h in self.r.smembers(self._u(user_id)) if h != keep]  # type: ignore[union-attr]
        if not hashes:
            return 0
        pipe = self.r.pipeline()
        pipe.delete(*[self._k(h) for h in hashes])
        pipe.srem(self._u(user_id), *hashes)
        deleted, _ = pipe.execute()
        return int(deleted)


def _from_json(raw: str) -> SessionRecord:
    d = json.loads(raw)
    for k in ("created_at", "last_seen_at", "idle_expires_at", "absolute_expires_at"):
        d[k] = datetime.fromisoformat(d[k])
    d["user_id"] = uuid.UUID(d["user_id"])
    return SessionRecord(**d)


def get_store(*, session: Session) -> SessionStore:
    """Redis when REDIS_URL is set, else the database behind `session`."""
    s = get_settings()
    if s.redis_url:
        return RedisSessionStore(redis_client(s.redis_url), s.redis_key_prefix, session)
    return DbSessionStore(session)
