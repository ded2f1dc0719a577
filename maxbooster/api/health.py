"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from maxbooster import routes
from maxbooster.services import health

router = APIRouter(tags=["health"])


@router.get(routes.HEALTH)
def liveness() -> dict[str, str]:
    """The process is up and answering."""
    return {"status": "ok"}


@router.get(routes.HEALTH_READY)
async def readiness() -> JSONResponse:
    """Database, Redis (if configured), broker, a recent worker heartbeat, free disk."""
    report = await run_in_threadpool(health.readiness)
    return JSONResponse(report, status_code=200 if report["ready"] else 503)
