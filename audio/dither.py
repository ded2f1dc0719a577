"""Rounding float samples to what a PCM file stores: TPDF dither for 16-bit, plain rounding for 24-bit.

:func:`quantize` works in place on ``(channels, n)`` float32, so mastering can
verify its true-peak ceiling on exactly the values :func:`audio.io.write_audio`
will store (``quantized=True`` writes them bit-exactly).
"""

from __future__ import annotations

import numpy as np

__all__ = ["GRID_BITS", "quantize"]

GRID_BITS = {"PCM_16": 16, "PCM_24": 24}
_QUANTIZE_CHUNK = 1 << 16


def quantize(x: np.ndarray, subtype: str | None, *, dither_seed: int = 0,
             cols: np.ndarray | None = None) -> np.ndarray:
    """Round float32 ``x`` ``(channels, n)`` in place to the values ``subtype`` stores; returns ``x``.

    PCM_16 gets TPDF dither (±1 LSB triangular, seeded) before rounding;
    PCM_24 is rounded; FLOAT, lossy subtypes and ``None`` are left as they
    are. ``cols`` limits the work to those sample columns (fresh dither).
    The result is written bit-exactly by ``write_audio(..., quantized=True)``.
    """
    bits = GRID_BITS.get(subtype or "")
    if bits is None:
        return x
    scale = float(2 ** (bits - 1))
    rng = np.random.default_rng(dither_seed if cols is None else [dither_seed, int(cols.size)])

    def grid(part: np.ndarray) -> np.ndarray:
        if bits == 16:
            part += (rng.random(part.shape, dtype=np.float32) - rng.random(part.shape, dtype=np.float32)) / scale
        part *= np.float32(scale)
        np.rint(part, out=part)
        np.clip(part, -scale, scale - 1, out=part)
        part *= np.float32(1.0 / scale)
        return part

    if cols is not None:
        x[:, cols] = grid(x[:, cols])
        return x
    for start in range(0, x.shape[1], _QUANTIZE_CHUNK):
        grid(x[:, start : start + _QUANTIZE_CHUNK])
    return x
