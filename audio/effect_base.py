"""Base of the insert effects: :class:`Param` (one numeric parameter) and :class:`Effect`.

Concrete effects and the registry are in :mod:`audio.effects`; the EQ lives
with its biquads in :mod:`audio.eq`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pedalboard

from audio import fields
from audio.errors import InvalidParameter

__all__ = ["PEDALBOARD_BUFFER", "Effect", "Param"]

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
