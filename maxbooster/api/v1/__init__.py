"""REST API v1 (bearer tokens): one router collecting every area's v1 routes."""

from __future__ import annotations

from fastapi import APIRouter

from maxbooster.api.v1.auth import router as auth_router

router = APIRouter(prefix="/api/v1")
router.include_router(auth_router)
