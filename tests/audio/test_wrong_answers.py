"""Issue 7 §3.5: inputs that produced wrong answers now give the right one or a clear error.

(Garbage MP3s, FLAC behind an ID3 tag, WAV with 300 JUNK chunks and symlinked
files are covered in test_hostile_files.py.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio.analysis import analyze, analyze_file
from audio.errors import InvalidSamples, SilentAudio
from audio.loudness import integrated_loudness
from audio.master import master, master_file
from tests.audio.signals import make_music

SR = 44100
ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "audio", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


def _float_wav(path: Path, x: np.ndarray) -> Path:
    sf.write(str(path), np.ascontiguousarray(x.T), SR, subtype="FLOAT")  # bypasses our writer's checks
    return path


@pytest.mark.parametrize("level", [0.9, -1.0])
def test_extreme_dc_is_a_clear_error_not_nan(tmp_path: Path, level: float) -> None:
    # Used to return all-NaN audio, then fail writing it with "audio contains NaN" (blaming the input).
    x = np.full((2, 5 * SR), level, np.float32) + np.float32(1e-4) * make_music(5.0, SR)
    with pytest.raises(SilentAudio, match=f"input is a DC offset of {abs(level):.3f} with nothing else above"):
        master(x, SR)
    src = _float_wav(tmp_path / "dc.wav", x)
    done = _cli("master", str(src), str(tmp_path / "out.wav"), "--quiet")
    assert done.returncode == 2 and done.stderr.startswith("error: input is a DC offset")
    assert not (tmp_path / "out.wav").exists()


def test_dc_under_real_music_is_removed_and_mastered() -> None:
    music = make_music(8.0, SR, seed=8)
    x = (np.float32(0.3) + np.float32(0.6) * music).astype(np.float32)  # +0.3 DC under the music
    y = master(x, SR, preset="spotify").samples
    assert np.isfinite(y).all()
    assert integrated_loudness(y, SR) == pytest.approx(-14.0, abs=0.3)
    assert np.abs(y.mean(axis=1)).max() < 1e-3  # the 30 Hz high-pass took the offset out


def test_huge_float_samples_are_refused(tmp_path: Path) -> None:
    # +-3e38 is finite but not audio: analyze returned nonsense figures (overflowed energies).
    x = 0.1 * make_music(2.0, SR)
    x[:, 5000] = [3e38, -3e38]
    path = _float_wav(tmp_path / "huge.wav", x)
    with pytest.raises(InvalidSamples, match=r"^huge.wav: audio reaches 3e\+38 \(\+770 dBFS\)"):
        analyze_file(path)
    with pytest.raises(InvalidSamples, match=r"audio reaches 3e\+38"):
        analyze(x, SR)
    done = _cli("analyze", str(path))
    assert done.returncode == 2 and done.stderr.startswith("error: huge.wav: audio reaches 3e+38 (+770 dBFS)")
    loud_but_fine = _float_wav(tmp_path / "hot.wav", 2.0 * make_music(2.0, SR))  # +6 dBFS float headroom
    assert analyze_file(loud_but_fine).sample_peak_dbfs == pytest.approx(5.0, abs=0.1)


def test_error_after_a_progress_bar_starts_on_its_own_line(tmp_path: Path) -> None:
    # The CLI printed "[#####.....]  40% analyzeerror: ..." on one line.
    x = 0.1 * make_music(30.0, SR)
    x[0, 25 * SR] = np.nan
    path = _float_wav(tmp_path / "late_nan.wav", x)
    done = _cli("analyze", str(path), "--progress")
    assert done.returncode == 2
    lines = done.stderr.split("\n")
    assert lines[-2].startswith("error: late_nan.wav: audio contains 1 NaN or infinite samples"), done.stderr
    assert "%" in lines[-3] and "error" not in lines[-3]  # the bar's own line, ended before the error
    assert lines[-1] == ""


def test_master_file_refuses_nan_input_by_name(tmp_path: Path) -> None:
    x = 0.1 * make_music(3.0, SR)
    x[1, 100] = np.inf
    path = _float_wav(tmp_path / "inf.wav", x)
    with pytest.raises(InvalidSamples, match="^inf.wav: audio contains 1 NaN or infinite samples"):
        master_file(path, tmp_path / "o.wav")
