"""Numbers in project.xml: writing parameters in the schema's units, reading them back checked.

The schema lets NaN and infinity through and leaves units to the writer: a time or length that
is not a finite number refuses the file (naming where it is); volume in linear gain or decibels
and pan as normalized (0..1), linear (-1..1) or percent are read, clamped to our ranges.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from xml.etree import ElementTree as ET

from maxbooster.services.studio.dawproject.archive import DawprojectRefused

IdMaker = Callable[[], str]


def db_to_linear(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def num(value: float) -> str:
    """A float as the shortest text that reads back exactly."""
    return repr(float(value))


def real(parent: ET.Element, tag: str, ids: IdMaker, unit: str, value: float, *, low: float | None = None,
         high: float | None = None, name: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag, id=ids(), name=name or tag, unit=unit, value=num(value))
    if low is not None:
        el.set("min", num(low))
    if high is not None:
        el.set("max", num(high))
    return el


def read_float(el: ET.Element, attr: str, what: str, default: float | None = None) -> float:
    raw = el.get(attr)
    if raw is None:
        if default is None:
            raise DawprojectRefused(f"The project file is missing the {attr} of {what}. It cannot be imported.")
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise DawprojectRefused(f"The project file has an invalid {attr} ({raw[:40]!r}) on {what}. "
                                "It cannot be imported.")
    return value


def read_bool(el: ET.Element | None, attr: str = "value") -> bool:
    return el is not None and el.get(attr, "false").strip().lower() in ("true", "1")


def volume_db(channel: ET.Element, notes: list[str], owner: str) -> float:
    el = channel.find("Volume")
    if el is None:
        return 0.0
    value, unit = read_float(el, "value", f"the volume of {owner}", 1.0), el.get("unit")
    if unit == "decibel":
        db = value
    elif unit == "linear":
        db = 20 * math.log10(value) if value > 0 else -96.0
    else:
        notes.append(f"The volume of {owner} uses a unit we cannot read ({unit}); it was set to 0 dB.")
        return 0.0
    return round(min(12.0, max(-96.0, db)), 6)


def pan(channel: ET.Element, owner: str) -> float:
    el = channel.find("Pan")
    if el is None:
        return 0.0
    value, unit = read_float(el, "value", f"the pan of {owner}", 0.5), el.get("unit")
    if unit == "normalized" or (el.get("min") in ("0", "0.0") and el.get("max") in ("1", "1.0")):
        value = 2 * value - 1
    elif unit == "percent":
        value /= 100
    return round(min(1.0, max(-1.0, value)), 6)
