"""Release test helpers: finished masters with real audio files in storage (no mastering job: the
release tests are about releases), cover art made with Pillow, a complete release, the ERN schema."""

from __future__ import annotations

import io
import os
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.mastering import Master, MasterStatus
from maxbooster.models.releases import Release
from maxbooster.services.releases import artwork, codes, releases, tracks
from maxbooster.services.storage import get_storage
from tests.audio.signals import make_music
from tests.conftest import REQUIRE_SERVICES
from tests.support.accounts import actor_for

RATE = 44100
ROOT = Path(__file__).resolve().parents[2]


@lru_cache(maxsize=32)
def master_audio(seed: int, seconds: float = 31.0, rate: int = RATE, channels: int = 2) -> tuple[bytes, bytes, dict]:
    """(24-bit FLAC, 24-bit WAV, analysis) of music-like audio at about −16 LUFS: a master that passes
    the engine's readiness check (stereo, 44.1 kHz, ≥ 30 s, true peak under −1 dBTP)."""
    from audio.analysis import analyze

    x = make_music(seconds, rate, seed=seed)[:channels]
    measured = analyze(x, rate)
    gain_db = min(-16.0 - measured.integrated_lufs, -2.0 - measured.true_peak_dbtp)  # and 2 dB under 0 dBTP
    x = (x * 10 ** (gain_db / 20)).astype(np.float32)
    files = []
    for fmt in ("FLAC", "WAV"):
        buf = io.BytesIO()
        sf.write(buf, x.T, rate, format=fmt, subtype="PCM_24")
        files.append(buf.getvalue())
    return files[0], files[1], analyze(x, rate).to_dict()


def make_master(session: Session, user: User, *, seed: int = 1, title: str = "Song", seconds: float = 31.0,
                rate: int = RATE, channels: int = 2) -> Master:
    """A library track and a finished master of it, with its FLAC and WAV in storage."""
    flac, wav, after = master_audio(seed % 3, seconds, rate, channels)  # few distinct files: fast
    track = Track(owner_id=user.id, title=title, original_name=f"{title}.wav", status=TrackStatus.READY,
                  sha256=uuid.uuid4().hex, size_bytes=len(wav), format="wav", subtype="PCM_24", sample_rate=rate,
                  channels=channels, duration_s=seconds, original_key=f"{user.id}/{uuid.uuid4().hex}")
    session.add(track)
    session.flush()
    store, prefix = get_storage(), f"{user.id}/{track.id}/masters/m{seed}/"
    keys = {"flac": prefix + "master.flac", "wav24": prefix + "master-24bit.wav"}
    store.write(keys["flac"], [flac], max_bytes=len(flac))
    store.write(keys["wav24"], [wav], max_bytes=len(wav))
    master = Master(owner_id=user.id, track_id=track.id, version=1, preset="spotify", target_lufs=-14.0,
                    ceiling_dbtp=-1.0, status=MasterStatus.READY, files=keys, size_bytes=len(flac) + len(wav),
                    report={"sample_rate": rate, "after": after})
    session.add(master)
    session.commit()
    return master


def image_bytes(size: tuple[int, int] = (3000, 3000), mode: str = "RGB", fmt: str = "JPEG") -> bytes:
    from PIL import Image

    color: Any = (200, 40, 90) if mode == "RGB" else (10, 200, 30, 0) if mode == "CMYK" else 128
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, format=fmt, **({"quality": 80} if fmt == "JPEG" else {}))
    return buf.getvalue()


@lru_cache(maxsize=1)
def good_cover() -> bytes:
    return image_bytes()


def in_days(days: int) -> date:
    return datetime.now(UTC).date() + timedelta(days=days)


def set_prefixes(session: Session, user: User, *, country: str = "US", registrant: str = "MB1",
                 gs1: str = "0614141", dpid: str = "") -> None:
    codes.update_registrant(session=session, actor=actor_for(user), data=codes.RegistrantIn(
        isrc_country=country, isrc_registrant=registrant, gs1_prefix=gs1, ddex_party_id=dpid,
        ddex_party_name="Test Label" if dpid else ""))


def complete_release(session: Session, user: User, *, n_tracks: int = 1, release_type: str = "single",
                     destinations: list[str] | None = None, first_seed: int = 1, **fields: Any) -> Release:
    """A release with everything a store needs: passes the validator with no errors."""
    actor = actor_for(user)
    set_prefixes(session, user)
    data: dict[str, Any] = dict(
        release_type=release_type, title="Night Drive", artists=[{"name": "Ava North", "role": "primary"}],
        label="North Records", genre="Electronic", language="en", release_date=in_days(30), p_year=2026,
        p_owner="North Records", c_year=2026, c_owner="North Records", destinations=destinations or ["folder"])
    data.update(fields)
    release = releases.create_release(session=session, actor=actor, data=releases.ReleaseIn(**data))
    for i in range(n_tracks):
        master = make_master(session, user, seed=first_seed + i, title=f"Track {i + 1}")
        tracks.add_track(session=session, actor=actor, release_id=release.id, data=tracks.TrackIn(
            master_id=master.id, contributors=[{"name": "Ava North", "role": "composer"}]))
    artwork.upload_artwork(session=session, actor=actor, release_id=release.id, chunks=[good_cover()])
    tracks.allocate_codes(session=session, actor=actor, release_id=release.id)
    session.expire_all()
    found = session.get(Release, release.id)
    assert found is not None
    return found


def xsd_dir() -> Path:
    """DDEX's ERN 4.3 schema folder: MAXBOOSTER_DDEX_XSD_DIR or ../shared/ddex; skipped without it
    (failed in CI or with MAXBOOSTER_REQUIRE_SERVICES=1)."""
    configured = os.environ.get("MAXBOOSTER_DDEX_XSD_DIR", "")
    folder = Path(configured) if configured else ROOT.parent / "shared" / "ddex"
    if not (folder / "ern43" / "release-notification.xsd").is_file():
        message = f"DDEX's ERN 4.3 XSD is not in {folder} (set MAXBOOSTER_DDEX_XSD_DIR)"
        if os.environ.get("CI") or REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture
def ddex_env(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings point at the ERN schema (for tests whose app_env resets Settings)."""
    folder = xsd_dir()
    monkeypatch.setenv("MAXBOOSTER_DDEX_XSD_DIR", str(folder))
    from maxbooster.settings import get_settings

    get_settings.cache_clear()
    return folder


@pytest.fixture(scope="session")
def ern_schema() -> Any:
    from maxbooster.services.releases import ern_check

    return ern_check.load_schema(xsd_dir() / "ern43" / "release-notification.xsd")
