"""Shared fixtures for the audio tests; the generators themselves live in signals.py.

Plain functions (``from tests.audio.signals import make_music, write_wav``) are
the main interface; these fixtures only cache common material per module.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.audio.signals import make_music, write_wav


@pytest.fixture(scope="module")
def music_44k() -> np.ndarray:
    """10 s of music-like stereo material at 44.1 kHz, float32 (2, n), seed 0."""
    return make_music(10.0, 44100, seed=0)


@pytest.fixture(scope="module")
def music_48k() -> np.ndarray:
    """10 s of music-like stereo material at 48 kHz, float32 (2, n), seed 0."""
    return make_music(10.0, 48000, seed=0)


@pytest.fixture
def wav_file(tmp_path: Path) -> Callable[..., Path]:
    """``wav_file(name, x, sr, subtype="PCM_24")`` writes into this test's tmp_path."""

    def write(name: str, x: np.ndarray, sr: int, subtype: str = "PCM_24") -> Path:
        return write_wav(tmp_path, name, x, sr, subtype=subtype)

    return write
