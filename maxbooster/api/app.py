"""The FastAPI application served under /api (OpenAPI at /api/openapi.json)."""

from __future__ import annotations

from fastapi import FastAPI

from maxbooster.api import auth_routes
from maxbooster.api import v1 as api_v1
from maxbooster.api.errors import install_error_handlers
from maxbooster.api.google_routes import router as google_router
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
    api.include_router(auth_routes.router)
    api.include_router(api_v1.router)
    api.include_router(google_router)
    return api
