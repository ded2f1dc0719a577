"""The EQ insert: RBJ biquad bands (:mod:`audio.biquad`) run as one cascade, as the browser plays them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from audio import fields
from audio.biquad import apply_eq, eq_sos
from audio.effect_base import Effect, Param
from audio.errors import InvalidParameter

__all__ = ["EQ_BAND_KINDS", "Eq", "EqBand"]

EQ_BAND_KINDS = ("low_shelf", "high_shelf", "peak", "highpass", "lowpass")


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
