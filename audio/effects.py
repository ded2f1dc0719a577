"""The insert effects, one frozen dataclass each, in one registry (:data:`EFFECTS`).

Each effect declares its parameters (:class:`Param`: name with its unit,
range, default) once; from that the arrangement JSON parser, the JSON Schema,
the browser studio's parameter panels (:func:`describe_effects`) and the
renderer all follow. Each knows how long it rings after its input stops
(:meth:`Effect.tail_s`) and how it is rendered: our own DSP for EQ (the Web
Audio biquads of :mod:`audio.biquad`), compressor (:mod:`audio.dynamics`) and
limiter (:mod:`audio.limiter`), pedalboard for reverb, delay, gate and gain.
The mastering chain (:mod:`audio.chain`) uses the same EQ and compressor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pedalboard

from audio import fields
from audio.dynamics import compress
from audio.effect_base import PEDALBOARD_BUFFER, Effect, Param
from audio.eq import EQ_BAND_KINDS, Eq, EqBand

__all__ = ["EFFECTS", "EQ_BAND_KINDS", "Compressor", "Delay", "Effect", "Eq", "EqBand", "Gain", "Gate",
           "Limiter", "Param", "Reverb", "chain_tail_s", "describe_effects", "effect_from_dict", "render_chain"]

MAX_TAIL_S = 10.0


@dataclass(frozen=True)
class Compressor(Effect):
    """Feed-forward compressor, stereo-linked, hard knee, no make-up gain."""

    TYPE: ClassVar[str] = "compressor"
    LABEL: ClassVar[str] = "Compressor"
    PARAMS: ClassVar[tuple[Param, ...]] = (
        Param("threshold_db", "dB", -60.0, 0.0, -18.0, "Threshold"),
        Param("ratio", "ratio", 1.0, 20.0, 3.0, "Ratio"),
        Param("attack_ms", "ms", 0.1, 200.0, 10.0, "Attack"),
        Param("release_ms", "ms", 5.0, 2000.0, 150.0, "Release"),
    )
    threshold_db: float = -18.0
    ratio: float = 3.0
    attack_ms: float = 10.0
    release_ms: float = 150.0

    def apply(self, x: np.ndarray, sample_rate: int) -> np.ndarray:
        return compress(x, sample_rate, threshold_db=self.threshold_db, ratio=self.ratio,
                        attack_ms=self.attack_ms, release_ms=self.release_ms)


@dataclass(frozen=True)
class Reverb(Effect):
    """Freeverb-style room (pedalboard); rings for up to about 5 s at the largest room."""

    TYPE: ClassVar[str] = "reverb"
    LABEL: ClassVar[str] = "Reverb"
    PARAMS: ClassVar[tuple[Param, ...]] = (
        Param("room_size", "fraction", 0.0, 1.0, 0.5, "Room size"),
        Param("damping", "fraction", 0.0, 1.0, 0.5, "Damping"),
        Param("wet_level", "fraction", 0.0, 1.0, 0.25, "Wet"),
        Param("dry_level", "fraction", 0.0, 1.0, 0.75, "Dry"),
        Param("width", "fraction", 0.0, 1.0, 1.0, "Width"),
    )
    room_size: float = 0.5
    damping: float = 0.5
    wet_level: float = 0.25
    dry_level: float = 0.75
    width: float = 1.0

    def tail_s(self) -> float:
        return 0.5 + 4.5 * self.room_size

    def plugin(self) -> pedalboard.Plugin:
        return pedalboard.Reverb(self.room_size, self.damping, self.wet_level, self.dry_level, self.width)


@dataclass(frozen=True)
class Delay(Effect):
    """Feedback delay (pedalboard); rings until the repeats fall 60 dB."""

    TYPE: ClassVar[str] = "delay"
    LABEL: ClassVar[str] = "Delay"
    PARAMS: ClassVar[tuple[Param, ...]] = (
        Param("delay_s", "s", 0.001, 4.0, 0.25, "Time"),
        Param("feedback", "fraction", 0.0, 0.95, 0.3, "Feedback"),
        Param("mix", "fraction", 0.0, 1.0, 0.25, "Mix"),
    )
    delay_s: float = 0.25
    feedback: float = 0.3
    mix: float = 0.25

    def tail_s(self) -> float:
        if self.mix <= 0:
            return 0.0
        repeats = 1 if self.feedback <= 0 else math.ceil(math.log(1e-3) / math.log(min(self.feedback, 0.95)))
        return self.delay_s * repeats

    def plugin(self) -> pedalboard.Plugin:
        return pedalboard.Delay(self.delay_s, self.feedback, self.mix)


@dataclass(frozen=True)
class Gate(Effect):
    """Noise gate (pedalboard)."""

    TYPE: ClassVar[str] = "gate"
    LABEL: ClassVar[str] = "Gate"
    PARAMS: ClassVar[tuple[Param, ...]] = (
        Param("threshold_db", "dB", -100.0, 0.0, -50.0, "Threshold"),
        Param("ratio", "ratio", 1.0, 100.0, 10.0, "Ratio"),
        Param("attack_ms", "ms", 0.1, 200.0, 1.0, "Attack"),
        Param("release_ms", "ms", 5.0, 2000.0, 100.0, "Release"),
    )
    threshold_db: float = -50.0
    ratio: float = 10.0
    attack_ms: float = 1.0
    release_ms: float = 100.0

    def plugin(self) -> pedalboard.Plugin:
        return pedalboard.NoiseGate(self.threshold_db, self.ratio, self.attack_ms, self.release_ms)


@dataclass(frozen=True)
class Limiter(Effect):
    """Our look-ahead true-peak limiter (3 ms look-ahead); never clips."""

    TYPE: ClassVar[str] = "limiter"
    LABEL: ClassVar[str] = "Limiter"
    PARAMS: ClassVar[tuple[Param, ...]] = (
        Param("ceiling_dbtp", "dBTP", -30.0, 0.0, -1.0, "Ceiling"),
        Param("release_ms", "ms", 1.0, 2000.0, 80.0, "Release"),
    )
    ceiling_dbtp: float = -1.0
    release_ms: float = 80.0

    def apply(self, x: np.ndarray, sample_rate: int) -> np.ndarray:
        from audio.limiter import LimiterSettings, limit

        settings = LimiterSettings(self.ceiling_dbtp, 3.0, self.release_ms)
        return limit(np.ascontiguousarray(x, dtype=np.float32), sample_rate, settings).samples


@dataclass(frozen=True)
class Gain(Effect):
    """Static gain (pedalboard)."""

    TYPE: ClassVar[str] = "gain"
    LABEL: ClassVar[str] = "Gain"
    PARAMS: ClassVar[tuple[Param, ...]] = (Param("gain_db", "dB", -96.0, 24.0, 0.0, "Gain"),)
    gain_db: float = 0.0

    def plugin(self) -> pedalboard.Plugin:
        return pedalboard.Gain(self.gain_db)


EFFECTS: dict[str, type[Effect]] = {cls.TYPE: cls for cls in (Eq, Compressor, Reverb, Delay, Gate, Limiter, Gain)}


def effect_from_dict(d: Any, path: str) -> Effect:
    """An insert from its JSON object; errors name the field path (``tracks[0].inserts[1].ratio ...``)."""
    d = fields.obj(d, path)
    kind = d.get("type")
    if kind not in EFFECTS:
        raise fields.fail(f"{path}.type", f"must be one of {', '.join(EFFECTS)}, got {kind!r}")
    return EFFECTS[kind].from_dict(d, path)


def describe_effects() -> list[dict[str, Any]]:
    """Every effect's parameters for the studio UI (JSON-ready): type, label, and per parameter
    name, label, unit, min, max, default; the EQ also lists its band kinds and band parameters."""
    return [cls.describe() for cls in EFFECTS.values()]


def chain_tail_s(effects: tuple[Effect, ...]) -> float:
    """Seconds a chain keeps ringing after its input stops (tails add up), capped at MAX_TAIL_S."""
    return min(sum(e.tail_s() for e in effects), MAX_TAIL_S)


def render_chain(x: np.ndarray, effects: tuple[Effect, ...], sample_rate: int) -> np.ndarray:
    """Run ``effects`` in order on ``x`` ``(channels, n)`` float32 (consumed: may change in place).

    Consecutive pedalboard effects share one board (one pass over the audio).
    """
    board: list[pedalboard.Plugin] = []

    def flush(y: np.ndarray) -> np.ndarray:
        if board:
            y = pedalboard.Pedalboard(list(board))(y, sample_rate, buffer_size=PEDALBOARD_BUFFER)
            board.clear()
        return y

    for effect in effects:
        plugin = effect.plugin()
        if plugin is not None:
            board.append(plugin)
        else:
            x = effect.apply(flush(x), sample_rate)
    return np.ascontiguousarray(flush(x), dtype=np.float32)
