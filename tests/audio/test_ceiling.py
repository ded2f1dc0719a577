"""Issue 7 §3.1: the true-peak ceiling holds on the file as written, by an independent 16x meter.

The independent testers' files (sub-bass electronic, speech with long pauses,
22.05-192 kHz) came out 0.07-0.54 dB over the ceiling on a 16x long-filter
meter while the report said "-1.03 dBTP". Here every master is written with
``master_file`` (dither/quantisation included), read back with soundfile and
measured with ``tests.audio.corpus.reference_true_peak_dbtp``, which shares no
code with the engine. Loudness is checked with pyloudnorm.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from scipy import signal

from audio.ceiling import true_peak_16x_dbtp
from audio.master import master, master_file
from audio.peak_detect import ACCURATE
from audio.presets import get_preset
from tests.audio.corpus import reference_true_peak_dbtp, speech_with_pauses, sub_bass_transients
from tests.audio.signals import make_music, sine, write_wav

pytestmark = pytest.mark.slow  # the corpus: in ./mb test and CI, not in the --fast loop

LOUDNESS_TOLERANCE_LU = 0.3  # the product promise; pyloudnorm reads ~0.04 LU under libebur128
MATERIALS = {"sub_bass": sub_bass_transients, "speech": speech_with_pauses,
             "music": lambda d, sr, seed=0: make_music(d, sr, seed)}


@cache
def _material(name: str, sample_rate: int) -> np.ndarray:
    duration_s = 6.0 if sample_rate <= 48000 else 3.0  # the reference meter is slow at 192 kHz
    return MATERIALS[name](duration_s, sample_rate, seed=3)


def _master_and_measure(tmp_path: Path, name: str, sample_rate: int, preset: str, bits: int
                        ) -> tuple[float, float, dict]:
    """(reference true peak dBTP, pyloudnorm LUFS, report) of the written file."""
    src = write_wav(tmp_path, "in.wav", _material(name, sample_rate), sample_rate, subtype="FLOAT")
    out = tmp_path / "out.wav"
    report = master_file(src, out, preset=preset, bits=bits).report
    y, rate = sf.read(str(out), dtype="float64", always_2d=True)
    assert rate == sample_rate and sf.info(str(out)).subtype == {16: "PCM_16", 24: "PCM_24"}[bits]
    return reference_true_peak_dbtp(y.T), pyloudnorm.Meter(rate).integrated_loudness(y), report


def _check(true_peak: float, lufs: float, report: dict, preset: str) -> None:
    target = get_preset(preset)
    # No tolerance on the ceiling: the file itself, by a meter the engine never saw.
    assert true_peak <= target.ceiling_dbtp, f"{true_peak:.3f} dBTP over {target.ceiling_dbtp} dBTP"
    # The report's verified figure is honest: never more than 0.1 dB under the reference.
    assert report["after"]["true_peak_16x_dbtp"] >= true_peak - 0.1
    unreachable = any(p["name"] == "target_lufs" for p in report["parameters"])
    if unreachable:  # allowed only with a plain-language explanation, and never louder than asked
        assert lufs < target.target_lufs
    else:
        assert abs(lufs - target.target_lufs) <= LOUDNESS_TOLERANCE_LU, f"{lufs:.2f} LUFS"


@pytest.mark.parametrize("preset", ["spotify", "club", "ebu_r128"])
@pytest.mark.parametrize("name", sorted(MATERIALS))
@pytest.mark.parametrize("sample_rate", [44100, 48000])
def test_corpus_holds_ceiling_on_written_file(tmp_path: Path, name: str, sample_rate: int, preset: str) -> None:
    _check(*_master_and_measure(tmp_path, name, sample_rate, preset, 24), preset)


@pytest.mark.parametrize(("sample_rate", "bits"), [(22050, 16), (32000, 24), (88200, 24), (96000, 16),
                                                   (192000, 24)])
@pytest.mark.parametrize("preset", ["spotify", "club"])
def test_every_rate_holds_ceiling_on_written_file(tmp_path: Path, sample_rate: int, bits: int, preset: str) -> None:
    # Hard sub-bass plus full-band transients: the material the short filter under-read most.
    _check(*_master_and_measure(tmp_path, "sub_bass", sample_rate, preset, bits), preset)


def test_speech_at_club_explains_an_unreachable_target(tmp_path: Path) -> None:
    # Speech with long pauses cannot reach -8 LUFS by limiting alone: the old gain loop
    # pushed +90 dB into the limiter and returned NaN. Now: the loudest honest master, explained.
    true_peak, lufs, report = _master_and_measure(tmp_path, "speech", 44100, "club", 24)
    _check(true_peak, lufs, report, "club")
    reason = next(p["reason"] for p in report["parameters"] if p["name"] == "target_lufs")
    assert "out of reach" in reason and "-8 LUFS" in reason
    assert -12.0 < lufs < -8.0


def test_file_read_back_is_the_verified_signal(tmp_path: Path) -> None:
    # The figure in the report is measured on the quantised samples that are written bit-exactly.
    x = _material("sub_bass", 44100)
    src = write_wav(tmp_path, "in.wav", x, 44100)
    result = master_file(src, tmp_path / "o.wav", preset="spotify", bits=16)
    back, _ = sf.read(str(tmp_path / "o.wav"), dtype="float32", always_2d=True)
    np.testing.assert_array_equal(back.T, result.samples)
    assert result.report["after"]["true_peak_16x_dbtp"] == pytest.approx(true_peak_16x_dbtp(back.T), abs=1e-3)


@pytest.mark.parametrize("kind", ["white_noise", "clicks", "fs4_45deg", "square_5k", "sub_bass"])
def test_engine_16x_meter_equals_full_oversampling(kind: str) -> None:
    # The engine's meter interpolates only near the top (4x grid first, then 16 phases).
    # It must return what oversampling every sample with the same filter returns
    # (resample_poly, float64): within 0.005 dB on material with the largest inter-sample overs.
    sr = 44100
    rng = np.random.default_rng(11)
    if kind == "white_noise":
        x = rng.uniform(-0.5, 0.5, (2, sr)).astype(np.float32)
    elif kind == "clicks":
        x = np.zeros((2, sr), np.float32)
        for at in rng.integers(100, sr - 100, 40):
            x[:, at : at + 3] = rng.uniform(-0.9, 0.9, 3)
    elif kind == "fs4_45deg":
        x = sine(sr / 4, 1.0, sr, amplitude=0.5, phase_deg=45.0)
    elif kind == "square_5k":
        x = np.tile(np.sign(np.sin(2 * np.pi * 5000 * np.arange(sr) / sr)).astype(np.float32) * 0.5, (2, 1))
    else:
        x = sub_bass_transients(2.0, sr, seed=5)
    up, half = ACCURATE.oversample, ACCURATE.half_taps
    taps = signal.firwin(2 * half * up + 1, 1.0 / up, window=("kaiser", ACCURATE.kaiser_beta))
    full = np.abs(signal.resample_poly(x.astype(np.float64), up, 1, axis=1, window=taps)).max()
    assert true_peak_16x_dbtp(x) == pytest.approx(20 * np.log10(full), abs=0.005)


def test_in_memory_master_reports_the_verified_peak() -> None:
    # master() without a file: float32 output, ceiling held on it by the same 16x meter.
    x = _material("music", 48000)
    result = master(x, 48000, preset="spotify")
    assert reference_true_peak_dbtp(result.samples) <= -1.0
    assert result.report["limiter"]["true_peak_16x_dbtp"] == result.report["after"]["true_peak_16x_dbtp"]
