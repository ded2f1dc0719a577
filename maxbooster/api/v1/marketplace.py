"""/api/v1/marketplace: browse and search published listings, a listing and a seller's storefront (no
sign-in); for sellers: onboarding through the payments provider, the dashboard, their listings with
tiers, collaborators, files (library tracks, uploaded ZIPs), cover, watermark, preview, publish; the
sandbox provider's onboarding page (test mode)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from maxbooster import routes
from maxbooster.api.deps import CallerActor, DbSession, ViewerActor
from maxbooster.api.streams import blocking
from maxbooster.api.uploads import read_file_part
from maxbooster.db import session_scope
from maxbooster.models.marketplace import LicenseTier, Listing, ListingFile, SellerAccount
from maxbooster.services import media
from maxbooster.services.billing import sandbox
from maxbooster.services.marketplace import files, listings, previews, search, sellers
from maxbooster.services.marketplace.listings import CollaboratorInput, TierInput

router = APIRouter(tags=["marketplace"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"}, 404: {"description": "Not found"},
    409: {"description": "Not possible now (the message says what to do first)"},
    422: {"description": "Invalid input (the message says what to change)"},
    503: {"description": "The payment provider did not answer or is not configured"},
}
MEDIA_TTL_S = 3600


class SellerOut(BaseModel):
    provider: str
    account_id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements: list[str]


class DashboardOut(BaseModel):
    account: SellerOut | None
    can_publish: bool
    next_step: str
    test_mode: bool
    balance_available: dict[str, int] = Field(description="Minor units per currency")
    balance_pending: dict[str, int]
    payouts: list[dict[str, Any]]


class OnboardingIn(BaseModel):
    country: str = "US"


class UrlOut(BaseModel):
    url: str


class TierIn(BaseModel):
    kind: str
    price: str | int = Field(description="'29.99' as typed, or whole minor units (2999)")
    currency: str = "USD"
    name: str = ""
    deliverables: list[str] | None = None
    max_copies: Any = None
    max_streams: Any = None
    max_music_videos: Any = None
    max_radio_stations: Any = None


class TierOut(BaseModel):
    id: uuid.UUID
    kind: str
    name: str
    price_minor: int
    currency: str
    deliverables: list[str]
    max_copies: int | None
    max_streams: int | None
    max_music_videos: int | None
    max_radio_stations: int | None


class CollaboratorIn(BaseModel):
    email: str
    share_percent: str | int
    display_name: str = ""


class ListingIn(BaseModel):
    kind: str
    title: str
    description: str = ""
    tags: list[str] = []
    genre: str = ""
    bpm: int | None = None
    musical_key: str | None = None


class TrackFileIn(BaseModel):
    track_id: uuid.UUID
    role: Literal["main", "preview"] = "main"


class FileOut(BaseModel):
    id: uuid.UUID
    role: str
    source: str
    original_name: str
    size_bytes: int
    findings: list[dict[str, Any]]


class ListingOut(BaseModel):
    id: uuid.UUID
    seller_id: uuid.UUID
    seller_name: str = ""
    kind: str
    status: str
    title: str
    description: str
    tags: list[str]
    genre: str
    bpm: int | None
    musical_key: str | None
    currency: str
    min_price_minor: int | None
    cover_url: str | None
    preview_url: str | None
    preview_peaks_url: str | None
    preview_status: str
    preview_error: str = ""
    published_at: datetime | None
    tiers: list[TierOut] = []
    findings: list[dict[str, Any]] = []
    missing: list[str] = Field(default=[], description="What publishing still needs (your own listings)")


class PageOut(BaseModel):
    items: list[ListingOut]
    total: int
    page: int
    per_page: int


class JobOut(BaseModel):
    job_id: uuid.UUID


def _public_url(listing: Listing, key: str | None, name: str, ctype: str) -> str | None:
    if not key:
        return None
    return media.media_url(owner_id=listing.owner_id, key=key, filename=name, content_type=ctype,
                           expires_s=MEDIA_TTL_S, public=True)


def _tier(t: LicenseTier) -> TierOut:
    return TierOut(id=t.id, kind=t.kind, name=t.name, price_minor=t.price_minor, currency=t.currency,
                   deliverables=list(t.deliverables), max_copies=t.max_copies, max_streams=t.max_streams,
                   max_music_videos=t.max_music_videos, max_radio_stations=t.max_radio_stations)


def _listing(row: Listing, *, seller_name: str = "", tiers: list[LicenseTier] | None = None,
             findings: list[dict[str, Any]] | None = None, missing: list[str] | None = None) -> ListingOut:
    return ListingOut(id=row.id, seller_id=row.owner_id, seller_name=seller_name, kind=row.kind, status=row.status,
                      title=row.title, description=row.description, tags=list(row.tags), genre=row.genre, bpm=row.bpm,
                      musical_key=row.musical_key, currency=row.currency, min_price_minor=row.min_price_minor,
                      cover_url=_public_url(row, row.cover_key, "cover", "image/png"),
                      preview_url=_public_url(row, row.preview_key, "preview.mp3", "audio/mpeg"),
                      preview_peaks_url=_public_url(row, row.preview_peaks_key, "preview.dat",
                                                    "application/octet-stream"),
                      preview_status=row.preview_status, preview_error=row.preview_error,
                      published_at=row.published_at, tiers=[_tier(t) for t in tiers or []],
                      findings=findings or [], missing=missing or [])


def _file(f: ListingFile) -> FileOut:
    return FileOut(id=f.id, role=f.role, source=f.source, original_name=f.original_name, size_bytes=f.size_bytes,
                   findings=list(f.findings))


def _seller(a: SellerAccount) -> SellerOut:
    return SellerOut(provider=a.provider, account_id=a.provider_account_id, charges_enabled=a.charges_enabled,
                     payouts_enabled=a.payouts_enabled, details_submitted=a.details_submitted,
                     requirements=list(a.requirements))


def _own(db: Any, listing: Listing) -> ListingOut:
    return _listing(listing, tiers=listings.list_tiers(session=db, listing_id=listing.id),
                    findings=[f for x in files.list_files(session=db, listing_id=listing.id) for f in x.findings],
                    missing=listings.missing_for_publish(session=db, listing=listing))


# --- browsing (anyone) ---------------------------------------------------------------------------------

@router.get(routes.V1_MARKETPLACE_LISTINGS, response_model=PageOut, responses=ERRORS)
def search_listings(actor: ViewerActor, db: DbSession, q: str = "", kind: str | None = None,
                    genre: str | None = None, bpm_min: int | None = None, bpm_max: int | None = None,
                    key: str | None = None, price_min: int | None = Query(None, description="Minor units"),
                    price_max: int | None = Query(None, description="Minor units"), currency: str | None = None,
                    license: str | None = None, sort: str = "relevance", page: int = 1,
                    per_page: int = 24) -> PageOut:
    """Search published listings: words (all must match, `-word` excludes), filters and a sort."""
    found = search.search(session=db, actor=actor, query=search.SearchQuery(
        text=q, kind=kind, genre=genre, bpm_min=bpm_min, bpm_max=bpm_max, musical_key=key, price_min_minor=price_min,
        price_max_minor=price_max, currency=currency, license_kind=license, sort=sort, page=page, per_page=per_page))
    return PageOut(items=[_listing(c.listing, seller_name=c.seller_name) for c in found.items], total=found.total,
                   page=found.page, per_page=found.per_page)


@router.get(routes.V1_MARKETPLACE_LISTING, response_model=ListingOut, responses=ERRORS)
def get_listing(listing_id: uuid.UUID, actor: ViewerActor, db: DbSession) -> ListingOut:
    """A published listing with its license tiers (anything not on sale is not found)."""
    d = search.public_listing(session=db, actor=actor, listing_id=listing_id)
    return _listing(d.card.listing, seller_name=d.card.seller_name, tiers=d.tiers, findings=d.findings)


@router.get(routes.V1_MARKETPLACE_STOREFRONT, response_model=PageOut, responses=ERRORS)
def storefront(seller_id: uuid.UUID, actor: ViewerActor, db: DbSession, page: int = 1,
               sort: str = "newest") -> PageOut:
    """A seller's listings on sale."""
    found = search.storefront(session=db, actor=actor, seller_id=seller_id, page=page, sort=sort)
    return PageOut(items=[_listing(c.listing, seller_name=c.seller_name) for c in found.items], total=found.total,
                   page=found.page, per_page=found.per_page)


