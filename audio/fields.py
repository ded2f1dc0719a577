"""Reading validated fields out of untrusted JSON objects; every error names the field path.

Shared by :mod:`audio.effects` and :mod:`audio.arrangement`, e.g.
``tracks[2].clips[0].length_s must be > 0, got 0``.
"""

from __future__ import annotations

import math
from typing import Any

from audio.errors import InvalidParameter

__all__ = ["fail", "flag", "items", "number", "obj", "text"]


def fail(path: str, message: str) -> InvalidParameter:
    return InvalidParameter(f"{path} {message}")


def number(d: dict[str, Any], key: str, path: str, *, default: float | None = None,
           low: float | None = None, high: float | None = None, low_open: bool = False) -> float:
    """``d[key]`` as a finite float within ``low``..``high`` (``default`` when absent)."""
    where = f"{path}.{key}" if path else key
    value = d.get(key, default)
    if value is None:
        raise fail(where, "is required")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(where, f"must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise fail(where, f"must be finite, got {value}")
    if low is not None and (value <= low if low_open else value < low):
        raise fail(where, f"must be {'>' if low_open else '>='} {low:g}, got {value:g}")
    if high is not None and value > high:
        raise fail(where, f"must be <= {high:g}, got {value:g}")
    return value


def text(d: dict[str, Any], key: str, path: str, *, default: str | None = None) -> str:
    value = d.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{path}.{key}", f"must be a non-empty string, got {value!r}")
    return value


def flag(d: dict[str, Any], key: str, path: str) -> bool:
    value = d.get(key, False)
    if not isinstance(value, bool):
        raise fail(f"{path}.{key}", f"must be true or false, got {value!r}")
    return value


def items(d: dict[str, Any], key: str, path: str) -> list[Any]:
    value = d.get(key, [])
    if not isinstance(value, list):
        raise fail(f"{path}.{key}" if path else key, f"must be a list, got {type(value).__name__}")
    return value


def obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(path, f"must be an object, got {type(value).__name__}")
    return value
