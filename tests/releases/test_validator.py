"""The pre-flight validator: a complete release has no errors; each problem a store would reject is
one finding in plain words with its fix (and, for style rules, the change that fixes it); artwork
that is no usable picture (not an image, a PNG bomb) is refused at upload and nothing is kept."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from sqlmodel import Session

from maxbooster.models.releases import Delivery, DeliveryState, Release
from maxbooster.services.errors import InvalidInput
from maxbooster.services.releases import artwork, releases, tracks, validator
from maxbooster.services.releases.findings import Severity
from maxbooster.services.storage import get_storage
from tests.releases.support import complete_release, image_bytes, in_days, make_master
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env


def _codes(report: validator.Report, severity: Severity | None = None) -> set[str]:
    return {f.code for f in report.findings if severity is None or f.severity == severity}


def _check(session: Session, user: object, release: Release) -> validator.Report:
    return validator.preflight(session=session, actor=actor_for(user), release_id=release.id)  # type: ignore[arg-type]


def _facts(tmp_path: Path, data: bytes) -> tuple[artwork.ArtworkFacts | None, set[str]]:
    path = tmp_path / "cover"
    path.write_bytes(data)
    facts, findings = artwork.measure(path)
    return facts, {f.code for f in findings}


def test_a_complete_release_has_no_errors_and_becomes_validated(session: Session, acct_env: object) -> None:
    user = make_user(session)
    release = complete_release(session, user, n_tracks=2, release_type="ep")
    report = validator.validate_release(session=session, actor=actor_for(user), release_id=release.id)
    assert report.ok, [f.message for f in report.findings]
    # the only warnings: no DDEX party id of one's own
    assert _codes(report) == {"ddex_party_id.missing"}
    assert session.get(Delivery, releases.deliveries(session=session, actor=actor_for(user),
                                                     release_id=release.id)[0].id).state == DeliveryState.VALIDATED


def test_titles_with_feat_or_version_text_are_errors_with_the_fix(session: Session, acct_env: object) -> None:
    user = make_user(session)
    release = complete_release(session, user, title="Night Drive (feat. Kim Lee & Jo)")
    report = _check(session, user, release)
    feat = next(f for f in report.findings if f.code == "title.featured_artist")
    assert feat.severity == Severity.ERROR and feat.field == "title"
    assert feat.message == ("The title “Night Drive (feat. Kim Lee & Jo)” names a featured artist; stores refuse "
                            "“feat.” in the title field.")
    assert feat.suggestion == {"title": "Night Drive", "artists": [
        {"name": "Ava North", "role": "primary"}, {"name": "Kim Lee", "role": "featured"},
        {"name": "Jo", "role": "featured"}]}
    # applying the offered change clears it
    releases.update_release(session=session, actor=actor_for(user), release_id=release.id,
                            data=releases.ReleaseIn(**feat.suggestion))
    assert "title.featured_artist" not in _codes(_check(session, user, release))
    track = releases.tracks_of(session=session, release_id=release.id)[0]
    tracks.update_track(session=session, actor=actor_for(user), release_id=release.id, track_id=track.id,
                        data=tracks.TrackIn(title="Track 1 - Radio Edit"))
    version = next(f for f in _check(session, user, release).findings if f.code == "title.version_text")
    assert version.field == "tracks.1.title" and version.suggestion == {"title": "Track 1", "version": "Radio Edit"}


def test_missing_metadata_each_has_its_finding(session: Session, acct_env: object) -> None:
    user = make_user(session)
    release = releases.create_release(session=session, actor=actor_for(user), data=releases.ReleaseIn(title="Bare"))
    errors = _codes(_check(session, user, release), Severity.ERROR)
    assert {"artists.no_primary", "label.missing", "genre.missing", "p_owner.missing", "c_owner.missing",
            "artwork.missing", "tracks.none", "release_date.missing", "upc.missing"} <= errors


def test_release_date_in_the_past_is_refused_and_close_dates_warned(session: Session, acct_env: object) -> None:
    user = make_user(session)
    release = complete_release(session, user, release_date=in_days(-1))
    past = next(f for f in _check(session, user, release).findings if f.code == "release_date.past")
    assert past.severity == Severity.ERROR and "is in the past" in past.message
    with pytest.raises(InvalidInput, match="problem"):
        from maxbooster.services.releases import delivery

        delivery.submit_release(session=session, actor=actor_for(user), release_id=release.id)
    releases.update_release(session=session, actor=actor_for(user), release_id=release.id,
                            data=releases.ReleaseIn(release_date=in_days(5)))
    soon = next(f for f in _check(session, user, release).findings if f.code == "release_date.soon")
    assert soon.severity == Severity.WARNING and "5 day(s) away" in soon.message and "14 days" in soon.message


def test_codes_missing_and_duplicate_isrcs(session: Session, acct_env: object) -> None:
    user = make_user(session)
    release = complete_release(session, user, n_tracks=2, release_type="ep")
    first, second = releases.tracks_of(session=session, release_id=release.id)
    tracks.update_track(session=session, actor=actor_for(user), release_id=release.id, track_id=second.id,
                        data=tracks.TrackIn(master_id=first.master_id))  # the same recording twice
    tracks.allocate_codes(session=session, actor=actor_for(user), release_id=release.id)
    findings = {f.code: f for f in _check(session, user, release).findings}
    assert "isrc.duplicate" in findings and findings["isrc.duplicate"].field == "tracks.2.isrc"
    tracks.update_track(session=session, actor=actor_for(user), release_id=release.id, track_id=second.id,
                        data=tracks.TrackIn(isrc=""))
    releases.update_release(session=session, actor=actor_for(user), release_id=release.id,
                            data=releases.ReleaseIn(upc=""))
    assert {"isrc.missing", "upc.missing"} <= _codes(_check(session, user, release), Severity.ERROR)


def test_audio_is_checked_with_the_engines_readiness_check(session: Session, acct_env: object) -> None:
    user = make_user(session)
    release = complete_release(session, user)
    poor = make_master(session, user, seed=5, seconds=12.0, rate=22050, channels=1)
    track = releases.tracks_of(session=session, release_id=release.id)[0]
    tracks.update_track(session=session, actor=actor_for(user), release_id=release.id, track_id=track.id,
                        data=tracks.TrackIn(master_id=poor.id))
    findings = {f.code: f for f in _check(session, user, release).findings}
    assert findings["audio.sample_rate"].severity == Severity.ERROR
    assert findings["audio.sample_rate"].message == "Track 1: Sample rate is 22050 Hz."
    assert findings["audio.sample_rate"].fix == "Export at 44.1 kHz or higher from the original session."
    assert findings["audio.channels"].severity == Severity.WARNING
    assert findings["audio.duration"].severity == Severity.WARNING


def test_splits_hook_has_nothing_to_check_yet(session: Session, acct_env: object) -> None:
    user = make_user(session)
    release = complete_release(session, user)
    tracks_now = releases.tracks_of(session=session, release_id=release.id)
    assert validator.split_findings(session=session, release=release, tracks=tracks_now) == []


# --- artwork ------------------------------------------------------------------------------------------

def _png_bomb(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height 8-bit grey pixels with a tiny zlib stream of zeros."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = zlib.compress(b"\0" * (width + 1) * 64, 9)  # the first 64 rows; a decoder would expand far more
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


@pytest.mark.parametrize(("data", "code"), [
    (b"%PDF-1.7 this is not a picture" * 20, "artwork.not_an_image"),
    (_png_bomb(50_000, 50_000), "artwork.too_many_pixels"),
    (image_bytes((3000, 3000), "CMYK"), "artwork.cmyk"),
    (image_bytes((2999, 2999)), "artwork.too_small"),
    (image_bytes((3000, 2000)), "artwork.not_square"),
    (image_bytes((3000, 3000), "L", "PNG"), "artwork.colour_mode"),
    (image_bytes((3000, 3000), "RGB", "GIF"), "artwork.format"),
])
def test_each_artwork_problem_is_found(tmp_path: Path, data: bytes, code: str) -> None:
    facts, codes_found = _facts(tmp_path, data)
    assert code in codes_found
    if code == "artwork.too_small":
        assert codes_found == {"artwork.too_small"}


def test_a_real_png_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (7000, 7000)).save(buf, format="PNG", optimize=True)  # 49 Mpx of zeros in a few KB
    assert len(buf.getvalue()) < 100_000
    facts, found = _facts(tmp_path, buf.getvalue())
    assert facts is None and found == {"artwork.too_many_pixels"}


def test_a_truncated_or_oversized_file_is_found(tmp_path: Path) -> None:
    good = image_bytes()
    assert _facts(tmp_path, good) [1] == set()
    assert "artwork.broken" in _facts(tmp_path, good[: len(good) // 2])[1]
    assert _facts(tmp_path, b"\xff" * (artwork.MAX_BYTES + 1))[1] == {"artwork.too_large"}


def test_an_unusable_upload_is_refused_and_changes_nothing(session: Session, acct_env: object) -> None:
    user = make_user(session)
    release = complete_release(session, user)
    before = (release.artwork_key, release.artwork_sha256, release.updated_at)
    files_before = sorted(p.name for p in Path(get_storage().root).rglob("*") if p.is_file())  # type: ignore[attr-defined]
    for data, says in ((b"GIF89a not really", "not a picture we can read"),
                       (_png_bomb(50_000, 50_000), "far too many pixels")):
        with pytest.raises(InvalidInput, match=says):
            artwork.upload_artwork(session=session, actor=actor_for(user), release_id=release.id, chunks=[data])
    session.expire_all()
    kept = session.get(Release, release.id)
    assert kept is not None and (kept.artwork_key, kept.artwork_sha256, kept.updated_at) == before
    assert sorted(p.name for p in Path(get_storage().root).rglob("*") if p.is_file()) == files_before  # type: ignore[attr-defined]


def test_a_cmyk_cover_is_kept_but_blocks_submission_until_replaced(session: Session, acct_env: object) -> None:
    user = make_user(session)
    release = complete_release(session, user)
    _, findings = artwork.upload_artwork(session=session, actor=actor_for(user), release_id=release.id,
                                         chunks=[image_bytes((3000, 3000), "CMYK")])
    assert [f.code for f in findings] == ["artwork.cmyk"]
    assert "artwork.cmyk" in _codes(_check(session, user, release), Severity.ERROR)
    artwork.upload_artwork(session=session, actor=actor_for(user), release_id=release.id, chunks=[image_bytes()])
    assert _check(session, user, release).ok
