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
from audio.biquad import apply_eq, eq_sos
from audio.dynamics import compress
from audio.errors import InvalidParameter

__all__ = ["EFFECTS", "EQ_BAND_KINDS", "Compressor", "Delay", "Effect", "Eq", "EqBand", "Gain", "Gate",
           "Limiter", "Param", "Reverb", "chain_tail_s", "describe_effects", "effect_from_dict", "render_chain"]

MAX_TAIL_S = 10.0
EQ_BAND_KINDS = ("low_shelf", "high_shelf", "peak", "highpass", "lowpass")
PEDALBOARD_BUFFER = 1 << 16  # samples per block; larger blocks run ~25 % faster than the 8192 default


@dataclass(frozen=True)
class Param:
    """One numeric parameter: ``name`` ends in its unit (``_db``, ``_ms``, ``_s``, ``_hz``) where it has one."""

    name: str
    unit: str
    minimum: float
    maximum: float
    default: float
    label: str

    def check(self, value: float, where: str) -> None:
        if not (isinstance(value, int | float) and math.isfinite(value) and self.minimum <= value <= self.maximum):
            raise InvalidParameter(f"{where}{self.name} must be within {self.minimum:g}..{self.maximum:g} "
                                   f"{self.unit}, got {value!r}")

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "unit": self.unit, "min": self.minimum,
                "max": self.maximum, "default": self.default}


@dataclass(frozen=True)
class Effect:
    """Base of every insert effect: validated parameters, a JSON form, a tail, a renderer."""

    TYPE: ClassVar[str] = ""
    LABEL: ClassVar[str] = ""
    PARAMS: ClassVar[tuple[Param, ...]] = ()

    def __post_init__(self) -> None:
        for param in self.PARAMS:
            param.check(getattr(self, param.name), f"{self.TYPE}.")

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> Effect:
        """Parse ``{"type": ..., <params>}``; missing parameters take their defaults."""
        unknown = set(d) - {"type", *(p.name for p in cls.PARAMS)}
        if unknown:
            raise fields.fail(f"{path}.{sorted(unknown)[0]}", f"is not a {cls.TYPE} parameter")
        return cls(**{p.name: fields.number(d, p.name, path, default=p.default, low=p.minimum, high=p.maximum)
                      for p in cls.PARAMS})

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.TYPE, **{p.name: getattr(self, p.name) for p in self.PARAMS}}

    def tail_s(self) -> float:
        """Seconds the effect keeps sounding after its input stops."""
        return 0.0

    def plugin(self) -> pedalboard.Plugin | None:
        """The pedalboard plugin that renders this effect, or None if :meth:`apply` does."""
        return None

    def apply(self, x: np.ndarray, sample_rate: int) -> np.ndarray:
        """Render on ``x`` ``(channels, n)`` float32 (may work in place); effects with a plugin use it."""
        plugin = self.plugin()
        if plugin is None:
            raise NotImplementedError(self.TYPE)
        return pedalboard.Pedalboard([plugin])(x, sample_rate, buffer_size=PEDALBOARD_BUFFER)

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {"type": cls.TYPE, "label": cls.LABEL, "params": [p.describe() for p in cls.PARAMS]}


@dataclass(frozen=True)
class EqBand:
    """One RBJ biquad band; ``q`` is ignored by shelves (slope 1), as in Web Audio."""

    kind: str
    freq_hz: float
    gain_db: float = 0.0
    q: float = 0.707

    PARAMS: ClassVar[tuple[Param, ...]] = (
        Param("freq_hz", "Hz", 10.0, 22000.0, 1000.0, "Frequency"),
        Param("gain_db", "dB", -24.0, 24.0, 0.0, "Gain"),
        Param("q", "Q", 0.1, 18.0, 0.707, "Q"),
    )

    def __post_init__(self) -> None:
        if self.kind not in EQ_BAND_KINDS:
            raise InvalidParameter(f"eq band kind must be one of {', '.join(EQ_BAND_KINDS)}, got {self.kind!r}")
        for param in self.PARAMS:
            param.check(getattr(self, param.name), "eq band ")

    @classmethod
    def from_dict(cls, d: Any, path: str) -> EqBand:
        d = fields.obj(d, path)
        if d.get("kind") not in EQ_BAND_KINDS:
            raise fields.fail(f"{path}.kind", f"must be one of {', '.join(EQ_BAND_KINDS)}, got {d.get('kind')!r}")
        unknown = set(d) - {"kind", *(p.name for p in cls.PARAMS)}
        if unknown:
            raise fields.fail(f"{path}.{sorted(unknown)[0]}", "is not an eq band parameter")
        freq, gain, q = (fields.number(d, p.name, path, default=None if p.name == "freq_hz" else p.default,
                                       low=p.minimum, high=p.maximum) for p in cls.PARAMS)
        return cls(d["kind"], freq, gain, q)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "freq_hz": self.freq_hz, "gain_db": self.gain_db, "q": self.q}


@dataclass(frozen=True)
class Eq(Effect):
    """Parametric EQ: the bands as one biquad cascade (same filters as the browser's playback)."""

    TYPE: ClassVar[str] = "eq"
    LABEL: ClassVar[str] = "EQ"
    bands: tuple[EqBand, ...] = ()

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> Eq:
        unknown = set(d) - {"type", "bands"}
        if unknown:
            raise fields.fail(f"{path}.{sorted(unknown)[0]}", "is not an eq parameter")
        return cls(tuple(EqBand.from_dict(b, f"{path}.bands[{i}]")
                         for i, b in enumerate(fields.items(d, "bands", path))))

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.TYPE, "bands": [b.to_dict() for b in self.bands]}

    def sos(self, sample_rate: int) -> np.ndarray | None:
        """The cascade as second-order sections ``(bands, 6)``; None without bands."""
        return eq_sos([b.to_dict() for b in self.bands], sample_rate)

    def apply(self, x: np.ndarray, sample_rate: int) -> np.ndarray:
        sos = self.sos(sample_rate)
        return apply_eq(x, sos) if sos is not None else x

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {**super().describe(), "bands": {"kinds": list(EQ_BAND_KINDS),
                                                "params": [p.describe() for p in EqBand.PARAMS]}}


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
