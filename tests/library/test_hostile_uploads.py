"""Hostile files through the real upload route (POST /api/v1/tracks, streamed multipart): each is
refused with a 4xx carrying the engine's own message for that file, and nothing is stored. Files
the engine does support (48/96 kHz, RF64, BWF, Opus) are accepted and processed at their native
rate."""

from __future__ import annotations

import io
import struct
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from audio.errors import AudioError
from audio.headers import DEFAULT_MAX_SAMPLES
from audio.io import probe, read_untrusted
from maxbooster import routes
from maxbooster.models.jobs import Job
from maxbooster.models.library import Track
from maxbooster.services import plans
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.storage import get_storage
from maxbooster.settings import get_settings
from tests.audio.signals import make_music
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import make_user

acct_env, jobs_run, client, _bearer = fx.acct_env, lib.jobs_run, lib.api_client, lib.bearer


def _audio(fmt: str, *, rate: int = lib.RATE, seconds: float = 3.0, subtype: str | None = None,
           silent: bool = False) -> bytes:
    x = np.zeros((2, int(seconds * rate)), np.float32) if silent else make_music(seconds, rate, seed=4) * 0.3
    buf = io.BytesIO()
    sf.write(buf, x.T, rate, format=fmt, **({"subtype": subtype} if subtype else {}))
    return buf.getvalue()


# -- hostile files ---------------------------------------------------------------------------------

def _patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def _flac_declaring(data: bytes, *, frames: int, channels: int | None = None, rate: int | None = None) -> bytes:
    """A real FLAC whose STREAMINFO claims another length (and layout): bits 64-143 of the block
    hold rate (20 bits), channels-1 (3), bits-1 (5) and total samples (36)."""
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0
    packed = int.from_bytes(data[18:26], "big")
    old_rate, old_channels = packed >> 44, ((packed >> 41) & 0x7) + 1
    packed = ((rate or old_rate) << 44) | (((channels or old_channels) - 1) << 41) \
        | (((packed >> 36) & 0x1F) << 36) | frames
    return data[:18] + packed.to_bytes(8, "big") + data[26:]


def _garbage_ogg() -> bytes:
    """A real Vorbis stream whose audio pages after the headers are overwritten with noise bytes
    (the capture pattern and the last page's granule position left in place)."""
    data = bytearray(_audio("OGG", seconds=4))
    pages = [i for i in range(len(data)) if data[i:i + 4] == b"OggS"]
    start, end = pages[3], pages[-1]
    noise = np.random.default_rng(7).integers(0, 256, end - start, dtype=np.uint8).tobytes()
    data[start:end] = noise.replace(b"OggS", b"Oggs")
    return bytes(data)


