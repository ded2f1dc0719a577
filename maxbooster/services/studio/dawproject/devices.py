"""Insert effects ↔ DAWproject's built-in devices (Equalizer, Compressor, NoiseGate, Limiter).

DAWproject 1.0 has no built-in reverb, delay or gain device: those inserts are left out of an
export and named in its notes. Parameters use the schema's units (seconds, decibel, hertz,
linear); our limiter's ceiling is written as the Limiter's Threshold. On import, a plug-in
(VST, CLAP, AU) or a device whose settings are outside what our effects accept is skipped with a
note, never an error.
"""

from __future__ import annotations

import math
from typing import Any
from xml.etree import ElementTree as ET

from audio.effects import EFFECTS, effect_from_dict
from audio.errors import AudioError
from maxbooster.services.studio.dawproject.values import IdMaker, real

EQ_BANDS = {"low_shelf": "lowShelf", "high_shelf": "highShelf", "peak": "bell", "highpass": "highPass",
            "lowpass": "lowPass"}
# effect type → (element, [(our param, element, kind)]) ; kind: db, ms (written in seconds), plain
DYNAMICS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "compressor": ("Compressor", [("attack_ms", "Attack", "ms"), ("ratio", "Ratio", "plain"),
                                  ("release_ms", "Release", "ms"), ("threshold_db", "Threshold", "db")]),
    "gate": ("NoiseGate", [("attack_ms", "Attack", "ms"), ("ratio", "Ratio", "plain"),
                           ("release_ms", "Release", "ms"), ("threshold_db", "Threshold", "db")]),
    "limiter": ("Limiter", [("release_ms", "Release", "ms"), ("ceiling_dbtp", "Threshold", "db")]),
}
_UNITS = {"db": "decibel", "ms": "seconds", "plain": "linear", "hz": "hertz"}
# the schema's element order inside each device (after Enabled)
_ORDER = {"Compressor": ["Attack", "AutoMakeup", "InputGain", "OutputGain", "Ratio", "Release", "Threshold"],
          "NoiseGate": ["Attack", "Range", "Ratio", "Release", "Threshold"],
          "Limiter": ["Attack", "InputGain", "OutputGain", "Release", "Threshold"]}


def _device(tag: str, label: str, ids: IdMaker) -> ET.Element:
    el = ET.Element(tag, id=ids(), name=label, deviceName=label, deviceRole="audioFX", deviceVendor="Max Booster")
    ET.SubElement(el, "Enabled", id=ids(), name="Enabled", value="true")
    return el


def _write_one(insert: dict[str, Any], ids: IdMaker) -> ET.Element | None:
    kind = insert.get("type")
    if kind == "eq":
        el = _device("Equalizer", "EQ", ids)
        for band in insert.get("bands", []):
            b = ET.SubElement(el, "Band", type=EQ_BANDS[band["kind"]])
            real(b, "Freq", ids, "hertz", band["freq_hz"])
            real(b, "Gain", ids, "decibel", band["gain_db"])
            real(b, "Q", ids, "linear", band["q"])
        return el
    if kind in DYNAMICS:
        tag, params = DYNAMICS[kind]
        el = _device(tag, EFFECTS[kind].LABEL, ids)
        values = {element: (insert[ours] / 1000.0 if how == "ms" else insert[ours], _UNITS[how])
                  for ours, element, how in params}
        for element in _ORDER[tag]:
            if element == "AutoMakeup":  # ours never adds make-up gain
                ET.SubElement(el, "AutoMakeup", id=ids(), name="AutoMakeup", value="false")
            elif element in values:
                real(el, element, ids, values[element][1], values[element][0])
        return el
    return None


def write_devices(channel: ET.Element, inserts: list[dict[str, Any]], *, owner: str, ids: IdMaker) -> list[str]:
    """Add a <Devices> to `channel` for the inserts the schema can hold; notes for the others."""
    notes: list[str] = []
    devices = []
    for insert in inserts:
        el = _write_one(insert, ids)
        if el is None:
            label = EFFECTS[insert["type"]].LABEL if insert.get("type") in EFFECTS else str(insert.get("type"))
            notes.append(f"{label} on {owner}")
        else:
            devices.append(el)
    if devices:
        ET.SubElement(channel, "Devices").extend(devices)
    return notes


def _value(parent: ET.Element, tag: str, how: str) -> float | None:
    """A parameter's value converted to our unit (dB, ms, Hz, plain), None when absent or unusable."""
    el = parent.find(tag)
    if el is None or el.get("value") is None:
        return None
    try:
        value = float(el.get("value", ""))
    except ValueError:
        return None
    unit = el.get("unit")
    if not math.isfinite(value):
        return None
    if how == "db":
        if unit == "linear":
            return 20 * math.log10(value) if value > 0 else None
        return value if unit in (None, "decibel") else None
    if how == "ms":
        return round(value * 1000.0, 6) if unit in (None, "seconds") else None
    if how == "hz":
        return value if unit in (None, "hertz") else None
    return value if unit in (None, "linear") else None


def _read_one(el: ET.Element) -> dict[str, Any] | None:
    if el.tag == "Equalizer":
        back = {v: k for k, v in EQ_BANDS.items()}
        bands = []
        for band in el.findall("Band"):
            freq, off = _value(band, "Freq", "hz"), band.find("Enabled")
            if band.get("type") not in back or freq is None or (off is not None and off.get("value") == "false"):
                continue
            b: dict[str, Any] = {"kind": back[band.get("type", "")], "freq_hz": freq}
            for ours, tag, how in (("gain_db", "Gain", "db"), ("q", "Q", "plain")):
                value = _value(band, tag, how)
                if value is not None:
                    b[ours] = value
            bands.append(b)
        return {"type": "eq", "bands": bands}
    for kind, (tag, params) in DYNAMICS.items():
        if el.tag == tag:
            found = {ours: _value(el, element, how) for ours, element, how in params}
            return {"type": kind, **{k: v for k, v in found.items() if v is not None}}
    return None


def read_devices(channel: ET.Element, *, owner: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(inserts as arrangement JSON, notes on what was skipped) from a channel's <Devices>."""
    inserts: list[dict[str, Any]] = []
    notes: list[str] = []
    devices = channel.find("Devices")
    for el in devices if devices is not None else []:
        label = el.get("deviceName") or el.get("name") or el.tag
        enabled = el.find("Enabled")
        if enabled is not None and enabled.get("value") == "false":
            notes.append(f"{label} on {owner} was switched off and was not imported.")
            continue
        insert = _read_one(el)
        if insert is None:
            notes.append(f"The plug-in {label} on {owner} was not imported (only EQ, compressor, gate and "
                         "limiter settings move between DAWs).")
            continue
        try:
            inserts.append(effect_from_dict(insert, "insert").to_dict())
        except AudioError as exc:
            notes.append(f"{label} on {owner} was not imported: its settings are outside ours ({exc}).")
    return inserts, notes
