"""What the release pages show, in plain words: the calendar of releases with their state per
destination, one release's editor (fields as text, tracks, artwork facts, store-style hints), the
finished masters a track can be made from, and the one-click style fix ("Move it")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from maxbooster import routes
from maxbooster.models.jobs import Job
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.mastering import Master, MasterStatus
from maxbooster.models.releases import Delivery, DeliveryState, Platform, Release, ReleaseTrack, ReleaseType
from maxbooster.services import media
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.library.overview import clock
from maxbooster.services.releases import artwork, codes, fans, lifecycle, releases, smartlinks, tracks
from maxbooster.services.releases.findings import Finding
from maxbooster.services.releases.providers import PROFILES
from maxbooster.services.releases.validator import title_findings

S = DeliveryState
TYPE_LABELS = {ReleaseType.SINGLE: "Single", ReleaseType.EP: "EP", ReleaseType.ALBUM: "Album"}
TONES = {S.DRAFT: "gray", S.VALIDATED: "blue", S.SCHEDULED: "amber", S.DELIVERING: "amber", S.DELIVERED: "green",
         S.LIVE: "green", S.REJECTED: "red", S.TAKEDOWN_REQUESTED: "orange", S.TAKEN_DOWN: "gray"}
BUSY = frozenset({S.SCHEDULED, S.DELIVERING, S.TAKEDOWN_REQUESTED})  # a job is on it: the page keeps watching
LANGUAGES = [("en", "English"), ("es", "Spanish"), ("pt", "Portuguese"), ("pt-BR", "Portuguese (Brazil)"),
             ("fr", "French"), ("de", "German"), ("it", "Italian"), ("nl", "Dutch"), ("sv", "Swedish"),
             ("pl", "Polish"), ("tr", "Turkish"), ("ar", "Arabic"), ("hi", "Hindi"), ("ja", "Japanese"),
             ("ko", "Korean"), ("zh", "Chinese"), ("ru", "Russian"), ("uk", "Ukrainian"), ("sw", "Swahili"),
             ("yo", "Yoruba"), ("zxx", "No lyrics (instrumental)")]
TEXT_FIELDS = ("release_type", "title", "version", "label", "genre", "subgenre", "language", "price_tier",
               "p_owner", "c_owner")


@dataclass
class DeliveryRow:
    destination: str
    name: str
    label: str  # the state in words
    tone: str  # badge colour
    message: str  # the destination's last word, e.g. its reason for a rejection
    progress: int  # of the job working on it (0 when none)
    busy: bool


@dataclass
class ReleaseRow:
    id: str
    href: str
    title: str
    artists: str
    kind: str  # Single, EP, Album
    day: str  # "15"
    month: str  # "Jan 2027"
    weekday: str  # "Fri"
    when: str  # "upcoming", "past" or "undated"
    artwork_url: str
    tracks: str  # "3 tracks"
    deliveries: list[DeliveryRow] = field(default_factory=list)


@dataclass
class TrackItem:
    id: str
    position: int
    title: str
    version: str
    featured: str  # featured artists of this track, comma-separated
    isrc: str
    explicit: bool
    lyrics: str
    preview_start: str
    source: str  # the library track and master it is made from
    contributors: list[dict[str, str]] = field(default_factory=list)
    hints: list[dict[str, str]] = field(default_factory=list)  # store-style problems of its title


@dataclass
class MasterChoice:
    track_id: str
    title: str
    artist: str
    duration: str
    master_id: str  # the newest finished master ("" when it has none)
    master_label: str
    track_href: str


@dataclass
class EditorView:
    fields: dict[str, str] = field(default_factory=dict)  # release fields as the inputs show them
    artists: list[dict[str, str]] = field(default_factory=list)
    worldwide: bool = True
    territories: str = ""
    tracks: list[TrackItem] = field(default_factory=list)
    deliveries: list[DeliveryRow] = field(default_factory=list)
    destinations: list[str] = field(default_factory=list)
    title_hints: list[dict[str, str]] = field(default_factory=list)
    artwork_url: str = ""
    artwork_facts: str = ""
    artwork_findings: list[dict[str, str]] = field(default_factory=list)
    locked: str = ""  # why it cannot be changed now ("" while it is a draft)
    heading: str = ""
    busy: bool = False  # a destination has a job on it
    delivered: bool = False  # delivered or live somewhere: it can be taken down


EDITABLE_FIELDS = frozenset({*TEXT_FIELDS, "release_date", "original_release_date", "p_year", "c_year", "upc"})
TRACK_FIELDS = {"title": "title", "version": "version", "isrc": "isrc", "explicit": "explicit", "lyrics": "lyrics",
                "preview_start": "preview_start", "featured": "featured"}  # input name → TrackItem attribute
CODE_SETTINGS = ("isrc_country", "isrc_registrant", "gs1_prefix", "ddex_party_id", "ddex_party_name")


def track_change(name: str, value: Any) -> tracks.TrackIn:
    """One track input's new value as the track update it means."""
    if name == "featured":
        names = [n.strip() for n in str(value).split(",") if n.strip()]
        return tracks.TrackIn(artists=[{"name": n, "role": "featured"} for n in names])
    if name == "preview_start":
        text = str(value).strip().replace(",", ".") or "0"
        try:
            return tracks.TrackIn(preview_start_s=float(text))
        except ValueError as exc:
            raise InvalidInput("The preview start must be a number of seconds, like 45.") from exc
    if name == "explicit":
        return tracks.TrackIn(explicit=value is True)
    return tracks.TrackIn(**{name: str(value)})


