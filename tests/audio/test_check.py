"""Distribution readiness: each rule passes good masters and flags the defect it targets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio.check import check
from audio.io import write_audio
from tests.audio.signals import make_music

SR = 44100


def _status(report: object, item_id: str) -> str:
    return {i.id: i.status for i in report.items}[item_id]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def good_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    x = make_music(40.0, SR, seed=21) * np.float32(10 ** (-1.5 / 20))  # peak -2.5 dBFS, TP < -1
    return write_audio(tmp_path_factory.mktemp("check") / "good.wav", x, SR, subtype="PCM_24")


def test_good_release_is_ready(good_file: Path) -> None:
    report = check(good_file)
    assert report.ready, report.to_dict()
    assert {i.status for i in report.items} <= {"pass", "warn"}
    assert _status(report, "true_peak") == "pass" and _status(report, "clipping") == "pass"
    assert all(i.fix == "" for i in report.items if i.status == "pass")


def test_lossy_low_rate_mono_short_file_fails(tmp_path: Path) -> None:
    x = make_music(12.0, 32000, seed=22)[:1]
    report = check(write_audio(tmp_path / "demo.mp3", x, 32000))
    assert not report.ready
    assert _status(report, "container") == "fail" and _status(report, "bit_depth") == "fail"
    assert _status(report, "sample_rate") == "fail" and _status(report, "channels") == "warn"
    assert _status(report, "duration") == "warn"
    fixes = {i.id: i.fix for i in report.items}
    assert "WAV or FLAC" in fixes["container"] and "44.1 kHz" in fixes["sample_rate"]


def test_long_edge_silence_fails(tmp_path: Path) -> None:
    x = make_music(35.0, SR, seed=23)
    padded = np.concatenate([np.zeros((2, SR * 12), np.float32), x], axis=1)
    report = check(write_audio(tmp_path / "late.wav", padded, SR))
    item = next(i for i in report.items if i.id == "edge_silence")
    assert item.status == "fail" and "start 12.0 s" in item.measured and "10 s" in item.fix


def test_clipped_loud_file_is_flagged(tmp_path: Path) -> None:
    x = np.clip(make_music(35.0, SR, seed=24) * 4.0, -1.0, 1.0)  # +12 dB into a hard clip
    report = check(write_audio(tmp_path / "hot.wav", x, SR, subtype="PCM_16"))
    assert _status(report, "clipping") == "fail"
    assert _status(report, "true_peak") == "warn"
    assert not report.ready


def test_silent_file_fails_loudness(tmp_path: Path) -> None:
    report = check(write_audio(tmp_path / "silent.flac", np.zeros((2, SR * 31), np.float32), SR))
    loudness = next(i for i in report.items if i.id == "loudness")
    assert loudness.status == "fail" and loudness.measured == "silent"
    assert report.to_dict()["ready"] is False
