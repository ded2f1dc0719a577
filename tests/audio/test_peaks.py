"""Waveform pyramid: byte layout, JSON, reader round trip, level consistency, memory bound."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio.errors import InvalidParameter
from audio.io import write_audio
from audio.peaks import build_peaks, read_dat
from tests.audio.signals import make_music, write_wav

SR = 44100
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def music_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    x = make_music(7.3, SR, seed=11)  # not a multiple of any level: exercises the last partial pixel
    path = write_wav(tmp_path_factory.mktemp("peaks"), "song.wav", x, SR, subtype="FLOAT")
    return path, x


def _expected(x: np.ndarray, spp: int) -> np.ndarray:
    """Reference min/max per pixel straight from the float samples, (channels, pixels, 2) int16."""
    pixels = -(-x.shape[1] // spp)
    out = np.zeros((x.shape[0], pixels, 2), np.int16)
    for p in range(pixels):
        seg = x[:, p * spp : (p + 1) * spp]
        # floor(x * 32768): the top 16 bits of the PCM value, as libsndfile/audiowaveform read it.
        out[:, p, 0] = np.clip(np.floor(seg.min(axis=1) * 32768), -32768, 32767)
        out[:, p, 1] = np.clip(np.floor(seg.max(axis=1) * 32768), -32768, 32767)
    return out


def test_dat_header_and_byte_layout(tmp_path: Path, music_file: tuple[Path, np.ndarray]) -> None:
    path, x = music_file
    build_peaks(path, tmp_path, levels=(256,))
    raw = (tmp_path / "song.256.dat").read_bytes()
    version, flags, rate, spp, length, channels = struct.unpack_from("<iIiiIi", raw)
    assert (version, flags, rate, spp, channels) == (2, 0, SR, 256, 2)
    assert length == -(-x.shape[1] // 256) and len(raw) == 24 + length * channels * 2 * 2
    # Body: pixel 0 = L min, L max, R min, R max (int16 little-endian), then pixel 1 ...
    first = struct.unpack_from("<4h", raw, 24)
    ref = _expected(x[:, :256], 256)
    assert first == (ref[0, 0, 0], ref[0, 0, 1], ref[1, 0, 0], ref[1, 0, 1])


def test_every_level_matches_direct_computation(tmp_path: Path, music_file: tuple[Path, np.ndarray]) -> None:
    path, x = music_file
    build_peaks(path, tmp_path)
    for spp in (64, 256, 1024, 4096, 16384):
        peaks = read_dat(tmp_path / f"song.{spp}.dat")
        assert peaks.samples_per_pixel == spp and peaks.sample_rate == SR and peaks.bits == 16
        np.testing.assert_array_equal(peaks.data, _expected(x, spp))


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24"])
def test_raw_pcm_fast_path_equals_decoded_path(tmp_path: Path, subtype: str) -> None:
    # WAV PCM is reduced straight from the integer bytes; FLAC goes through the decoder.
    # Both must give identical peaks (floor to 16 bits is exact for 16/24-bit PCM).
    x = make_music(3.1, SR, seed=12)
    wav = write_audio(tmp_path / "a.wav", x, SR, subtype=subtype)
    # Copy the WAV's integers into the FLAC (libsndfile's float->24-bit rounding differs per format).
    ints, _ = sf.read(str(wav), dtype="int32", always_2d=True)
    flac = tmp_path / "b.flac"
    sf.write(str(flac), ints, SR, subtype=subtype)
    build_peaks(wav, tmp_path, levels=(64, 1024))
    build_peaks(flac, tmp_path, levels=(64, 1024))
    for spp in (64, 1024):
        raw_path, decoded_path = read_dat(tmp_path / f"a.{spp}.dat"), read_dat(tmp_path / f"b.{spp}.dat")
        np.testing.assert_array_equal(raw_path.data, decoded_path.data)
    decoded, _ = sf.read(str(wav), dtype="float32", always_2d=True)
    np.testing.assert_array_equal(read_dat(tmp_path / "a.64.dat").data, _expected(decoded.T, 64))


def test_lossy_input_goes_through_the_decoder(tmp_path: Path) -> None:
    # MP3 length in the header is an estimate: the level buffers must grow or trim to fit.
    x = make_music(4.0, SR, seed=13)
    mp3 = write_audio(tmp_path / "c.mp3", x, SR)
    build_peaks(mp3, tmp_path, levels=(256,))
    peaks = read_dat(tmp_path / "c.256.dat")
    decoded, _ = sf.read(str(mp3), dtype="float32", always_2d=True)
    assert peaks.length == -(-decoded.shape[0] // 256) and peaks.channels == 2
    assert abs(int(peaks.data[..., 1].max()) - int(np.floor(decoded.max() * 32768))) <= 1


def test_coarser_levels_reduce_finer_ones(tmp_path: Path, music_file: tuple[Path, np.ndarray]) -> None:
    path, _ = music_file
    build_peaks(path, tmp_path, levels=(64, 256))
    fine, coarse = read_dat(tmp_path / "song.64.dat").data, read_dat(tmp_path / "song.256.dat").data
    pad = (-fine.shape[1]) % 4
    fine = np.concatenate([fine, np.repeat(fine[:, -1:], pad, axis=1)], axis=1).reshape(2, -1, 4, 2)
    np.testing.assert_array_equal(coarse[..., 0], fine[..., 0].min(axis=2))
    np.testing.assert_array_equal(coarse[..., 1], fine[..., 1].max(axis=2))


def test_json_format_matches_dat(tmp_path: Path, music_file: tuple[Path, np.ndarray]) -> None:
    path, _ = music_file
    written = build_peaks(path, tmp_path, levels=(1024,), json_levels=(1024,))
    assert {p.name for p in written} == {"song.1024.dat", "song.1024.json"}
    doc = json.loads((tmp_path / "song.1024.json").read_text())
    dat = read_dat(tmp_path / "song.1024.dat")
    assert {k: doc[k] for k in ("version", "channels", "sample_rate", "samples_per_pixel", "bits", "length")} == {
        "version": 2,
        "channels": 2,
        "sample_rate": SR,
        "samples_per_pixel": 1024,
        "bits": 16,
        "length": dat.length,
    }
    assert doc["data"] == dat.data.transpose(1, 0, 2).ravel().tolist()


def test_eight_bit_is_int16_shifted(tmp_path: Path, music_file: tuple[Path, np.ndarray]) -> None:
    path, x = music_file
    build_peaks(path, tmp_path, levels=(256,), bits=8)
    raw = (tmp_path / "song.256.dat").read_bytes()
    assert struct.unpack_from("<I", raw, 4)[0] == 1  # flags bit 0 = 8-bit
    peaks = read_dat(tmp_path / "song.256.dat")
    assert peaks.bits == 8 and peaks.data.dtype == np.int8
    np.testing.assert_array_equal(peaks.data, (_expected(x, 256) >> 8).astype(np.int8))


def test_progress_and_bad_levels(tmp_path: Path, music_file: tuple[Path, np.ndarray]) -> None:
    path, _ = music_file
    seen: list[float] = []
    build_peaks(path, tmp_path, levels=(64,), progress=seen.append)
    assert seen and seen[-1] == pytest.approx(1.0)
    with pytest.raises(InvalidParameter, match="not a multiple"):
        build_peaks(path, tmp_path, levels=(64, 100))
    with pytest.raises(InvalidParameter, match="bits"):
        build_peaks(path, tmp_path, bits=12)


_GENERATE = (
    "import sys; sys.path.insert(0, {root!r}); from tests.audio.signals import write_music_streaming; "
    "write_music_streaming(sys.argv[1], float(sys.argv[2]), 44100)"
)
# VmHWM (peak RSS of this address space) rather than ru_maxrss, which Linux carries
# over from the forking parent: a big pytest process would inflate the child's figure.
_MEASURE = (
    "import sys; sys.path.insert(0, {root!r}); from pathlib import Path; "
    "from audio.peaks import build_peaks; p = Path(sys.argv[1]); build_peaks(p, p.parent / 'out', untrusted=False); "
    "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
)


def _peak_rss_kib(tmp_path: Path, duration_s: float) -> int:
    """Peak RSS (KiB) of a fresh process building the pyramid of a generated file."""
    src = tmp_path / f"long{int(duration_s)}.wav"
    (tmp_path / "out").mkdir(exist_ok=True)
    # Generate in its own process so the generator's memory is not counted.
    subprocess.run(
        [sys.executable, "-c", _GENERATE.format(root=str(ROOT)), str(src), str(duration_s)], timeout=300, check=True
    )
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE.format(root=str(ROOT)), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    src.unlink()
    return int(done.stdout.split()[-1])


def test_memory_does_not_scale_with_length(tmp_path: Path) -> None:
    # Issue 4: a 1-hour stereo 44.1 kHz file stays under 150 MB peak RSS. Decoding
    # it whole would need 1.27 GB of float32; the streaming pass holds one block.
    short_after = _peak_rss_kib(tmp_path, 60.0)
    long_after = _peak_rss_kib(tmp_path, 3600.0)
    assert long_after < 150 * 1024, f"peak RSS {long_after / 1024:.0f} MB"
    # 60x longer input may only add the output arrays (~20 MB at 64 spp for 1 h), not audio.
    assert long_after - short_after < 60 * 1024, f"grew {(long_after - short_after) / 1024:.0f} MB"