def _deliveries(session: Session, release_id: uuid.UUID) -> list[DeliveryRow]:
    rows = lifecycle.deliveries_of(session=session, release_id=release_id)
    jobs = {j.id: j for j in session.exec(select(Job).where(col(Job.id).in_([d.job_id for d in rows if d.job_id])))}
    out = []
    for d in rows:
        state, job = S(d.state), jobs.get(d.job_id) if d.job_id else None
        dest = PROFILES.get(d.destination)
        out.append(DeliveryRow(destination=d.destination, name=dest.name if dest else d.destination,
                               label=lifecycle.STATE_WORDS[state], tone=TONES[state], message=d.state_message,
                               progress=job.progress if job and state in BUSY else 0, busy=state in BUSY))
    return out


def _artists(credits: list[dict[str, str]]) -> str:
    primary = [a["name"] for a in credits if a.get("role") == "primary"]
    featured = [a["name"] for a in credits if a.get("role") == "featured"]
    return ", ".join(primary) + (f" feat. {', '.join(featured)}" if featured else "") or "No artist yet"


def _cover_url(release: Release) -> str:
    if not release.artwork_key:
        return ""
    fmt = (release.artwork_format or "jpeg").lower()
    return media.media_url(owner_id=release.owner_id, key=release.artwork_key, filename=f"cover.{fmt}",
                           content_type="image/png" if fmt == "png" else "image/jpeg")


def release_rows(*, session: Session, actor: Actor, today: date | None = None) -> list[ReleaseRow]:
    """The calendar: upcoming releases soonest first, then those without a date, then past ones
    latest first."""
    today = today or datetime.now(UTC).date()
    counts: dict[uuid.UUID, int] = {}
    found = releases.list_releases(session=session, actor=actor)
    for track in session.exec(select(ReleaseTrack).where(col(ReleaseTrack.release_id).in_([r.id for r in found]))):
        counts[track.release_id] = counts.get(track.release_id, 0) + 1
    rows = []
    for r in found:
        d = r.release_date
        when = "undated" if d is None else "upcoming" if d >= today else "past"
        n = counts.get(r.id, 0)
        rows.append(ReleaseRow(
            id=str(r.id), href=routes.release_page(r.id), title=r.title + (f" ({r.version})" if r.version else ""),
            artists=_artists(r.artists), kind=TYPE_LABELS[ReleaseType(r.release_type)],
            day=f"{d.day}" if d else "–", month=d.strftime("%b %Y") if d else "No date", weekday=d.strftime("%a") if d
            else "", when=when, artwork_url=_cover_url(r), tracks=f"{n} track{'s' if n != 1 else ''}",
            deliveries=_deliveries(session, r.id)))
    dates = {str(r.id): r.release_date or today for r in found}
    upcoming = sorted((x for x in rows if x.when == "upcoming"), key=lambda x: dates[x.id])
    past = sorted((x for x in rows if x.when == "past"), key=lambda x: dates[x.id], reverse=True)
    return upcoming + [x for x in rows if x.when == "undated"] + past