WAV = lib.music_bytes("WAV", seconds=2, subtype="PCM_16")  # 44-byte canonical header: fields at fixed offsets
FLAC = _audio("FLAC", seconds=4)
MP3 = lib.music_bytes("MP3", seconds=6)
HOURS = 3 * 3600
HOSTILE = {
    "truncated FLAC": ("cut.flac", FLAC[: len(FLAC) // 2]),
    "garbage OGG": ("noise.ogg", b"OggS" + np.random.default_rng(3).bytes(8192)),
    "OGG with garbage audio pages": ("damaged.ogg", _garbage_ogg()),
    "WAV with 0 channels": ("zero.wav", _patched(WAV, 22, "<H", 0)),
    "WAV at 2^31 Hz": ("fast.wav", _patched(WAV, 24, "<I", 2**31)),
    "FLAC of silence declaring 3 hours": ("long.flac",
                                          _flac_declaring(_audio("FLAC", seconds=3, silent=True),
                                                          frames=HOURS * lib.RATE)),
    "FLAC declaring an hour of 8 channels at 48 kHz": ("wide.flac",
                                                       _flac_declaring(FLAC, frames=3600 * 48000, channels=8,
                                                                       rate=48000)),
    "truncated MP3": ("cut.mp3", MP3[: len(MP3) // 3]),
    "MP3 cut after its first frames": ("stub.mp3", MP3[:400]),
    "text renamed .wav": ("notes.wav", b"hello, this is not audio\n" * 40),
}


def _engine_says(data: bytes, name: str, folder: Path) -> str:
    """What the audio engine itself says about this file: header checks, then a sandboxed decode."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    try:
        probe(path)
        read_untrusted(path)
    except AudioError as exc:
        return str(exc)
    pytest.fail(f"the engine accepts {name}")


def _nothing_stored(session: Session, user_id: object) -> None:
    session.expire_all()
    assert session.exec(select(Track)).all() == []
    assert session.exec(select(Job)).all() == []
    assert lib.blobs(get_settings().storage_dir) == []
    assert plans.usage(session=session, user_id=user_id, resource="storage_bytes") == 0  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_file_is_refused_with_the_engines_message(session: Session, client: TestClient,
                                                          jobs_run: InProcessBroker, tmp_path: Path,
                                                          kind: str) -> None:
    user = make_user(session)
    name, data = HOSTILE[kind]
    engine = _engine_says(data, name, tmp_path / "engine")
    reply = client.post(routes.V1_TRACKS, files={"file": (name, data, "audio/wav")},
                        headers=_bearer(client, "alice@example.com"))
    assert reply.status_code == 422, reply.text
    # the engine's words; only its command-line advice becomes advice an artist can follow
    engine = engine.replace(" (raise it with --max-samples or AUDIO_MAX_SAMPLES)",
                            ". Upload a shorter file or one with fewer channels.")
    assert reply.json() == {"error": {"code": "invalid_input", "message": f"This file cannot be used: {engine}"}}
    _nothing_stored(session, user.id)
    assert jobs_run.wait_idle(30)


def test_the_sample_budget_is_the_engines(session: Session, client: TestClient, jobs_run: InProcessBroker) -> None:
    """An hour of 8 channels at 48 kHz is under the 2-hour limit but over the sample budget."""
    user = make_user(session)
    _, data = HOSTILE["FLAC declaring an hour of 8 channels at 48 kHz"]
    assert DEFAULT_MAX_SAMPLES < 3600 * 48000 * 8
    reply = client.post(routes.V1_TRACKS, files={"file": ("wide.flac", data)},
                        headers=_bearer(client, "alice@example.com"))
    message = reply.json()["error"]["message"]
    assert reply.status_code == 422 and "over the budget of 700,000,000" in message, message
    assert "1,382,400,000 samples" in message
    assert "--max-samples" not in message and message.endswith("Upload a shorter file or one with fewer channels.")
    _nothing_stored(session, user.id)


# -- files the engine supports ---------------------------------------------------------------------

def _bwf(data: bytes) -> bytes:
    """A Broadcast Wave: a 602-byte `bext` chunk (EBU Tech 3285 v1) before `fmt `."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    bext = (b"Max Booster test".ljust(256, b"\0") + b"pytest".ljust(32, b"\0") + b"ref-0001".ljust(32, b"\0")
            + b"2024-01-01" + b"12:00:00" + struct.pack("<QH", 0, 1) + bytes(64) + bytes(190))
    chunk = b"bext" + struct.pack("<I", len(bext)) + bext
    body = data[12:]
    return b"RIFF" + struct.pack("<I", 4 + len(chunk) + len(body)) + b"WAVE" + chunk + body


SUPPORTED = {
    "48 kHz WAV": ("at48k.wav", lambda: _audio("WAV", rate=48000, subtype="PCM_24"), 48000, "wav"),
    "96 kHz WAV": ("at96k.wav", lambda: _audio("WAV", rate=96000, subtype="PCM_24"), 96000, "wav"),
    "96 kHz FLAC": ("at96k.flac", lambda: _audio("FLAC", rate=96000, subtype="PCM_24"), 96000, "flac"),
    "24-bit RF64": ("long.rf64", lambda: _audio("RF64", rate=48000, subtype="PCM_24"), 48000, "wav"),
    "24-bit BWF": ("take.bwf", lambda: _bwf(_audio("WAV", rate=48000, subtype="PCM_24")), 48000, "wav"),
    "Opus": ("voice.opus", lambda: _audio("OGG", rate=48000, subtype="OPUS"), 48000, "ogg"),
}


@pytest.mark.parametrize("kind", list(SUPPORTED))
def test_supported_file_is_kept_at_its_native_rate(session: Session, client: TestClient,
                                                   jobs_run: InProcessBroker, kind: str) -> None:
    make_user(session)
    name, make, rate, fmt = SUPPORTED[kind]
    data = make()
    if kind == "24-bit RF64":
        assert data[:4] == b"RF64" and data[12:16] == b"ds64"
    if kind == "24-bit BWF":
        assert sf.info(io.BytesIO(data)).frames == 3 * 48000  # libsndfile reads it too
    auth = _bearer(client, "alice@example.com")
    made = client.post(routes.V1_TRACKS, files={"file": (name, data)}, headers=auth)
    assert made.status_code == 201, made.text
    track = made.json()["track"]
    assert (track["format"], track["sample_rate"], track["channels"]) == (fmt, rate, 2)
    assert abs(track["duration_s"] - 3.0) < 0.05
    assert jobs_run.wait_idle(180)
    done = client.get(routes.V1_TRACK.format(track_id=track["id"]), headers=auth).json()
    assert done["status"] == "ready", done["status_message"]
    assert done["analysis"]["integrated_lufs"] is not None and done["peaks_urls"]
    session.expire_all()
    row = session.get(Track, uuid.UUID(track["id"]))
    assert row is not None and row.working_key
    with get_storage().local_path(row.working_key) as path:
        info = sf.info(str(path))
        working, working_rate = sf.read(str(path), always_2d=True)
    assert (info.format, info.samplerate, info.channels) == ("WAV", rate, 2)
    assert info.subtype == "PCM_24" and abs(info.frames - 3 * rate) <= 0.01 * rate
    assert working_rate == rate and float(np.sqrt(np.mean(working**2))) > 0.01  # the music, not silence
