"""The download files of a finished master are what they claim: 24-bit WAV, dithered 16-bit WAV,
FLAC and MP3 320 kbps, each downloaded through the REST API as the artist gets it, decoded with
soundfile and measured with pyloudnorm (independent of the engine's own meter)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from sqlmodel import Session

from maxbooster.services.broker import InProcessBroker
from tests.audio.signals import make_music
from tests.mastering.test_api import bearer, client, download, ready_track, start_masters
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import make_user

acct_env, jobs_run = fx.acct_env, lib.jobs_run
_ = client  # the API client fixture, shared with test_api
RATE = lib.RATE
MUSIC_S, SILENCE_S = 8.0, 1.5  # the track ends in digital silence: a quiet passage for the dither check
TARGET_LUFS, CEILING_DBTP = -14.0, -1.0  # the Spotify destination
LSB16 = 1.0 / 32768


@dataclass(frozen=True)
class Downloads:
    files: dict[str, bytes]  # format -> the downloaded bytes
    frames: int  # length of the uploaded track


def _track_bytes() -> tuple[bytes, int]:
    music = make_music(MUSIC_S, RATE, seed=11) * 0.2
    x = np.concatenate([music, np.zeros((2, int(SILENCE_S * RATE)), dtype=np.float32)], axis=1)
    buf = io.BytesIO()
    sf.write(buf, x.T, RATE, format="WAV", subtype="PCM_24")
    return buf.getvalue(), x.shape[1]


@pytest.fixture
def master(session: Session, client: TestClient, jobs_run: InProcessBroker) -> Downloads:
    """A Pro user's Spotify master of a processed track, every format downloaded over HTTP."""
    make_user(session, plan="pro")
    alice = bearer(client, "alice@example.com")
    data, frames = _track_bytes()
    track_id = ready_track(client, alice, jobs_run, data=data, name="take.wav")
    [made] = start_masters(client, alice, track_id, presets=["spotify"]).json()
    assert (made["target_lufs"], made["ceiling_dbtp"]) == (TARGET_LUFS, CEILING_DBTP)
    assert jobs_run.wait_idle(300)
    files = {}
    for fmt in ("wav24", "wav16", "flac", "mp3"):
        got = download(client, alice, made["id"], fmt)
        assert got.status_code == 200, (fmt, got.text[:200])
        files[fmt] = got.content
    return Downloads(files, frames)


def _read(data: bytes) -> tuple[np.ndarray, int]:
    """(samples (n, channels) float64, rate) decoded by libsndfile."""
    x, rate = sf.read(io.BytesIO(data), dtype="float64", always_2d=True)
    return x, int(rate)


def _info(data: bytes) -> sf._SoundFileInfo:
    return sf.info(io.BytesIO(data))


def test_24bit_wav_is_pcm_24_at_the_tracks_rate_and_length(master: Downloads) -> None:
    info = _info(master.files["wav24"])
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("WAV", "PCM_24", RATE, 2)
    assert info.frames == master.frames
    # really 24-bit: the values use the low byte (a 16-bit signal padded to 24 bits would not)
    x, _ = _read(master.files["wav24"])
    codes = np.rint(x * 2**23).astype(np.int64)
    assert np.array_equal(codes / 2**23, x)  # on the 24-bit grid
    assert np.count_nonzero(codes & 0xFF) > 0.9 * np.count_nonzero(codes)


def test_16bit_wav_is_pcm_16_and_tpdf_dithered(master: Downloads) -> None:
    info = _info(master.files["wav16"])
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("WAV", "PCM_16", RATE, 2)
    assert info.frames == master.frames
    x16, _ = _read(master.files["wav16"])
    x24, _ = _read(master.files["wav24"])
    # The error against the 24-bit master, in 16-bit steps. Rounding alone keeps it within ±0.5
    # LSB (RMS 0.29), truncation within (-1, 0] (mean -0.5); TPDF dither of ±1 LSB before
    # rounding gives mean 0, RMS sqrt(1/12 + 1/6) = 0.5 and errors past 1 LSB.
    loud = np.abs(x24) > 64 * LSB16  # away from the quiet passage
    error = ((x16 - x24) / LSB16)[loud]
    assert error.size > 500_000
    assert abs(float(error.mean())) < 0.01
    assert float(np.sqrt(np.mean(error**2))) == pytest.approx(0.5, abs=0.02)
    assert float(np.abs(error).max()) <= 1.5 + 1e-3
    assert np.mean(np.abs(error) > 1.0) > 0.01
    # not a plain rounding of the 24-bit master either: most samples differ from it somewhere
    assert np.mean(np.rint(x24 / LSB16) != np.rint(x16 / LSB16)) > 0.3
    # the quiet passage: below half a 16-bit step in the 24-bit master, so plain rounding or
    # truncation would store zeros there; the dithered file holds ±1 LSB noise instead
    tail = slice(int((MUSIC_S + 0.5) * RATE), master.frames)
    assert float(np.abs(x24[tail]).max()) < 0.5 * LSB16
    quiet = np.rint(x16[tail] / LSB16)
    assert np.count_nonzero(quiet) > 0.2 * quiet.size and float(np.abs(quiet).max()) <= 1