# --- sellers ---------------------------------------------------------------------------------------------

@router.get(routes.V1_MARKETPLACE_SELLER, response_model=DashboardOut, responses=ERRORS)
def dashboard(actor: CallerActor, db: DbSession) -> DashboardOut:
    """Your seller onboarding state, balance and latest payouts."""
    d = sellers.dashboard(session=db, actor=actor)
    return DashboardOut(account=_seller(d.account) if d.account else None, can_publish=d.can_publish,
                        next_step=d.next_step, test_mode=d.test_mode,
                        balance_available=d.balance.available if d.balance else {},
                        balance_pending=d.balance.pending if d.balance else {}, payouts=d.payouts)


@router.post(routes.V1_MARKETPLACE_SELLER_ONBOARDING, response_model=UrlOut, responses=ERRORS)
def start_onboarding(body: OnboardingIn, actor: CallerActor, db: DbSession) -> UrlOut:
    """Where to send the browser to set up payouts (your seller account is created the first time)."""
    return UrlOut(url=sellers.start_onboarding(session=db, actor=actor, country=body.country))


@router.post(routes.V1_MARKETPLACE_SELLER_REFRESH, response_model=SellerOut, responses=ERRORS)
def refresh_seller(actor: CallerActor, db: DbSession) -> SellerOut:
    """Read your seller account from the payment provider again (after onboarding)."""
    return _seller(sellers.refresh(session=db, actor=actor))


