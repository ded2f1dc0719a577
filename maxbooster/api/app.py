"""The FastAPI application served under /api (OpenAPI at /api/openapi.json, docs at /api/docs)."""

from __future__ import annotations

from fastapi import FastAPI

from maxbooster import routes
from maxbooster.api import docs, health, media
from maxbooster.api import v1 as api_v1
from maxbooster.api.errors import install_error_handlers
from maxbooster.api.web import accounts as web_accounts
from maxbooster.api.web import google as web_google
from maxbooster.api.web import social as web_social


def create_api() -> FastAPI:
    """Build the API app; each area adds its router here."""
    api = FastAPI(title="Max Booster API", version="1", openapi_url=routes.OPENAPI, docs_url=None, redoc_url=None)
    install_error_handlers(api)
    for router in (health.router, docs.router, web_accounts.router, web_google.router, web_social.router,
                   api_v1.router, media.router):
        api.include_router(router)
    return api
