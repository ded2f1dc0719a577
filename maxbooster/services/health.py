"""Readiness checks: database, Redis (if configured), broker, worker heartbeat, free disk."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from maxbooster.db import session_scope
from maxbooster.models.base import utcnow
from maxbooster.services import jobs
from maxbooster.settings import get_settings

HEARTBEAT_MAX_AGE_S = 30


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001  (a failing dependency is a report, not a crash)
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return result


def check_database() -> dict[str, Any]:
    with session_scope() as session:
        session.execute(text("SELECT 1"))
    return {"ok": True, "backend": get_settings().database_url.split(":", 1)[0]}


def check_redis() -> dict[str, Any]:
    url = get_settings().redis_url
    if not url:
        return {"ok": True, "configured": False}
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True, "configured": True}


def check_broker() -> dict[str, Any]:
    from kombu import Connection

    settings = get_settings()
    with Connection(settings.celery_broker_url, connect_timeout=3) as conn:
        conn.ensure_connection(max_retries=1, timeout=3)
    return {"ok": True, "embedded": settings.broker_is_embedded,
            "transport": settings.celery_broker_url.split(":", 1)[0]}


def check_worker() -> dict[str, Any]:
    with session_scope() as session:
        last = jobs.latest_heartbeat(session=session)
    if last is None:
        return {"ok": False, "error": "no worker has reported in yet"}
    age = (utcnow() - last).total_seconds()
    return {"ok": age <= HEARTBEAT_MAX_AGE_S, "last_heartbeat_age_s": round(age, 1),
            **({} if age <= HEARTBEAT_MAX_AGE_S else {"error": "no worker heartbeat in 30 s"})}


def check_disk() -> dict[str, Any]:
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(settings.data_dir).free
    ok = free >= settings.min_free_disk_bytes
    return {"ok": ok, "free_bytes": free, "min_free_bytes": settings.min_free_disk_bytes}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "redis": check_redis,
    "broker": check_broker,
    "worker": check_worker,
    "disk": check_disk,
}


def readiness() -> dict[str, Any]:
    """Run every check; `ready` is true only when all pass."""
    results = {name: _timed(check) for name, check in CHECKS.items()}
    return {"ready": all(r["ok"] for r in results.values()), "checks": results,
            "checked_at": utcnow().isoformat(), "heartbeat_window_s": timedelta(seconds=30).seconds}
