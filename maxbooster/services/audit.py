"""Append-only, hash-chained audit log.

Each row's `row_hash` = sha256(prev_hash + canonical JSON of seq, actor, action, target, IP,
user agent, UTC time and details). Appends are serialised by updating the single
`audit_head` row first (a row lock on PostgreSQL, the write lock on SQLite), so concurrent
writers keep one unbroken chain; the head also lets `verify_chain` notice deleted tail rows.
Callers must never put secrets (passwords, tokens, links) into `details`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.base import Connection
from sqlmodel import Session, col

from maxbooster.models.audit import AuditHead, AuditLog
from maxbooster.models.base import utcnow
from maxbooster.services.actor import Actor

GENESIS = "0" * 64
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def canonical(row: AuditLog | dict[str, Any]) -> str:
    """The exact text that is hashed for a row (stable key order, compact separators); the row as an
    object or as its column values."""
    v = row if isinstance(row, dict) else {k: getattr(row, k) for k in (
        "seq", "actor_id", "action", "target", "ip", "user_agent", "created_at", "details")}
    body = {
        "seq": v["seq"], "actor_id": str(v["actor_id"]) if v["actor_id"] else None,
        "action": v["action"], "target": v["target"], "ip": v["ip"], "user_agent": v["user_agent"],
        "created_at": v["created_at"].isoformat(), "details": v["details"],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(prev_hash: str, row: AuditLog | dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(row)).encode("utf-8")).hexdigest()


def _advance_head(session: Session, n: int = 1) -> tuple[int, str]:
    """Take the chain's lock by bumping the head by `n` rows; returns (last new seq, previous hash).

    The migration creates the head row; should it be missing (a wiped table), writers racing to
    recreate it insert it at most once (ON CONFLICT DO NOTHING) and then all bump it."""
    stmt = update(AuditHead).where(col(AuditHead.id) == 1).values(seq=col(AuditHead.seq) + n)
    if session.execute(stmt).rowcount == 0:  # type: ignore[attr-defined]
        last_row = session.execute(select(AuditLog).order_by(col(AuditLog.seq).desc()).limit(1)).scalar()
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(insert(AuditHead).values(
            id=1, seq=last_row.seq if last_row else 0, row_hash=last_row.row_hash if last_row else GENESIS,
        ).on_conflict_do_nothing())
        session.execute(stmt)
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is None:
        raise RuntimeError("the audit chain's head row is missing")
    return head.seq, head.row_hash


def lock_chain(*, session: Session) -> None:
    """Take the chain's lock now (callers that will append and also lock other rows take it first, so two of
    them never wait on each other in a ring)."""
    session.execute(select(col(AuditHead.id)).where(col(AuditHead.id) == 1).with_for_update())


def record(session: Session, actor: Actor, action: str, *, target: str = "",
           details: dict[str, Any] | None = None) -> AuditLog:
    """Add one chained row for `actor` inside the caller's transaction (the caller commits)."""
    seq, prev = _advance_head(session)
    extra = dict(details or {})
    if actor.via not in ("web", "api"):
        extra.setdefault("via", actor.via)
    row = AuditLog(seq=seq, prev_hash=prev, row_hash="", actor_id=actor.user_id, action=action,
                   target=target[:200], ip=actor.ip[:64], user_agent=actor.user_agent[:300],
                   created_at=utcnow(), details=extra)
    row.row_hash = row_hash(prev, row)
    session.add(row)
    session.execute(update(AuditHead).where(col(AuditHead.id) == 1).values(row_hash=row.row_hash))
    session.flush()
    return row


def record_many(*, session: Session, actor: Actor, entries: list[tuple[str, str, dict[str, Any]]]) -> None:
    """`record` for many (action, target, details) at once: one chain segment, the head moved once (the
    caller commits)."""
    if not entries:
        return
    last, prev = _advance_head(session, len(entries))
    now, via = utcnow(), ({"via": actor.via} if actor.via not in ("web", "api") else {})
    rows = []
    for seq, (action, target, details) in enumerate(entries, start=last - len(entries) + 1):
        row = {"seq": seq, "prev_hash": prev, "actor_id": actor.user_id, "action": action, "target": target[:200],
               "ip": actor.ip[:64], "user_agent": actor.user_agent[:300], "created_at": now,
               "details": {**via, **details}}
        row["row_hash"] = prev = row_hash(prev, row)
        rows.append(row)
    session.execute(insert(AuditLog), rows,  # executemany of one short INSERT (see `sales.pay`), no objects
                    execution_options={"render_nulls": True})
    session.execute(update(AuditHead).where(col(AuditHead.id) == 1).values(row_hash=prev))


def record_detached(*, session: Session, actor: Actor, action: str, target: str = "",
                    details: dict[str, Any] | None = None) -> None:
    """Record and commit in a separate session (denials that must survive the caller's rollback)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    try:
        with Session(engine) as own:
            record(own, actor, action, target=target, details=details)
            own.commit()
    except Exception:  # audit failure must not turn a denial into a 500
        log.exception("could not append audit row for action %s", action)


def verify_chain(*, session: Session) -> VerifyResult:
    """Walk the chain from seq 1; report the first missing, edited or re-linked row."""
    expected_seq, prev, checked = 1, GENESIS, 0
    rows = session.execute(select(AuditLog).order_by(col(AuditLog.seq))).scalars()
    for row in rows:
        if row.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"row {expected_seq} is missing")
        if row.prev_hash != prev:
            return VerifyResult(False, checked, row.seq, "link to the previous row does not match")
        if row_hash(prev, row) != row.row_hash:
            return VerifyResult(False, checked, row.seq, "row content does not match its hash")
        prev, expected_seq, checked = row.row_hash, expected_seq + 1, checked + 1
    head = session.get(AuditHead, 1)
    if head is None:
        if checked:
            return VerifyResult(False, checked, checked, "chain head is missing")
        return VerifyResult(True, 0)
    if head.seq != checked or head.row_hash != prev:
        return VerifyResult(False, checked, checked + 1, f"rows after {checked} were deleted")
    return VerifyResult(True, checked)


def count_rows(*, session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditLog)).scalar_one())