def _hints(found: list[Finding]) -> list[dict[str, str]]:
    return [{"message": f.message, "fix": f.fix} for f in found]


def _track_item(session: Session, t: ReleaseTrack, position_where: str) -> TrackItem:
    master = session.get(Master, t.master_id) if t.master_id else None
    source = session.get(Track, master.track_id) if master else None
    made = f"{source.title} · {master.preset.replace('_', ' ').title()} master v{master.version}" \
        if master and source else "Its master was deleted: remove this track and add another."
    return TrackItem(id=str(t.id), position=t.position, title=t.title, version=t.version,
                     featured=", ".join(a["name"] for a in t.artists), isrc=codes.format_isrc(t.isrc) if t.isrc else "",
                     explicit=t.explicit, lyrics=t.lyrics, preview_start=f"{t.preview_start_s:g}", source=made,
                     contributors=[dict(c) for c in t.contributors],
                     hints=_hints(title_findings(t.title, t.version, t.artists, position_where)))


def editor_view(*, session: Session, actor: Actor, release_id: uuid.UUID) -> EditorView:
    """Everything the release editor shows (NotFound for another user's release)."""
    r = releases.get_release(session=session, actor=actor, release_id=release_id)
    session.refresh(r)
    text = {name: str(getattr(r, name) or "") for name in TEXT_FIELDS}
    text.update(release_date=r.release_date.isoformat() if r.release_date else "",
                original_release_date=r.original_release_date.isoformat() if r.original_release_date else "",
                p_year=str(r.p_year or ""), c_year=str(r.c_year or ""), upc=r.upc or "")
    facts = artwork.stored_facts(r)
    deliveries = _deliveries(session, r.id)
    rows = lifecycle.deliveries_of(session=session, release_id=r.id)
    busy = [d for d in rows if S(d.state) not in lifecycle.EDITABLE]
    locked = _lock_reason(busy[0]) if busy else ""
    return EditorView(
        fields=text, artists=[dict(a) for a in r.artists], worldwide=not r.territories,
        territories=", ".join(r.territories),
        tracks=[_track_item(session, t, f"tracks.{t.position}.") for t in releases.tracks_of(session=session,
                                                                                              release_id=r.id)],
        deliveries=deliveries, destinations=[d.destination for d in rows],
        title_hints=_hints(title_findings(r.title, r.version, r.artists, "")),
        artwork_url=_cover_url(r),
        artwork_facts=(f"{facts.width}×{facts.height} px · {facts.format} · {facts.mode} · "
                       f"{facts.size_bytes / 2**20:.1f} MB") if facts else "",
        artwork_findings=_hints(artwork.rule_findings(facts)) if facts else [],
        locked=locked, heading=r.title, busy=any(d.busy for d in deliveries),
        delivered=any(S(d.state) in (S.DELIVERED, S.LIVE) for d in rows))


def _lock_reason(d: Delivery) -> str:
    """Why the release cannot be changed while `d` is in its state, and what to do."""
    where = PROFILES[d.destination].name if d.destination in PROFILES else d.destination
    state = S(d.state)
    if state == S.TAKEN_DOWN:
        return (f"Taken down at {where}. A taken-down release stays as it was sent; to put this music out again, "
                "start a new release (its recordings keep their ISRCs).")
    if state in (S.SCHEDULED, S.DELIVERING, S.TAKEDOWN_REQUESTED):
        return f"{lifecycle.STATE_WORDS[state]} at {where}: wait for the answer below before changing anything."
    return f"{lifecycle.STATE_WORDS[state]} at {where}: its details can't change now. Take it down to change them."


