"""The pre-flight validator: everything a store would reject, found before submission and explained.

Covers metadata completeness and store style rules (no "feat." or version text in titles: the
finding carries the change that moves it to its own field), artwork (store rules on the measured
picture), audio (the engine's readiness check on each chosen master), codes (UPC, ISRCs, DDEX party
id), the release date per destination (in the past: refused; closer than the destination's lead
time: warned) and royalty splits (hook: the royalties feature plugs in here).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from maxbooster.models.mastering import Master, MasterStatus
from maxbooster.models.releases import DeliveryState, Release, ReleaseTrack, ReleaseType
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.releases import artwork, codes, lifecycle
from maxbooster.services.releases.findings import Finding, Severity, error, warning
from maxbooster.services.releases.providers import profile
from maxbooster.services.releases.releases import tracks_of
from maxbooster.services.royalties import splits
from maxbooster.services.storage import get_storage

_FEAT_BRACKETED = re.compile(r"\s*[(\[]\s*(?:feat\.?|ft\.?|featuring|with)\s+(?P<who>[^)\]]+)[)\]]", re.I)
_FEAT_TRAILING = re.compile(r"\s+(?:feat\.?|ft\.?|featuring)\s+(?P<who>.+)$", re.I)
_VERSION_WORDS = (r"remix|mix|edit|version|remaster(?:ed)?|live|acoustic|instrumental|radio|extended|demo|mono|"
                  r"stereo|deluxe|a\s?cappella|re-?recorded|sped up|slowed")
_VERSION_BRACKETED = re.compile(rf"\s*[(\[](?P<v>[^)\]]*\b(?:{_VERSION_WORDS})\b[^)\]]*)[)\]]", re.I)
_VERSION_DASHED = re.compile(rf"\s+-\s+(?P<v>[^-]*\b(?:{_VERSION_WORDS})\b.*)$", re.I)
_SPLIT_NAMES = re.compile(r"\s*(?:,|&|\band\b|\bx\b)\s*", re.I)
# tracks that fit each release type (the common store rule; longer EPs/singles count as albums)
TRACKS_FOR_TYPE = {ReleaseType.SINGLE: (1, 3), ReleaseType.EP: (2, 6), ReleaseType.ALBUM: (5, 100)}
_AUDIO_LABELS = {"container": "File type", "bit_depth": "Bit depth", "sample_rate": "Sample rate",
                 "channels": "Channels", "duration": "Length", "edge_silence": "Silence at the edges",
                 "clipping": "Clipping", "true_peak": "True peak", "loudness": "Loudness"}


@dataclass(frozen=True)
class Report:
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not any(f.severity == Severity.ERROR for f in self.findings)


def title_findings(title: str, version: str, credits: list[dict[str, str]], where: str) -> list[Finding]:
    """Store style: featured artists and version text have their own fields, never the title."""
    out: list[Finding] = []
    feat = _FEAT_BRACKETED.search(title) or _FEAT_TRAILING.search(title)
    if feat:
        names = [n for n in _SPLIT_NAMES.split(feat.group("who").strip()) if n]
        known = {c["name"].lower() for c in credits}
        added = credits + [{"name": n, "role": "featured"} for n in names if n.lower() not in known]
        clean = (title[:feat.start()] + title[feat.end():]).strip()
        out.append(error("title.featured_artist", f"{where}title", f"The title “{title}” names a featured artist; "
                         "stores refuse “feat.” in the title field.",
                         f"Title it “{clean}” and list {', '.join(names)} as featured artist(s).",
                         {"title": clean, "artists": added}))
        title = clean
    ver = _VERSION_BRACKETED.search(title) or _VERSION_DASHED.search(title)
    if ver:
        clean = (title[:ver.start()] + title[ver.end():]).strip()
        text = ver.group("v").strip()
        suggestion: dict[str, Any] = {"title": clean, **({} if version else {"version": text})}
        out.append(error("title.version_text", f"{where}title", f"The title “{title}” holds version text "
                         f"(“{text}”); stores want it in the version field.",
                         f"Title it “{clean}” and put “{text}” in the version field.", suggestion))
    return out


def _metadata(release: Release, tracks: list[ReleaseTrack]) -> list[Finding]:
    out = title_findings(release.title, release.version, release.artists, "")
    if not any(a["role"] == "primary" for a in release.artists):
        out.append(error("artists.no_primary", "artists", "The release has no primary artist.",
                         "Add the main artist's name with the role primary."))
    first = next((a["name"] for a in release.artists if a["role"] == "primary"), "")
    if not release.label:
        out.append(error("label.missing", "label", "The release has no label.", "Enter your label; self-released "
                         "artists usually put their artist name.", {"label": first} if first else None))
    if not release.genre:
        out.append(error("genre.missing", "genre", "The release has no genre.",
                         "Choose the genre stores list it under."))
    year = release.release_date.year if release.release_date else datetime.now(UTC).year
    owner = release.label or first
    for sign, field_year, field_owner in (("℗", "p_year", "p_owner"), ("©", "c_year", "c_owner")):
        if not getattr(release, field_year) or not getattr(release, field_owner):
            out.append(error(f"{field_owner}.missing", field_owner, f"The {sign} line (year and owner) is missing.",
                             f"Enter the year and who owns the {'recordings' if sign == '℗' else 'artwork and text'}.",
                             {field_year: year, field_owner: owner} if owner else None))
    if release.original_release_date and release.release_date and release.original_release_date > release.release_date:
        out.append(error("original_release_date.after", "original_release_date", "The original release date is after "
                         "the release date.", "Use the date the music first came out, or leave it empty."))
    low, high = TRACKS_FOR_TYPE[ReleaseType(release.release_type)]
    if tracks and not low <= len(tracks) <= high:
        fitting = next(t for t, (lo, hi) in TRACKS_FOR_TYPE.items() if lo <= len(tracks) <= hi)
        out.append(warning("release_type.track_count", "release_type", f"A {release.release_type} with "
                           f"{len(tracks)} tracks is unusual; stores may list it as {fitting.value}.",
                           f"Make it {'an' if fitting == ReleaseType.EP else 'a'} {fitting.value}, or change "
                           "the tracks.",
                           {"release_type": fitting.value}))
    return out


def _tracks(session: Session, release: Release, tracks: list[ReleaseTrack], audio_format: str) -> list[Finding]:
    if not tracks:
        return [error("tracks.none", "tracks", "The release has no tracks.",
                      "Add at least one master from your library.")]
    out: list[Finding] = []
    seen: dict[str, int] = {}
    for track in tracks:
        where = f"tracks.{track.position}."
        out += title_findings(track.title, track.version, track.artists, where)
        if track.isrc and track.isrc in seen:
            out.append(error("isrc.duplicate", f"{where}isrc", f"Tracks {seen[track.isrc]} and {track.position} have "
                             f"the same ISRC {codes.format_isrc(track.isrc)}.",
                             "Each track needs its own recording and ISRC."))
        elif track.isrc:
            seen[track.isrc] = track.position
        else:
            out.append(error("isrc.missing", f"{where}isrc", f"Track {track.position} has no ISRC.",
                             "Allocate codes (from your ISRC prefix) or type in the ISRC it already has."))
        if not any(c["role"] == "composer" for c in track.contributors):
            out.append(warning("contributors.no_composer", f"{where}contributors", f"Track {track.position} names no "
                               "composer.", "Add who wrote the music; stores and collecting societies ask for it."))
        out += _audio(session, track, where, audio_format)
    return out


def _audio(session: Session, track: ReleaseTrack, where: str, audio_format: str) -> list[Finding]:
    """The engine's readiness check on the master's file as it would be delivered."""
    master = session.get(Master, track.master_id) if track.master_id else None
    if master is None or master.status != MasterStatus.READY:
        return [error("audio.missing", f"{where}master", f"Track {track.position} has no finished master (it was "
                      "deleted or is still being made).", "Choose a finished master for the track.")]
    report = readiness(master, audio_format)
    out: list[Finding] = []
    for item in report.items:
        if item.status == "pass":
            continue
        make = error if item.status == "fail" else warning
        out.append(make(f"audio.{item.id}", f"{where}audio", f"Track {track.position}: "
                        f"{_AUDIO_LABELS.get(item.id, item.id)} is {item.measured}.", item.fix))
    duration = float(master.report.get("after", {}).get("duration_s") or 0) or None
    if duration and track.preview_start_s + 30 > duration:
        out.append(warning("preview.late", f"{where}preview_start_s", f"Track {track.position}'s preview starts at "
                           f"{track.preview_start_s:.0f} s, too late for a 30 s preview.", "Start the preview earlier.",
                           {"preview_start_s": max(0.0, round(duration - 30, 1))}))
    return out


def readiness(master: Master, audio_format: str) -> Any:
    """audio.check's report on the master file that would be delivered (the measured analysis of the
    master when it has one, else measured now)."""
    from audio.analysis import Analysis
    from audio.check import check, evaluate
    from audio.io import probe

    key = master.files.get(audio_format) or master.files.get("wav24")
    if not key:
        from audio.check import CheckItem, ReadinessReport

        return ReadinessReport("", (CheckItem("container", "fail", "no lossless file", "Master the track again."),))
    with get_storage().local_path(key) as path:
        after = master.report.get("after") if isinstance(master.report, dict) else None
        try:
            return evaluate(path, probe(path), Analysis.from_dict(after)) if after else check(path, untrusted=False)
        except (KeyError, TypeError, ValueError):
            return check(path, untrusted=False)


def _dates(release: Release, destinations: list[str]) -> list[Finding]:
    if release.release_date is None:
        return [error("release_date.missing", "release_date", "The release has no release date.",
                      "Choose the day it goes on sale (at least two weeks ahead gives stores time).")]
    today = datetime.now(UTC).date()
    days = (release.release_date - today).days
    if days < 0:
        return [error("release_date.past", "release_date", f"The release date {release.release_date} is in the past.",
                      "Choose a date from today on; for music that came out before, also fill in the original "
                      "release date.")]
    out = []
    for key in destinations:
        dest = profile(key)
        if days < dest.lead_days:
            out.append(warning("release_date.soon", "release_date", f"{release.release_date} is {days} day(s) away; "
                               f"{dest.name} asks for {dest.lead_days} days to list a release on time.",
                               f"Move the date to {dest.lead_days} days from now or later for pre-saves and editorial "
                               "pitching."))
    return out


def _codes(session: Session, release: Release, destinations: list[str]) -> list[Finding]:
    out = []
    if not release.upc:
        out.append(error("upc.missing", "upc", "The release has no UPC/EAN.",
                         "Allocate codes (from your GS1 company prefix) or type in the UPC you have."))
    settings = codes.get_settings_row(session=session, owner_id=release.owner_id)
    if not settings.ddex_party_id:
        strict = [profile(k).name for k in destinations if profile(k).requires_dpid]
        make = error if strict else warning
        out.append(make("ddex_party_id.missing", "ddex_party_id", "You have no DDEX party id (DPID); messages go out "
                        "as test messages under a local id." + (f" {', '.join(strict)} needs yours." if strict else ""),
                        "Get a DPID from DDEX (free) and enter it under code settings."))
    return out


def split_findings(*, session: Session, release: Release, tracks: list[ReleaseTrack]) -> list[Finding]:
    """Royalty splits of each track must add up to exactly 100 % (a track without a split pays its
    owner everything, which is fine)."""
    out: list[Finding] = []
    for track in tracks:
        split = splits.split_for_track(session=session, release_track_id=track.id)
        if split is None:
            continue
        total = sum(s.share_bps for s in splits.shares_of(session=session, split_id=split.id))
        if total != 10_000:
            out.append(error("splits.total", f"tracks.{track.position}.split",
                             f"The royalty split of track {track.position} (“{track.title}”) adds up to "
                             f"{splits.percent(total)} %, not 100 %.",
                             "Change the shares so that they add up to exactly 100 %."))
    return out


def _artwork(release: Release) -> list[Finding]:
    facts = artwork.stored_facts(release)
    if facts is None:
        return [error("artwork.missing", "artwork", "The release has no cover art.",
                      "Upload a square JPEG or PNG of at least 3000×3000 pixels.")]
    return artwork.rule_findings(facts)


def preflight(*, session: Session, actor: Actor, release_id: uuid.UUID) -> Report:
    """Every finding for the release (errors first), without changing anything."""
    release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
    tracks = tracks_of(session=session, release_id=release.id)
    destinations = [d.destination for d in lifecycle.deliveries_of(session=session, release_id=release.id)]
    audio_format = profile(destinations[0]).audio_format if destinations else "flac"
    findings = (_metadata(release, tracks) + _artwork(release) + _tracks(session, release, tracks, audio_format)
                + _dates(release, destinations) + _codes(session, release, destinations)
                + split_findings(session=session, release=release, tracks=tracks))
    if not destinations:
        findings.append(error("destinations.none", "destinations", "The release goes nowhere.",
                              "Choose at least one destination."))
    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    return Report(sorted(findings, key=lambda f: order[f.severity]))


def validate_release(*, session: Session, actor: Actor, release_id: uuid.UUID) -> Report:
    """Pre-flight; when nothing is an error, its draft deliveries become validated (audited)."""
    report = preflight(session=session, actor=actor, release_id=release_id)
    if report.ok:
        for delivery in lifecycle.deliveries_of(session=session, release_id=release_id):
            if delivery.state == DeliveryState.DRAFT:
                lifecycle.transition(session=session, actor=actor, delivery=delivery, to=DeliveryState.VALIDATED,
                                     message=f"{sum(1 for f in report.findings)} warning(s).")
        session.commit()
    return report
