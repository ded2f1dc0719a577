"""Smart links: a release's public page (`/r/<slug>`) with its cover, one button per platform (each click
counted per platform and UTC day, then redirected), and fan sign-up with consent and double opt-in.

Fans belong to the artist who owns the release (one row per owner and email) and stay in this database;
the owner exports the confirmed ones as CSV. Confirm tokens are stored only as their sha256.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from maxbooster import routes
from maxbooster.models.base import utcnow
from maxbooster.models.releases import Platform, Release, SmartLink, SmartLinkClick, SmartLinkFan, SmartLinkSourceClick
from maxbooster.models.social import SocialNetwork
from maxbooster.services import audit, media
from maxbooster.services.access import get_owned
from maxbooster.services.accounts.common import hash_token, new_token, normalise_email
from maxbooster.services.actor import Actor
from maxbooster.services.email import render, send_email
from maxbooster.services.errors import ErrorCode, InvalidInput, NotFound, invalid
from maxbooster.services.releases import fans
from maxbooster.settings import get_settings

LABELS: dict[Platform, str] = {
    Platform.SPOTIFY: "Spotify", Platform.APPLE_MUSIC: "Apple Music", Platform.YOUTUBE_MUSIC: "YouTube Music",
    Platform.DEEZER: "Deezer", Platform.TIDAL: "TIDAL", Platform.AMAZON_MUSIC: "Amazon Music",
    Platform.BANDCAMP: "Bandcamp", Platform.SOUNDCLOUD: "SoundCloud",
}
CONSENT_TEXT = ("Email me about {artist}'s releases. I can unsubscribe at any time; my address is kept by the "
                "artist only and never shared.")
SIGNED_UP = "Almost done: check your inbox and click the link in our email to confirm."
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$")
MAX_URL = 500
CAMPAIGN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
OTHER_SOURCE = "other"  # clicks whose utm_source is not a network we post to
RESEND_AFTER = timedelta(minutes=10)  # a second sign-up of an unconfirmed fan re-sends the email, at most this often


@dataclass(frozen=True)
class SmartLinkIn:
    slug: str | None = None  # None keeps the current one (or makes one from the title)
    links: dict[str, str] = field(default_factory=dict)  # platform value -> https URL; "" removes it


@dataclass(frozen=True)
class PlatformLink:
    platform: str
    label: str
    href: str  # the counting redirect, not the platform's URL


@dataclass(frozen=True)
class PublicView:
    slug: str
    title: str
    artists: str
    artwork_url: str
    release_date: str
    presave: bool  # before the release date: fans can only sign up to be told
    links: list[PlatformLink]
    consent_text: str


def _artists(release: Release) -> str:
    names = [a.get("name", "") for a in release.artists if a.get("name")]
    return ", ".join(names) or "Unknown artist"


def check_url(platform: str, url: str) -> str:
    """An https URL with a host, no spaces, at most 500 characters; InvalidInput naming the platform else."""
    url = (url or "").strip()
    label = LABELS[Platform(platform)]
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in url):
        raise InvalidInput(f"The {label} link must be a full https:// address (up to {MAX_URL} characters), "
                           f"e.g. the one the Share button gives you.")
    return url


def check_links(links: dict[str, str]) -> dict[str, str]:
    """Known platforms only, each with a valid https URL; empty values are dropped."""
    unknown = sorted(set(links) - {p.value for p in Platform})
    if unknown:
        raise InvalidInput(f"Unknown platform {', '.join(unknown)}; use one of: {', '.join(Platform)}.")
    return {p.value: check_url(p, links[p.value]) for p in Platform if (links.get(p.value) or "").strip()}


def _new_slug(session: Session, title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-") or "release"
    while True:
        slug = f"{base}-{secrets.token_hex(3)}"
        if session.execute(select(col(SmartLink.id)).where(col(SmartLink.slug) == slug)).first() is None:
            return slug


def _check_slug(session: Session, slug: str, link_id: uuid.UUID | None) -> str:
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise InvalidInput("The link name takes 3 to 60 lower-case letters, digits and hyphens "
                           "(not at the start or end).")
    other = session.execute(select(col(SmartLink.id)).where(col(SmartLink.slug) == slug)).scalar_one_or_none()
    if other is not None and other != link_id:
        raise InvalidInput(f"The link name {slug!r} is taken; choose another.")
    return slug


def get_smart_link(*, session: Session, actor: Actor, release_id: uuid.UUID) -> SmartLink | None:
    """The release's smart link (None when it has none yet); NotFound for another user's release."""
    release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
    return session.execute(select(SmartLink).where(col(SmartLink.release_id) == release.id)).scalar_one_or_none()


def set_smart_link(*, session: Session, actor: Actor, release_id: uuid.UUID, data: SmartLinkIn) -> SmartLink:
    """Create or replace the release's smart link: its platform links, and its slug when given."""
    release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
    links = check_links(data.links)
    link = session.execute(select(SmartLink).where(col(SmartLink.release_id) == release.id)).scalar_one_or_none()
    if link is None:
        link = SmartLink(owner_id=release.owner_id, release_id=release.id, slug="")
    if data.slug is not None:
        link.slug = _check_slug(session, data.slug, link.id)
    elif not link.slug:
        link.slug = _new_slug(session, release.title)
    link.links, link.updated_at = links, utcnow()
    session.add(link)
    audit.record(session, actor, "releases.smart_link_set", target=f"releases:{release.id}",
                 details={"slug": link.slug, "platforms": sorted(links)})
    try:
        session.commit()
    except IntegrityError as exc:  # two owners took the same slug at once
        session.rollback()
        raise InvalidInput(f"The link name {link.slug!r} is taken; choose another.") from exc
    return link