def deliveries_view(*, session: Session, actor: Actor, release_id: uuid.UUID) -> list[DeliveryRow]:
    """The release's state at each destination, with the progress of the job working on it."""
    release = releases.get_release(session=session, actor=actor, release_id=release_id)
    return _deliveries(session, release.id)


def master_choices(*, session: Session, actor: Actor, limit: int = 200) -> list[MasterChoice]:
    """The user's processed library tracks, newest first, each with its newest finished master (a
    release track is made from a master; a track without one is shown with a link to master it)."""
    owner = actor.require_user()
    library = session.exec(select(Track).where(col(Track.owner_id) == owner, col(Track.status) == TrackStatus.READY)
                           .order_by(col(Track.created_at).desc()).limit(limit)).all()
    masters = session.exec(select(Master).where(col(Master.owner_id) == owner,
                                                col(Master.status) == MasterStatus.READY)
                           .order_by(col(Master.created_at).desc())).all()
    newest: dict[uuid.UUID, Master] = {}
    for made in masters:
        newest.setdefault(made.track_id, made)
    out = []
    for t in library:
        m = newest.get(t.id)
        out.append(MasterChoice(track_id=str(t.id), title=t.title, artist=t.artist or "", duration=clock(t.duration_s),
                                master_id=str(m.id) if m else "",
                                master_label=f"{m.preset.replace('_', ' ').title()} master v{m.version}" if m else "",
                                track_href=routes.track_page(t.id)))
    return sorted(out, key=lambda c: c.master_id == "")


def apply_style_fix(*, session: Session, actor: Actor, release_id: uuid.UUID,
                    track_id: uuid.UUID | None = None) -> None:
    """"Move it": apply the validator's own store-style suggestions for the release's title (or one
    track's): featured artists to their field, version text to the version field."""
    release = releases.get_release(session=session, actor=actor, release_id=release_id)
    change: dict[str, Any] = {}
    if track_id is None:
        for finding in title_findings(release.title, release.version, release.artists, ""):
            change.update(finding.suggestion or {})
        if not change:
            raise InvalidInput("The title already follows the store rules: nothing to move.")
        releases.update_release(session=session, actor=actor, release_id=release.id, data=releases.ReleaseIn(**change))
        return
    track = session.get(ReleaseTrack, track_id)
    if track is None or track.release_id != release.id:
        raise NotFound()
    for finding in title_findings(track.title, track.version, track.artists, ""):
        change.update(finding.suggestion or {})
    if not change:
        raise InvalidInput("This track's title already follows the store rules: nothing to move.")
    tracks.update_track(session=session, actor=actor, release_id=release.id, track_id=track.id,
                        data=tracks.TrackIn(**change))


@dataclass
class SmartLinkPanel:
    """The owner's view of a release's smart link."""

    slug: str = ""  # "" when the release has no smart link yet
    page: str = ""  # the public page's path
    links: dict[str, str] = field(default_factory=dict)  # every platform, "" when it has no link
    clicks: list[dict[str, str]] = field(default_factory=list)  # [{"label", "clicks"}] per platform
    total_clicks: int = 0
    fans_confirmed: int = 0
    fans_waiting: int = 0  # signed up, not confirmed yet
    csv_url: str = ""


def smart_link_panel(*, session: Session, actor: Actor, release_id: uuid.UUID) -> SmartLinkPanel:
    link = smartlinks.get_smart_link(session=session, actor=actor, release_id=release_id)
    clicks = smartlinks.click_counts(session=session, actor=actor, release_id=release_id)
    confirmed, waiting = fans.fan_counts(session=session, actor=actor, release_id=release_id)
    saved = link.links if link else {}
    return SmartLinkPanel(
        slug=link.slug if link else "", page=routes.smart_link_page(link.slug) if link else "",
        links={p.value: saved.get(p.value, "") for p in Platform},
        clicks=[{"label": smartlinks.LABELS[p], "clicks": str(clicks[p.value])} for p in Platform
                if p.value in saved or clicks[p.value]],
        total_clicks=sum(clicks.values()), fans_confirmed=confirmed, fans_waiting=waiting,
        csv_url=routes.V1_RELEASE_SMART_LINK_FANS.format(release_id=release_id))
