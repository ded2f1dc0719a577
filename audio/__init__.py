"""Framework-free audio engine for Max Booster.

Buffers are float32 arrays shaped ``(channels, samples)`` with an ``int``
sample rate beside them; only :mod:`audio.io` converts to other layouts.
Imports numpy, scipy, soundfile and pedalboard only (no web framework, no ORM).
Submodules are imported on demand, so ``import audio`` stays cheap.
"""

__all__ = ["analysis", "arrangement", "check", "effects", "errors", "io", "loudness", "master", "mix", "peaks",
           "truepeak"]