def _by_slug(session: Session, slug: str) -> tuple[SmartLink, Release]:
    link = session.execute(select(SmartLink).where(col(SmartLink.slug) == (slug or "").lower())).scalar_one_or_none()
    release = session.get(Release, link.release_id) if link else None
    if link is None or release is None:
        raise NotFound()
    return link, release


def utm_url(*, session: Session, actor: Actor, release_id: uuid.UUID, source: str, campaign: str = "") -> str:
    """The release's public smart-link URL tagged for a social post: utm_source=<network>,
    utm_medium=social, utm_campaign=`campaign` (lower-case letters, digits, - and _) or the link's name.
    InvalidInput when the release has no smart link yet."""
    link = get_smart_link(session=session, actor=actor, release_id=release_id)
    if link is None:
        raise InvalidInput("This release has no smart link yet; set one up on the release before linking to it.")
    if source not in {n.value for n in SocialNetwork}:
        raise InvalidInput(f"Unknown network {source!r} for the link's utm_source.")
    campaign = (campaign or link.slug).strip().lower()
    if not CAMPAIGN.match(campaign):
        raise InvalidInput("A campaign name takes up to 60 lower-case letters, digits, - and _ (e.g. summer-tour).")
    query = urlencode({"utm_source": source, "utm_medium": "social", "utm_campaign": campaign})
    return f"{get_settings().app_url.rstrip('/')}{routes.smart_link_page(link.slug)}?{query}"


def click_source(utm_source: str | None) -> str:
    """The source a click is counted under: a network's name, "other" for any other utm_source, "" for none."""
    value = (utm_source or "").strip().lower()
    if not value:
        return ""
    return value if value in {n.value for n in SocialNetwork} else OTHER_SOURCE