@router.post(routes.V1_MARKETPLACE_SANDBOX_ONBOARDING, response_model=UrlOut, responses=ERRORS)
def sandbox_onboarding(account_id: str, actor: CallerActor, db: DbSession) -> UrlOut:
    """Finish onboarding on the sandbox (test mode): the account can be paid once the event is applied."""
    sandbox.complete_onboarding(session=db, actor=actor, account_id=account_id)
    return UrlOut(url=routes.SETTINGS)


@router.get(routes.V1_MARKETPLACE_SELLER_LISTINGS, response_model=list[ListingOut], responses=ERRORS)
def my_listings(actor: CallerActor, db: DbSession) -> list[ListingOut]:
    """Your listings, newest first, with what each still needs to be published."""
    return [_own(db, x) for x in listings.list_listings(session=db, actor=actor)]


@router.post(routes.V1_MARKETPLACE_SELLER_LISTINGS, response_model=ListingOut, status_code=201, responses=ERRORS)
def create_listing(body: ListingIn, actor: CallerActor, db: DbSession) -> ListingOut:
    """A new draft: a beat, sample pack, preset or plugin."""
    fields = body.model_dump(exclude={"kind", "title"})
    return _own(db, listings.create_listing(session=db, actor=actor, kind=body.kind, title=body.title, **fields))