def test_flac_is_the_24bit_master_losslessly(master: Downloads) -> None:
    info = _info(master.files["flac"])
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("FLAC", "PCM_24", RATE, 2)
    flac, rate = _read(master.files["flac"])
    wav, _ = _read(master.files["wav24"])
    assert rate == RATE and flac.shape == wav.shape == (master.frames, 2)
    assert np.array_equal(flac, wav)  # same samples, bit for bit
    assert len(master.files["flac"]) < 0.9 * len(master.files["wav24"])  # and actually compressed


_MPEG1_L3_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


def _mpeg_frames(data: bytes) -> tuple[list[tuple[int, int, int]], int]:
    """Walk the MPEG audio frames (after any ID3v2 tag): [(version bits, layer bits, kbps)] and the
    number of bytes left after the last frame (an ID3v1 tag, if any)."""
    i = 0
    if data[:3] == b"ID3":
        i = 10 + sum((b & 0x7F) << (7 * (3 - n)) for n, b in enumerate(data[6:10]))
    frames = []
    while i + 4 <= len(data):
        header = int.from_bytes(data[i:i + 4], "big")
        if header >> 21 != 0x7FF:
            break
        version, layer = (header >> 19) & 3, (header >> 17) & 3
        kbps, rate_index, padding = _MPEG1_L3_KBPS[(header >> 12) & 0xF], (header >> 10) & 3, (header >> 9) & 1
        assert (version, layer, rate_index) == (3, 1, 0), f"frame at {i}: not MPEG-1 layer III at 44.1 kHz"
        frames.append((version, layer, kbps))
        i += 144_000 * kbps // RATE + padding
    return frames, len(data) - i


def test_mp3_is_320_kbps_constant_and_decodes(master: Downloads) -> None:
    data = master.files["mp3"]
    frames, rest = _mpeg_frames(data)
    assert len(frames) > 300 and rest in (0, 128)  # nothing but frames (and maybe an ID3v1 tag)
    assert {kbps for _, _, kbps in frames} == {320}  # every frame, the first one included
    import mutagen.mp3

    info = mutagen.mp3.MP3(io.BytesIO(data)).info
    assert info is not None
    # mutagen averages the bitrate from the LAME Info tag's counts (319999 here); the walk above is exact
    assert abs(info.bitrate - 320_000) < 1000 and (info.sample_rate, info.channels) == (RATE, 2)
    assert info.bitrate_mode == mutagen.mp3.BitrateMode.CBR, info.bitrate_mode
    x, rate = _read(data)
    assert rate == RATE and x.shape[1] == 2
    # an encoder adds a delay and pads the last frame; never more than about two frames
    assert master.frames <= x.shape[0] <= master.frames + 2 * 1152 + 1105
    assert float(np.sqrt(np.mean(x**2))) > 0.05  # music, not silence


@pytest.mark.parametrize("fmt", ["wav24", "wav16", "flac", "mp3"])
def test_every_download_is_at_the_destinations_loudness(master: Downloads, fmt: str) -> None:
    x, rate = _read(master.files[fmt])
    lufs = pyloudnorm.Meter(rate).integrated_loudness(x)
    # ±0.3 LU is the tolerance for a master; the lossless files carry the same samples
    # (16-bit dither adds noise ~90 dB below the music); MP3 320 changes loudness by hundredths
    assert abs(lufs - TARGET_LUFS) <= 0.3, (fmt, lufs)
    peak_dbfs = 20 * np.log10(float(np.abs(x).max()))
    if fmt != "mp3":  # a lossy codec's filtering may overshoot the ceiling; PCM must not
        assert peak_dbfs <= CEILING_DBTP + 0.01, (fmt, peak_dbfs)
