"""/api/v1/releases: drafts (create, list, read, change, delete), their tracks (add, change, reorder,
remove), cover art, ISRC/UPC allocation, the pre-flight validator, submission and takedown; the
owner's code settings (ISRC prefix, GS1 company prefix, DDEX party id); the smart link (set, clicks, fans
CSV) and its public side: the counting redirect per platform, fan sign-up and the emailed confirm link."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, StrictBool
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from maxbooster import routes
from maxbooster.api.deps import CallerActor, DbSession, request_actor
from maxbooster.api.streams import blocking
from maxbooster.api.uploads import read_file_part
from maxbooster.db import session_scope
from maxbooster.models.releases import Delivery, DeliveryState, Release, ReleaseTrack
from maxbooster.services import media
from maxbooster.services.actor import Actor
from maxbooster.services.errors import NotFound
from maxbooster.services.releases import artwork, codes, delivery, lifecycle, releases, smartlinks, tracks, validator
from maxbooster.services.releases.findings import Finding
from maxbooster.services.releases.providers import PROFILES
from maxbooster.services.storage.names import content_disposition
from maxbooster.settings import get_settings

router = APIRouter(tags=["releases"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"}, 404: {"description": "No such release (or track) of yours"},
    402: {"description": "Over the plan's releases per year"},
    409: {"description": "Not a draft any more, or not in a state for this step (the message says which)"},
    422: {"description": "Invalid input (the message names the field and how to fix it)"},
}


class Credit(BaseModel):
    name: str = Field(max_length=400)
    role: str = Field(max_length=40)


class ReleaseIn(BaseModel):
    release_type: str | None = Field(default=None, description="single, ep or album")
    title: str | None = Field(default=None, max_length=400)
    version: str | None = Field(default=None, max_length=400, description='e.g. "Deluxe", never in the title')
    artists: list[Credit] | None = Field(default=None, description="In credit order; role primary or featured")
    label: str | None = Field(default=None, max_length=400)
    genre: str | None = Field(default=None, max_length=200)
    subgenre: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=20, description="Language of the titles, e.g. en")
    release_date: date | None = None
    original_release_date: date | None = None
    territories: list[str] | None = Field(default=None, max_length=300, description="ISO codes; [] = worldwide")
    price_tier: str | None = Field(default=None, description="budget, mid, front or premium")
    p_year: int | None = None
    p_owner: str | None = Field(default=None, max_length=400)
    c_year: int | None = None
    c_owner: str | None = Field(default=None, max_length=400)
    upc: str | None = Field(default=None, max_length=40, description="A UPC/EAN you have; empty removes it")
    destinations: list[str] | None = Field(default=None, max_length=20, description=", ".join(PROFILES))


class TrackIn(BaseModel):
    master_id: uuid.UUID | None = None
    title: str | None = Field(default=None, max_length=400)
    version: str | None = Field(default=None, max_length=400)
    artists: list[Credit] | None = Field(default=None, description="Featured artists of this track")
    isrc: str | None = Field(default=None, max_length=40, description="An ISRC it already has; empty removes it")
    explicit: StrictBool | None = None
    contributors: list[Credit] | None = Field(
        default=None, description="performer, producer, composer, lyricist, mixer or mastering_engineer")
    lyrics: str | None = Field(default=None, max_length=40_000)
    preview_start_s: float | None = None


class OrderIn(BaseModel):
    track_ids: list[uuid.UUID] = Field(max_length=200)


class CodesIn(BaseModel):
    isrc: StrictBool = True
    upc: StrictBool = True


class CodeSettingsIn(BaseModel):
    isrc_country: str = Field(default="", max_length=10)
    isrc_registrant: str = Field(default="", max_length=10)
    gs1_prefix: str = Field(default="", max_length=20)
    ddex_party_id: str = Field(default="", max_length=60)
    ddex_party_name: str = Field(default="", max_length=400)


class CodeSettingsOut(CodeSettingsIn):
    pass


class TrackOut(BaseModel):
    id: uuid.UUID
    position: int
    master_id: uuid.UUID | None
    title: str
    version: str
    artists: list[Credit]
    isrc: str | None = Field(description="As people read it: CC-XXX-YY-NNNNN")
    explicit: bool
    contributors: list[Credit]
    lyrics: str
    preview_start_s: float


class ArtworkOut(BaseModel):
    width: int
    height: int
    mode: str
    format: str
    size_bytes: int
    url: str


class DeliveryOut(BaseModel):
    destination: str
    destination_name: str
    state: str
    state_label: str
    message: str
    job_id: uuid.UUID | None
    updated_at: datetime


class ReleaseOut(BaseModel):
    id: uuid.UUID
    release_type: str
    title: str
    version: str
    artists: list[Credit]
    label: str
    genre: str
    subgenre: str
    language: str
    release_date: date | None
    original_release_date: date | None
    territories: list[str] = Field(description="[] = worldwide")
    price_tier: str
    p_year: int | None
    p_owner: str
    c_year: int | None
    c_owner: str
    upc: str | None
    artwork: ArtworkOut | None
    tracks: list[TrackOut]
    deliveries: list[DeliveryOut]
    created_at: datetime
    updated_at: datetime


class ReleaseListOut(BaseModel):
    items: list[ReleaseOut]


class FindingOut(BaseModel):
    severity: str = Field(description="error (must be fixed before submitting) or warning")
    code: str
    field: str
    message: str
    fix: str
    suggestion: dict[str, Any] | None = Field(description="A ready change (PATCH body of the release or track)")


class ValidationOut(BaseModel):
    ok: bool
    findings: list[FindingOut]
    deliveries: list[DeliveryOut]


class ArtworkUploadOut(BaseModel):
    release: ReleaseOut
    findings: list[FindingOut] = Field(description="What store rules still say about the new picture")


def _track(t: ReleaseTrack) -> TrackOut:
    return TrackOut(id=t.id, position=t.position, master_id=t.master_id, title=t.title, version=t.version,
                    artists=[Credit(**a) for a in t.artists], isrc=codes.format_isrc(t.isrc) if t.isrc else None,
                    explicit=t.explicit, contributors=[Credit(**c) for c in t.contributors], lyrics=t.lyrics,
                    preview_start_s=t.preview_start_s)


def _delivery(d: Delivery) -> DeliveryOut:
    dest = PROFILES.get(d.destination)
    return DeliveryOut(destination=d.destination, destination_name=dest.name if dest else d.destination,
                       state=d.state, state_label=lifecycle.STATE_WORDS[DeliveryState(d.state)],
                       message=d.state_message, job_id=d.job_id, updated_at=d.updated_at)


def _artwork(r: Release) -> ArtworkOut | None:
    facts = artwork.stored_facts(r)
    if facts is None or not r.artwork_key:
        return None
    ctype = "image/png" if facts.format == "PNG" else "image/jpeg"
    url = media.media_url(owner_id=r.owner_id, key=r.artwork_key, filename=f"cover.{facts.format.lower()}",
                          content_type=ctype)
    return ArtworkOut(width=facts.width, height=facts.height, mode=facts.mode, format=facts.format,
                      size_bytes=facts.size_bytes, url=url)


def _out(db: Session, r: Release) -> ReleaseOut:
    db.refresh(r)
    return ReleaseOut(
        id=r.id, release_type=r.release_type, title=r.title, version=r.version,
        artists=[Credit(**a) for a in r.artists], label=r.label, genre=r.genre, subgenre=r.subgenre,
        language=r.language, release_date=r.release_date, original_release_date=r.original_release_date,
        territories=r.territories, price_tier=r.price_tier, p_year=r.p_year, p_owner=r.p_owner, c_year=r.c_year,
        c_owner=r.c_owner, upc=r.upc, artwork=_artwork(r),
        tracks=[_track(t) for t in releases.tracks_of(session=db, release_id=r.id)],
        deliveries=[_delivery(d) for d in lifecycle.deliveries_of(session=db, release_id=r.id)],
        created_at=r.created_at, updated_at=r.updated_at)


def _finding(f: Finding) -> FindingOut:
    return FindingOut(severity=f.severity, code=f.code, field=f.field, message=f.message, fix=f.fix,
                      suggestion=f.suggestion)


def _release_in(body: ReleaseIn) -> releases.ReleaseIn:
    given = body.model_dump(exclude_unset=True, mode="python")
    return releases.ReleaseIn(**given)


def _track_in(body: TrackIn) -> tracks.TrackIn:
    given = body.model_dump(exclude_unset=True, mode="python")
    return tracks.TrackIn(**given)


@router.get(routes.V1_RELEASES, response_model=ReleaseListOut, responses=ERRORS)
def list_releases(actor: CallerActor, db: DbSession) -> ReleaseListOut:
    """The caller's releases, last changed first, with their state at each destination."""
    return ReleaseListOut(items=[_out(db, r) for r in releases.list_releases(session=db, actor=actor)])