@router.get(routes.V1_MARKETPLACE_SELLER_LISTING, response_model=ListingOut, responses=ERRORS)
def my_listing(listing_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ListingOut:
    return _own(db, listings.get_listing(session=db, actor=actor, listing_id=listing_id))


@router.patch(routes.V1_MARKETPLACE_SELLER_LISTING, response_model=ListingOut, responses=ERRORS)
def edit_listing(listing_id: uuid.UUID, body: dict[str, Any], actor: CallerActor, db: DbSession) -> ListingOut:
    """Change the fields sent: title, description, tags, genre, bpm, musical_key (all or nothing)."""
    return _own(db, listings.update_listing(session=db, actor=actor, listing_id=listing_id, changes=body))


@router.delete(routes.V1_MARKETPLACE_SELLER_LISTING, status_code=204, responses=ERRORS)
def delete_listing(listing_id: uuid.UUID, actor: CallerActor, db: DbSession) -> Response:
    """Delete a listing nobody has bought."""
    listings.delete_listing(session=db, actor=actor, listing_id=listing_id)
    return Response(status_code=204)


@router.put(routes.V1_MARKETPLACE_SELLER_TIERS, response_model=list[TierOut], responses=ERRORS)
def put_tiers(listing_id: uuid.UUID, body: list[TierIn], actor: CallerActor, db: DbSession) -> list[TierOut]:
    """Replace the license tiers: price, deliverables and caps (empty cap = unlimited)."""
    specs = [TierInput(kind=t.kind, price=t.price, currency=t.currency, name=t.name, deliverables=t.deliverables,
                       caps={c: getattr(t, c) for c in listings.CAPS}) for t in body]
    return [_tier(t) for t in listings.set_tiers(session=db, actor=actor, listing_id=listing_id, tiers=specs)]


@router.put(routes.V1_MARKETPLACE_SELLER_COLLABORATORS, response_model=list[CollaboratorIn], responses=ERRORS)
def put_collaborators(listing_id: uuid.UUID, body: list[CollaboratorIn], actor: CallerActor,
                      db: DbSession) -> list[CollaboratorIn]:
    """Replace who shares the sales (you included); the percentages must add up to 100."""
    rows = listings.set_collaborators(session=db, actor=actor, listing_id=listing_id, collaborators=[
        CollaboratorInput(email=c.email, share_percent=c.share_percent, display_name=c.display_name) for c in body])
    return [CollaboratorIn(email=r.email, share_percent=f"{r.share_bps / 100:.2f}", display_name=r.display_name)
            for r in rows]


@router.post(routes.V1_MARKETPLACE_SELLER_TRACK_FILE, response_model=FileOut, status_code=201, responses=ERRORS)
def attach_track(listing_id: uuid.UUID, body: TrackFileIn, actor: CallerActor, db: DbSession) -> FileOut:
    """Use a ready track of your library as the main audio or the preview's source."""
    return _file(files.attach_track(session=db, actor=actor, listing_id=listing_id, track_id=body.track_id,
                                    role=body.role))


@router.post(routes.V1_MARKETPLACE_SELLER_ZIP_FILE, response_model=FileOut, status_code=201, responses=ERRORS)
async def upload_zip(listing_id: uuid.UUID, request: Request, actor: CallerActor,
                     role: Literal["zip", "stems"] = "zip") -> FileOut:
    """Upload the ZIP you sell (or a beat's stems) as multipart field `file`; checked before it is kept."""
    filename, chunks = await read_file_part(request)

    def run() -> FileOut:
        with session_scope() as db:
            return _file(files.attach_zip(session=db, actor=actor, listing_id=listing_id, filename=filename,
                                          chunks=blocking(chunks), role=role))

    return await run_in_threadpool(run)


@router.post(routes.V1_MARKETPLACE_SELLER_COVER, response_model=ListingOut, responses=ERRORS)
async def upload_cover(listing_id: uuid.UUID, request: Request, actor: CallerActor) -> ListingOut:
    """Upload the cover (multipart field `file`): PNG, JPEG or WebP, at least 300 × 300 px."""
    _, chunks = await read_file_part(request)

    def run() -> ListingOut:
        with session_scope() as db:
            return _own(db, files.set_cover(session=db, actor=actor, listing_id=listing_id, chunks=blocking(chunks)))

    return await run_in_threadpool(run)


@router.post(routes.V1_MARKETPLACE_SELLER_VOICE_TAG, response_model=ListingOut, responses=ERRORS)
async def upload_voice_tag(listing_id: uuid.UUID, request: Request, actor: CallerActor) -> ListingOut:
    """Upload your voice tag (multipart field `file`); previews are then marked with it."""
    name, chunks = await read_file_part(request)

    def run() -> ListingOut:
        with session_scope() as db:
            return _own(db, files.set_watermark(session=db, actor=actor, listing_id=listing_id, watermark="voice_tag",
                                                tag_chunks=blocking(chunks), tag_name=name))

    return await run_in_threadpool(run)


@router.delete(routes.V1_MARKETPLACE_SELLER_VOICE_TAG, response_model=ListingOut, responses=ERRORS)
def use_tone(listing_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ListingOut:
    """Mark previews with the generated tone instead of a voice tag."""
    return _own(db, files.set_watermark(session=db, actor=actor, listing_id=listing_id, watermark="tone"))


@router.post(routes.V1_MARKETPLACE_SELLER_PREVIEW, response_model=JobOut, status_code=202, responses=ERRORS)
def make_preview(listing_id: uuid.UUID, actor: CallerActor, db: DbSession) -> JobOut:
    """Make the watermarked preview (a job; the listing's preview_status turns ready or failed)."""
    return JobOut(job_id=previews.request_preview(session=db, actor=actor, listing_id=listing_id).id)


@router.post(routes.V1_MARKETPLACE_SELLER_PUBLISH, response_model=ListingOut, responses=ERRORS)
def publish(listing_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ListingOut:
    """Put the listing on sale (refused with what is missing, or until the provider can pay you)."""
    return _own(db, listings.publish(session=db, actor=actor, listing_id=listing_id))


@router.post(routes.V1_MARKETPLACE_SELLER_UNPUBLISH, response_model=ListingOut, responses=ERRORS)
def unpublish(listing_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ListingOut:
    """Take the listing off sale (buyers keep what they bought)."""
    return _own(db, listings.unpublish(session=db, actor=actor, listing_id=listing_id))
