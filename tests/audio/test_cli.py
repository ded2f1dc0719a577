"""The CLI as a user runs it: subprocesses, exit codes, JSON on stdout, errors on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audio.io import write_audio
from tests.audio.signals import make_music

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audio", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    x = make_music(31.0, 44100, seed=31) * np.float32(0.7)
    return write_audio(tmp_path_factory.mktemp("cli") / "song.wav", x, 44100)


def test_analyze_json(song: Path) -> None:
    done = run("analyze", str(song), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["duration_s"] == pytest.approx(31.0) and result["channels"] == 2
    assert -30 < result["integrated_lufs"] < -5 and result["true_peak_8x_dbtp"] < 0


def test_peaks_writes_files_with_progress(song: Path, tmp_path: Path) -> None:
    done = run("peaks", str(song), "--out", str(tmp_path), "--levels", "256", "1024", "--progress", "--json")
    assert done.returncode == 0, done.stderr
    files = json.loads(done.stdout)["files"]
    assert sorted(Path(f).name for f in files) == ["song.1024.dat", "song.1024.json", "song.256.dat"]
    assert "100%" in done.stderr  # the progress bar went to stderr, not into the JSON


def test_check_exit_codes(song: Path, tmp_path: Path) -> None:
    done = run("check", str(song))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "READY" in done.stdout
    short = write_audio(tmp_path / "clip.wav", np.clip(make_music(31.0, 44100) * 4, -1, 1), 44100)
    failed = run("check", str(short), "--json")
    assert failed.returncode == 1 and json.loads(failed.stdout)["ready"] is False


def test_audio_error_exits_2_with_message(tmp_path: Path) -> None:
    (tmp_path / "fake.wav").write_text("definitely not audio")
    done = run("analyze", str(tmp_path / "fake.wav"))
    assert done.returncode == 2
    assert done.stderr.startswith("error: fake.wav: is not audio")
    assert done.stdout == ""


def test_usage_error_is_not_success() -> None:
    done = run("nonsense")
    assert done.returncode == 2 and done.stdout == ""
    assert "invalid choice: 'nonsense'" in done.stderr
    assert "choose from analyze, peaks, check, master, mix, preview" in done.stderr.replace("'", "")


def test_help_lists_every_command() -> None:
    # The CLI registers each command explicitly; an import error can no longer drop master/mix/preview.
    from audio.cli import COMMANDS

    assert list(COMMANDS) == ["analyze", "peaks", "check", "master", "mix", "preview"]
    done = run("--help")
    assert done.returncode == 0
    assert "{analyze,peaks,check,master,mix,preview}" in done.stdout
    for command in COMMANDS:
        sub = run(command, "--help")
        assert sub.returncode == 0 and f"usage: python -m audio {command}" in sub.stdout
        assert "--trusted" in sub.stdout and "--max-samples" in sub.stdout
