"""Marketplace previews: loudest excerpt, fades, audible watermark, MP3 output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio.errors import InvalidParameter, SilentAudio
from audio.io import read_audio
from audio.preview import PreviewSettings, make_preview, render_preview, voice_tag
from audio.truepeak import true_peak_dbtp
from tests.audio.signals import make_music, pink_noise, write_wav

SR = 44100


def _quiet_loud_quiet() -> np.ndarray:
    quiet = pink_noise(20, SR, seed=1, rms_dbfs=-40)
    loud = pink_noise(30, SR, seed=2, rms_dbfs=-14)
    return np.concatenate([quiet, loud, quiet], axis=1)


def test_excerpt_is_the_loudest_section() -> None:
    y, summary = render_preview(_quiet_loud_quiet(), SR, PreviewSettings(length_s=30, watermark_every_s=0))
    # The loud part spans 20..50 s; the 30 s window must start within 0.1 s of 20 s.
    assert summary["start_s"] == pytest.approx(20.0, abs=0.1)
    assert y.shape == (2, 30 * SR)


def test_given_start_fades_and_length() -> None:
    x = np.full((2, 40 * SR), 0.25, dtype=np.float32)
    y, summary = render_preview(x, SR, PreviewSettings(length_s=10, start_s=5, fade_s=1, watermark_every_s=0))
    assert summary["start_s"] == 5.0 and y.shape[1] == 10 * SR
    assert y[0, 0] == 0.0 and y[0, SR // 2] == pytest.approx(0.125, rel=1e-3)  # linear fade in
    assert y[0, 5 * SR] == pytest.approx(0.25, rel=1e-6)
    assert abs(y[0, -1]) < 1e-3  # faded out
    with pytest.raises(InvalidParameter, match="start_s 50"):
        render_preview(x, SR, PreviewSettings(length_s=10, start_s=50))


def test_watermark_is_audible_at_the_set_level() -> None:
    x = pink_noise(30, SR, seed=3, rms_dbfs=-30)
    settings = PreviewSettings(length_s=30, fade_s=0.5, watermark_every_s=10, watermark_db=-12)
    y, summary = render_preview(x, SR, settings)
    assert summary["watermark_at_s"] == [5.0, 15.0, 25.0]
    clean, _ = render_preview(x, SR, PreviewSettings(length_s=30, fade_s=0.5, watermark_every_s=0))
    added = y - clean
    tag = voice_tag(SR)[0]
    for at_s in summary["watermark_at_s"]:
        i = int(at_s * SR)
        seg = added[0, i : i + tag.size]
        # The added signal is the tag, peak at -12 dBFS (±0.5 dB: the limiter does not act here).
        assert 20 * np.log10(np.abs(seg).max()) == pytest.approx(-12.0, abs=0.5)
        assert np.corrcoef(seg, tag)[0, 1] > 0.99
    assert np.abs(added[0, : int(4.5 * SR)]).max() < 1e-6  # nothing outside the tags


def test_mp3_output_with_user_tag(tmp_path: Path) -> None:
    src = write_wav(tmp_path, "song.wav", make_music(40, SR), SR)
    tag = write_wav(tmp_path, "tag.wav", np.sin(2 * np.pi * 1000 * np.arange(SR // 2) / SR)[None, :], SR)
    summary = make_preview(src, tmp_path / "p.mp3", length_s=20, tag_path=tag, watermark_every_s=5)
    y, sr = read_audio(tmp_path / "p.mp3")
    assert sr == SR and y.shape[0] == 2
    assert abs(y.shape[1] / SR - 20.0) < 0.1  # MP3 padding is a few ms
    assert summary["watermark_at_s"] == [2.5, 7.5, 12.5, 17.5]
    assert true_peak_dbtp(y, SR, oversample=4) < 0.0  # encoder headroom kept (limited to -1 dBTP)


def test_silence_and_bad_settings() -> None:
    with pytest.raises(SilentAudio):
        render_preview(np.zeros((2, SR * 5), np.float32), SR, PreviewSettings(length_s=3))
    with pytest.raises(InvalidParameter, match="watermark_db 5"):
        PreviewSettings(watermark_db=5)
    with pytest.raises(InvalidParameter, match="fade_s 20"):
        PreviewSettings(length_s=30, fade_s=20)


def test_cli_preview(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from audio.cli import main

    src = write_wav(tmp_path, "song.wav", make_music(12, SR), SR)
    assert main(["preview", str(src), str(tmp_path / "p.mp3"), "--length-s", "6", "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["length_s"] == 6.0
    assert main(["preview", str(src), str(tmp_path / "p.mp3"), "--watermark-db", "3", "--quiet"]) == 2
    assert "watermark_db 3" in capsys.readouterr().err