@router.post(routes.V1_RELEASES, response_model=ReleaseOut, status_code=201, responses=ERRORS)
def create_release(body: ReleaseIn, actor: CallerActor, db: DbSession) -> ReleaseOut:
    """A new draft (title required; destinations default to the delivery folder)."""
    return _out(db, releases.create_release(session=db, actor=actor, data=_release_in(body)))


@router.get(routes.V1_RELEASE, response_model=ReleaseOut, responses=ERRORS)
def get_release(release_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ReleaseOut:
    """One release with its tracks, artwork and deliveries."""
    return _out(db, releases.get_release(session=db, actor=actor, release_id=release_id))


@router.patch(routes.V1_RELEASE, response_model=ReleaseOut, responses=ERRORS)
def update_release(release_id: uuid.UUID, body: ReleaseIn, actor: CallerActor, db: DbSession) -> ReleaseOut:
    """Change the fields sent (drafts only); all or nothing."""
    return _out(db, releases.update_release(session=db, actor=actor, release_id=release_id, data=_release_in(body)))


@router.delete(routes.V1_RELEASE, status_code=204, responses=ERRORS)
def delete_release(release_id: uuid.UUID, actor: CallerActor, db: DbSession) -> Response:
    """Delete a draft (its ISRCs and UPC stay recorded and are never given out again)."""
    releases.delete_release(session=db, actor=actor, release_id=release_id)
    return Response(status_code=204)


@router.post(routes.V1_RELEASE_TRACKS, response_model=ReleaseOut, status_code=201, responses=ERRORS)
def add_track(release_id: uuid.UUID, body: TrackIn, actor: CallerActor, db: DbSession) -> ReleaseOut:
    """Append a finished master of your library as the next track."""
    tracks.add_track(session=db, actor=actor, release_id=release_id, data=_track_in(body))
    return _out(db, releases.get_release(session=db, actor=actor, release_id=release_id))


@router.patch(routes.V1_RELEASE_TRACK, response_model=ReleaseOut, responses=ERRORS)
def update_track(release_id: uuid.UUID, track_id: uuid.UUID, body: TrackIn, actor: CallerActor,
                 db: DbSession) -> ReleaseOut:
    """Change a track's fields (title, version, featured artists, ISRC, explicit, contributors …)."""
    tracks.update_track(session=db, actor=actor, release_id=release_id, track_id=track_id, data=_track_in(body))
    return _out(db, releases.get_release(session=db, actor=actor, release_id=release_id))


@router.delete(routes.V1_RELEASE_TRACK, response_model=ReleaseOut, responses=ERRORS)
def remove_track(release_id: uuid.UUID, track_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ReleaseOut:
    """Take a track off the release; the tracks after it move up."""
    tracks.remove_track(session=db, actor=actor, release_id=release_id, track_id=track_id)
    return _out(db, releases.get_release(session=db, actor=actor, release_id=release_id))


@router.put(routes.V1_RELEASE_TRACKS_ORDER, response_model=ReleaseOut, responses=ERRORS)
def reorder_tracks(release_id: uuid.UUID, body: OrderIn, actor: CallerActor, db: DbSession) -> ReleaseOut:
    """Put the tracks in this order (every track id once)."""
    tracks.reorder_tracks(session=db, actor=actor, release_id=release_id, track_ids=body.track_ids)
    return _out(db, releases.get_release(session=db, actor=actor, release_id=release_id))


@router.put(routes.V1_RELEASE_ARTWORK, response_model=ArtworkUploadOut,
            responses={**ERRORS, 400: {"description": "Not a multipart upload with a `file` field"},
                       413: {"description": "Larger than 20 MB"}})
async def upload_artwork(release_id: uuid.UUID, request: Request, actor: CallerActor) -> Response:
    """Upload the cover (multipart/form-data, field `file`): JPEG or PNG, square, ≥ 3000×3000, RGB. A file
    that is no usable picture is refused and nothing changes; store-rule findings come back with it."""
    _, chunks = await read_file_part(request)

    def run(who: Actor) -> ArtworkUploadOut:
        with session_scope() as db:
            release, found = artwork.upload_artwork(session=db, actor=who, release_id=release_id,
                                                    chunks=blocking(chunks))
            return ArtworkUploadOut(release=_out(db, release), findings=[_finding(f) for f in found])

    body = await run_in_threadpool(run, actor)
    return JSONResponse(body.model_dump(mode="json"))


@router.post(routes.V1_RELEASE_CODES, response_model=ReleaseOut, responses=ERRORS)
def allocate_codes(release_id: uuid.UUID, actor: CallerActor, db: DbSession, body: CodesIn | None = None
                   ) -> ReleaseOut:
    """Give each track without an ISRC one (its recording's, or a new one from your prefix) and the
    release a UPC from your GS1 company prefix when it has none."""
    body = body or CodesIn()
    release = tracks.allocate_codes(session=db, actor=actor, release_id=release_id, isrc=body.isrc, upc=body.upc)
    return _out(db, release)


@router.post(routes.V1_RELEASE_VALIDATE, response_model=ValidationOut, responses=ERRORS)
def validate_release(release_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ValidationOut:
    """The pre-flight check: every problem in plain words with its fix. With no errors, the release's
    drafts become validated (ready to submit)."""
    report = validator.validate_release(session=db, actor=actor, release_id=release_id)
    return ValidationOut(ok=report.ok, findings=[_finding(f) for f in report.findings],
                         deliveries=[_delivery(d) for d in releases.deliveries(session=db, actor=actor,
                                                                                  release_id=release_id)])


@router.post(routes.V1_RELEASE_SUBMIT, response_model=ReleaseOut, status_code=202, responses=ERRORS)
def submit_release(release_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ReleaseOut:
    """Send a validated release to its destinations (a job each; follow `deliveries`)."""
    delivery.submit_release(session=db, actor=actor, release_id=release_id)
    return _out(db, releases.get_release(session=db, actor=actor, release_id=release_id))


@router.post(routes.V1_RELEASE_TAKEDOWN, response_model=ReleaseOut, status_code=202, responses=ERRORS)
def takedown_release(release_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ReleaseOut:
    """Take the release down wherever it was delivered (an update whose deals end; a job each)."""
    delivery.request_takedown(session=db, actor=actor, release_id=release_id)
    return _out(db, releases.get_release(session=db, actor=actor, release_id=release_id))


def _settings_out(row: Any) -> CodeSettingsOut:
    return CodeSettingsOut(isrc_country=row.isrc_country, isrc_registrant=row.isrc_registrant,
                           gs1_prefix=row.gs1_prefix, ddex_party_id=row.ddex_party_id,
                           ddex_party_name=row.ddex_party_name)


@router.get(routes.V1_CODE_SETTINGS, response_model=CodeSettingsOut, responses=ERRORS)
def get_code_settings(actor: CallerActor, db: DbSession) -> CodeSettingsOut:
    """Your ISRC prefix, GS1 company prefix and DDEX party id (empty when not set)."""
    return _settings_out(codes.registrant(session=db, actor=actor))


@router.put(routes.V1_CODE_SETTINGS, response_model=CodeSettingsOut, responses=ERRORS)
def put_code_settings(body: CodeSettingsIn, actor: CallerActor, db: DbSession) -> CodeSettingsOut:
    """Set your ISRC prefix (country + registrant code), GS1 company prefix and DDEX party id."""
    row = codes.update_registrant(session=db, actor=actor, data=codes.RegistrantIn(**body.model_dump()))
    return _settings_out(row)


class SmartLinkIn(BaseModel):
    slug: str | None = Field(default=None, max_length=60,
                             description="The page's name in /r/<slug>; omitted: keep it (or make one from the title)")
    links: dict[str, str] = Field(default_factory=dict, max_length=20,
                                  description="platform → https URL; platforms: " + ", ".join(smartlinks.Platform))


class SmartLinkOut(BaseModel):
    slug: str
    page: str = Field(description="The public page's path")
    links: dict[str, str]


class FanIn(BaseModel):
    email: str = Field(max_length=400)
    consent: StrictBool = Field(description="The fan ticked the box agreeing to receive emails")


class FanOut(BaseModel):
    message: str


def _smart_link_out(link: Any) -> SmartLinkOut:
    return SmartLinkOut(slug=link.slug, page=routes.smart_link_page(link.slug), links=link.links)


@router.get(routes.V1_RELEASE_SMART_LINK, response_model=SmartLinkOut, responses=ERRORS)
def get_smart_link(release_id: uuid.UUID, actor: CallerActor, db: DbSession) -> SmartLinkOut:
    """The release's smart link (404 when it has none yet)."""
    link = smartlinks.get_smart_link(session=db, actor=actor, release_id=release_id)
    if link is None:
        raise NotFound()
    return _smart_link_out(link)


@router.put(routes.V1_RELEASE_SMART_LINK, response_model=SmartLinkOut, responses=ERRORS)
def put_smart_link(release_id: uuid.UUID, body: SmartLinkIn, actor: CallerActor, db: DbSession) -> SmartLinkOut:
    """Create or replace the release's smart link: a https URL per platform, optionally its name."""
    return _smart_link_out(smartlinks.set_smart_link(session=db, actor=actor, release_id=release_id,
                                                     data=smartlinks.SmartLinkIn(body.slug, body.links)))


@router.get(routes.V1_RELEASE_SMART_LINK_CLICKS, response_model=dict[str, int], responses=ERRORS)
def smart_link_clicks(release_id: uuid.UUID, actor: CallerActor, db: DbSession) -> dict[str, int]:
    """Clicks per platform on the release's smart link (all days)."""
    return smartlinks.click_counts(session=db, actor=actor, release_id=release_id)


@router.get(routes.V1_RELEASE_SMART_LINK_SOURCES, response_model=dict[str, int], responses=ERRORS)
def smart_link_sources(release_id: uuid.UUID, actor: CallerActor, db: DbSession) -> dict[str, int]:
    """Clicks on the release's smart-link buttons per social network the visitor came from (utm_source;
    "other" for any other source), all days."""
    return smartlinks.clicks_by_source(session=db, actor=actor, release_id=release_id)


@router.get(routes.V1_RELEASE_SMART_LINK_FANS, responses={**ERRORS, 200: {"content": {"text/csv": {}}}})
def smart_link_fans(release_id: uuid.UUID, actor: CallerActor, db: DbSession) -> Response:
    """The confirmed fans who signed up on this release's page, as CSV (email, consent, when)."""
    text = smartlinks.fans_csv(session=db, actor=actor, release_id=release_id)
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": content_disposition("attachment", "fans.csv")})


@router.get(routes.SMART_LINK_GO, status_code=307, responses={404: {"description": "Unknown link or platform"}})
def smart_link_go(slug: str, platform: str, db: DbSession, utm_source: str = "") -> RedirectResponse:
    """A fan's click on a platform button: counted (per platform, and per source when the page was
    reached from a social post's link), then redirected to the platform (no sign-in)."""
    url = smartlinks.record_click(session=db, slug=slug, platform=platform, source=utm_source[:100])
    return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})


@router.post(routes.V1_SMART_LINK_FANS, response_model=FanOut, status_code=202, responses={422: ERRORS[422]})
def smart_link_sign_up(slug: str, body: FanIn, request: Request, db: DbSession) -> FanOut:
    """A fan asks to be told about the artist's releases; a confirm link is emailed (no sign-in)."""
    smartlinks.sign_up_fan(session=db, actor=request_actor(request, via="api"), slug=slug, email=body.email,
                           consent=body.consent)
    return FanOut(message=smartlinks.SIGNED_UP)


@router.get(routes.V1_SMART_LINK_CONFIRM, status_code=303, responses={422: ERRORS[422]})
def smart_link_confirm(token: str, request: Request, db: DbSession) -> RedirectResponse:
    """The emailed confirm link: confirms the fan, then shows the release's page saying so. Works once."""
    slug = smartlinks.confirm_fan(session=db, actor=request_actor(request, via="api"), token=token)
    target = routes.with_query(routes.smart_link_page(slug), confirmed="1") if slug else routes.LANDING
    return RedirectResponse(get_settings().app_url.rstrip("/") + target, status_code=303)