def public_view(*, session: Session, slug: str, today: date | None = None, source: str = "") -> PublicView:
    """What anyone sees at `/r/<slug>` (NotFound for an unknown slug). With `source` (the page's
    utm_source) the buttons carry it, so their clicks are counted for that network too."""
    link, release = _by_slug(session, slug)
    today = today or utcnow().date()
    art = ""
    if release.artwork_key:
        art = media.media_url(owner_id=release.owner_id, key=release.artwork_key, filename="cover",
                              content_type=f"image/{(release.artwork_format or 'jpeg').lower()}",
                              expires_s=media.PAGE_TTL_S, public=True)
    tag = click_source(source)
    buttons = [PlatformLink(p.value, LABELS[p], routes.smart_link_go(link.slug, p.value)
                            + (f"?{urlencode({'utm_source': tag})}" if tag else ""))
               for p in Platform if p.value in link.links]
    artists = _artists(release)
    return PublicView(slug=link.slug, title=release.title, artists=artists, artwork_url=art,
                      release_date=release.release_date.isoformat() if release.release_date else "",
                      presave=release.release_date is not None and release.release_date > today,
                      links=buttons, consent_text=CONSENT_TEXT.format(artist=artists))


def record_click(*, session: Session, slug: str, platform: str, source: str = "") -> str:
    """Count one click on `platform` today (and for `source`, the visitor's utm_source, when given) and
    return the platform's URL (NotFound for an unknown slug, platform, or a platform the link does not
    have). One atomic UPDATE per counter; the day's first click inserts."""
    if platform not in {p.value for p in Platform}:
        raise NotFound()
    link, _ = _by_slug(session, slug)
    url = link.links.get(platform)
    if not url:
        raise NotFound()
    day = utcnow().date()
    key = (col(SmartLinkClick.smart_link_id) == link.id, col(SmartLinkClick.platform) == platform,
           col(SmartLinkClick.day) == day)
    bump = update(SmartLinkClick).where(*key).values(clicks=SmartLinkClick.clicks + 1)
    if session.execute(bump).rowcount == 0:  # type: ignore[attr-defined]
        try:
            with session.begin_nested():
                session.add(SmartLinkClick(smart_link_id=link.id, platform=platform, day=day, clicks=1))
        except IntegrityError:  # another request inserted the day's row first
            session.execute(bump)
    tag = click_source(source)
    if tag:
        _bump_source(session, link.id, tag, day)
    session.commit()
    return url


def _bump_source(session: Session, link_id: uuid.UUID, source: str, day: date) -> None:
    row = SmartLinkSourceClick
    key = (col(row.smart_link_id) == link_id, col(row.source) == source, col(row.day) == day)
    bump = update(row).where(*key).values(clicks=row.clicks + 1)
    if session.execute(bump).rowcount == 0:  # type: ignore[attr-defined]
        try:
            with session.begin_nested():
                session.add(row(smart_link_id=link_id, source=source, day=day, clicks=1))
        except IntegrityError:
            session.execute(bump)


def clicks_by_source(*, session: Session, actor: Actor, release_id: uuid.UUID, since: date | None = None,
                     until: date | None = None) -> dict[str, int]:
    """Clicks on the release's smart-link buttons per source (each network, "other"; 0 when none), on
    UTC days in [since, until]: how many listeners each network's posts sent to the platforms."""
    link = get_smart_link(session=session, actor=actor, release_id=release_id)
    counts = {n.value: 0 for n in SocialNetwork} | {OTHER_SOURCE: 0}
    if link is not None:
        row = SmartLinkSourceClick
        query = select(col(row.source), func.sum(row.clicks)).where(col(row.smart_link_id) == link.id)
        if since is not None:
            query = query.where(col(row.day) >= since)
        if until is not None:
            query = query.where(col(row.day) <= until)
        counts.update({s: int(n) for s, n in session.execute(query.group_by(col(row.source)))})
    return counts


def click_counts(*, session: Session, actor: Actor, release_id: uuid.UUID) -> dict[str, int]:
    """Total clicks per platform of the release's smart link (every platform present, 0 when none)."""
    link = get_smart_link(session=session, actor=actor, release_id=release_id)
    counts = {p.value: 0 for p in Platform}
    if link is not None:
        rows = session.execute(select(col(SmartLinkClick.platform), func.sum(SmartLinkClick.clicks))
                               .where(col(SmartLinkClick.smart_link_id) == link.id)
                               .group_by(col(SmartLinkClick.platform)))
        counts.update({p: int(n) for p, n in rows})
    return counts


