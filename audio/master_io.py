"""Files in and out of :func:`audio.master.master_file`: sandboxed reads, verified bit-exact writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from audio.analysis import Analysis
from audio.ceiling import ACCURATE_MARGIN_DB
from audio.errors import AudioError

__all__ = ["read_inputs", "write_verified"]


def read_inputs(in_path: Path, reference_path: str | Path | None, untrusted: bool, max_samples: int | None,
                 kwargs: dict[str, object]) -> tuple[np.ndarray, int, Analysis | None, dict[str, object]]:
    """Input samples, rate, its analysis if already measured (None: master measures it beside the chain),
    and ``kwargs`` with the reference added. Untrusted files are decoded in one sandboxed child."""
    if not untrusted:
        from audio.io import read_audio

        if reference_path is not None:
            ref, ref_sr = read_audio(reference_path, max_samples=max_samples)
            kwargs = {**kwargs, "reference": ref, "reference_sample_rate": ref_sr}
        x, sr = read_audio(in_path, max_samples=max_samples)
        return x, sr, None, kwargs
    from audio.sandbox import Sandbox

    with Sandbox(max_samples=max_samples) as sandbox:
        if reference_path is not None:
            ref, ref_sr, _ = sandbox.decode(reference_path)
            kwargs = {**kwargs, "reference": ref, "reference_sample_rate": ref_sr}
        x, sr, _ = sandbox.decode(in_path, require_signal=True)  # digital silence: refused before mapping
    return x, sr, None, kwargs


def write_verified(path: Path, samples: np.ndarray, sample_rate: int, report: dict[str, Any], subtype: str) -> None:
    """Write mastered ``samples`` and check the file holds exactly the verified samples.

    PCM and float files must read back bit-identical (so the 16x figure in the
    report is the file's). Lossy files (.mp3/.ogg) are re-measured as decoded and
    turned down by any over their encoder added.
    """
    import soundfile as sf

    from audio.ceiling import true_peak_16x_dbtp
    from audio.io import write_audio

    ceiling = float(report["preset"]["ceiling_dbtp"])
    y = samples
    for _ in range(3):
        write_audio(path, y, sample_rate, subtype=subtype, quantized=True)
        back = np.ascontiguousarray(sf.read(str(path), dtype="float32", always_2d=True)[0].T)
        if back.shape == y.shape and np.array_equal(back, y):
            return
        peak = true_peak_16x_dbtp(back)
        report["after"]["true_peak_16x_dbtp"] = round(peak, 3)
        if peak <= ceiling:
            return
        y = y * np.float32(10.0 ** ((ceiling - ACCURATE_MARGIN_DB - peak) / 20.0))
    raise AudioError(f"{path.name}: the encoded file still peaks at {peak:.2f} dBTP, over the {ceiling:g} dBTP ceiling")
