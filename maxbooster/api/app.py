"""The FastAPI application served under /api (OpenAPI at /api/openapi.json)."""

from __future__ import annotations

from fastapi import FastAPI

from maxbooster.api.errors import install_error_handlers
from maxbooster.api.health import router as health_router


def create_api() -> FastAPI:
    """Build the API app; each area adds its router here."""
    api = FastAPI(
        title="Max Booster API",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    install_error_handlers(api)
    api.include_router(health_router)
    return api