def _confirm_url(raw: str) -> str:
    return get_settings().api_url.rstrip("/") + routes.V1_SMART_LINK_CONFIRM.format(token=raw)


def sign_up_fan(*, session: Session, actor: Actor, slug: str, email: str, consent: bool) -> SmartLinkFan:
    """Store an unconfirmed fan of the release's owner and email them a confirm link (double opt-in).
    Signing up again does not duplicate: a confirmed fan stays as is, an unconfirmed one gets a new link
    (at most every 10 minutes)."""
    address = normalise_email(email)  # InvalidInput(invalid_email): "Enter a valid email address."
    if not consent:
        raise InvalidInput("Tick the box to agree to receive emails; we only write to you if you agree.")
    link, release = _by_slug(session, slug)
    fan = session.execute(select(SmartLinkFan).where(col(SmartLinkFan.owner_id) == link.owner_id,
                                                     col(SmartLinkFan.email) == address)).scalar_one_or_none()
    now = utcnow()
    if fan is not None and (fan.confirmed_at is not None or now - fan.consented_at < RESEND_AFTER):
        return fan
    text = CONSENT_TEXT.format(artist=_artists(release))
    if fan is None:
        fan = SmartLinkFan(owner_id=link.owner_id, release_id=release.id, email=address, consent_text=text)
    raw = new_token()
    fan.token_hash, fan.consent_text, fan.consented_at = hash_token(raw), text, now
    session.add(fan)
    audit.record(session, actor, "releases.fan_signed_up", target=f"releases:{release.id}")
    try:
        session.flush()
    except IntegrityError:  # the same address signed up at the same moment: one row is enough
        session.rollback()
        return sign_up_fan(session=session, actor=actor, slug=slug, email=email, consent=consent)
    send_email(session=session, message=render(  # the outbox commits the fan with the message
        "smart_link_confirm", to=address, artist=_artists(release), title=release.title, link=_confirm_url(raw),
        unsubscribe=fans.unsubscribe_url(fan.id)))
    session.commit()
    return fan


def confirm_fan(*, session: Session, actor: Actor, token: str) -> str:
    """Confirm a fan by the emailed token (works once) and return the slug of the page they signed up on."""
    fan = session.execute(select(SmartLinkFan).where(
        col(SmartLinkFan.token_hash) == hash_token(token or ""))).scalar_one_or_none()
    if not token or fan is None or fan.confirmed_at is not None:
        raise invalid(ErrorCode.INVALID_TOKEN)
    fan.confirmed_at, fan.token_hash = utcnow(), None
    audit.record(session, actor, "releases.fan_confirmed", target=f"smart_link_fans:{fan.id}")
    session.commit()
    link = session.execute(select(SmartLink).where(col(SmartLink.release_id) == fan.release_id)).scalar_one_or_none()
    return link.slug if link else ""


def fans_csv(*, session: Session, actor: Actor, release_id: uuid.UUID | None = None) -> str:
    """The acting artist's confirmed fans (those who signed up on `release_id`, or all) as CSV: email,
    consent words, consented and confirmed (UTC ISO). NotFound for another user's release."""
    stmt = select(SmartLinkFan).where(col(SmartLinkFan.owner_id) == actor.require_user(),
                                      col(SmartLinkFan.confirmed_at).is_not(None))
    if release_id is not None:
        release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
        stmt = stmt.where(col(SmartLinkFan.release_id) == release.id)
    rows = session.execute(stmt.order_by(col(SmartLinkFan.confirmed_at))).scalars()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "consent_text", "consented_at", "confirmed_at"])
    for fan in rows:
        writer.writerow([_cell(fan.email), _cell(fan.consent_text), _iso(fan.consented_at), _iso(fan.confirmed_at)])
    return out.getvalue()


def _iso(at: datetime | None) -> str:
    return at.isoformat() if at else ""


def _cell(text: str) -> str:
    """No spreadsheet formulas from fan-supplied text (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
