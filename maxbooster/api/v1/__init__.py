"""REST API v1 (bearer tokens): one router collecting every area's v1 routes (paths in routes.py)."""

from __future__ import annotations

from fastapi import APIRouter

from maxbooster.api.v1.accounts import router as accounts_router
from maxbooster.api.v1.billing import router as billing_router
from maxbooster.api.v1.campaigns import router as campaigns_router
from maxbooster.api.v1.library import router as library_router
from maxbooster.api.v1.marketplace import router as marketplace_router
from maxbooster.api.v1.marketplace_orders import router as marketplace_orders_router
from maxbooster.api.v1.mastering import router as mastering_router
from maxbooster.api.v1.releases import router as releases_router
from maxbooster.api.v1.royalties import router as royalties_router
from maxbooster.api.v1.social import router as social_router
from maxbooster.api.v1.studio import router as studio_router

router = APIRouter()
router.include_router(accounts_router)
router.include_router(billing_router)
router.include_router(campaigns_router)
router.include_router(library_router)
router.include_router(marketplace_router)
router.include_router(marketplace_orders_router)
router.include_router(mastering_router)
router.include_router(releases_router)
router.include_router(royalties_router)
router.include_router(social_router)
router.include_router(studio_router)
