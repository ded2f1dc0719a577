"""project.xml and metadata.xml of a .dawproject (DAWproject 1.0) from a studio arrangement.

Everything on the timeline is in seconds (`timeUnit="seconds"`), so nothing depends on the
tempo a DAW reads. A track is an audio Track whose Channel carries volume (linear gain, 1.0 =
0 dB), pan (normalized, 0.5 = centre), mute, solo and its inserts, routed to a master Channel.
A clip plays its library file from `playStart` (our offset) for `duration`, with fades in
seconds. The schema has no clip gain attribute: a clip with gain holds its audio in a <Lanes>
beside a one-point gain envelope (<Points unit="decibel"> with Target expression="gain"),
the schema's clip-local automation; DAWs that ignore it play the clip at 0 dB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from maxbooster.services.studio.dawproject.devices import write_devices
from maxbooster.services.studio.dawproject.values import db_to_linear, num, real

APP_NAME = "Max Booster"
FORMAT_VERSION = "1.0"
MAX_VOLUME_DB = 12.0


@dataclass(frozen=True)
class AudioFile:
    """One embedded audio file: its path in the archive and what the Audio element declares."""

    path: str
    title: str
    channels: int
    sample_rate: int
    duration_s: float


class _Ids:
    """xs:ID values (`id1`, `id2`, …) in document order."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"id{self.n}"


def _flag(value: Any) -> str:
    return "true" if value else "false"


def _channel(track_el: ET.Element, ids: _Ids, *, role: str, volume_db: float, inserts: list[dict[str, Any]],
             owner: str, destination: str | None = None, channel_id: str | None = None,
             mixer: dict[str, Any] | None = None) -> list[str]:
    ch = ET.SubElement(track_el, "Channel", id=channel_id or ids(), role=role, audioChannels="2")
    if destination:
        ch.set("destination", destination)
    if mixer is not None:
        ch.set("solo", _flag(mixer.get("solo")))
    notes = write_devices(ch, inserts, owner=owner, ids=ids)
    if mixer is not None:
        ET.SubElement(ch, "Mute", id=ids(), name="Mute", value=_flag(mixer.get("mute")))
        real(ch, "Pan", ids, "normalized", (float(mixer.get("pan", 0.0)) + 1.0) / 2.0, low=0.0, high=1.0)
    real(ch, "Volume", ids, "linear", db_to_linear(volume_db), low=0.0, high=db_to_linear(MAX_VOLUME_DB))
    return notes


def _clip(clips_el: ET.Element, clip: dict[str, Any], audio: AudioFile, ids: _Ids) -> None:
    start, length, offset = float(clip["start_s"]), float(clip["length_s"]), float(clip.get("offset_s", 0.0))
    el = ET.SubElement(clips_el, "Clip", name=audio.title, time=num(start), duration=num(length),
                       contentTimeUnit="seconds", playStart=num(offset), playStop=num(offset + length),
                       fadeTimeUnit="seconds", fadeInTime=num(clip.get("fade_in_s", 0.0)),
                       fadeOutTime=num(clip.get("fade_out_s", 0.0)))
    gain = float(clip.get("gain_db", 0.0))
    holder = ET.SubElement(el, "Lanes", id=ids(), timeUnit="seconds") if gain else el
    media = ET.SubElement(holder, "Audio", id=ids(), timeUnit="seconds", channels=str(audio.channels),
                          sampleRate=str(audio.sample_rate), duration=num(audio.duration_s))
    ET.SubElement(media, "File", path=audio.path)
    if gain:
        points = ET.SubElement(holder, "Points", id=ids(), timeUnit="seconds", unit="decibel")
        ET.SubElement(points, "Target", expression="gain")
        ET.SubElement(points, "RealPoint", time="0.0", value=num(gain), interpolation="hold")


def project_xml(document: dict[str, Any], *, beats_per_bar: int, beat_unit: int, files: dict[str, AudioFile],
                app_version: str) -> tuple[bytes, list[str]]:
    """(project.xml as UTF-8 bytes, inserts that could not be written: "Reverb on “Vocals”").

    `files` maps each clip's `file` (a library track id) to its embedded audio."""
    ids = _Ids()
    root = ET.Element("Project", version=FORMAT_VERSION)
    ET.SubElement(root, "Application", name=APP_NAME, version=app_version)
    transport = ET.SubElement(root, "Transport")
    real(transport, "Tempo", ids, "bpm", float(document.get("tempo_bpm", 120.0)), low=20.0, high=400.0)
    ET.SubElement(transport, "TimeSignature", id=ids(), name="TimeSignature", numerator=str(beats_per_bar),
                  denominator=str(beat_unit))
    structure = ET.SubElement(root, "Structure")
    master_track, master_channel = ids(), ids()
    notes: list[str] = []
    track_ids = []
    for track in document.get("tracks", []):
        track_el = ET.SubElement(structure, "Track", id=ids(), name=track["name"], contentType="audio",
                                 loaded="true")
        track_ids.append(track_el.get("id", ""))
        notes += _channel(track_el, ids, role="regular", volume_db=float(track.get("volume_db", 0.0)),
                          inserts=track.get("inserts", []), owner=f"“{track['name']}”", destination=master_channel,
                          mixer=track)
    master = document.get("master", {})
    master_el = ET.SubElement(structure, "Track", id=master_track, name="Master", contentType="audio", loaded="true")
    notes += _channel(master_el, ids, role="master", volume_db=float(master.get("volume_db", 0.0)),
                      inserts=master.get("inserts", []), owner="the master bus", channel_id=master_channel)
    arrangement = ET.SubElement(root, "Arrangement", id=ids())
    lanes = ET.SubElement(arrangement, "Lanes", id=ids(), timeUnit="seconds")
    for track, track_id in zip(document.get("tracks", []), track_ids, strict=True):
        track_lanes = ET.SubElement(lanes, "Lanes", id=ids(), track=track_id)
        clips_el = ET.SubElement(track_lanes, "Clips", id=ids())
        for clip in track.get("clips", []):
            _clip(clips_el, clip, files[str(clip["file"])], ids)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), notes


def metadata_xml(*, title: str, comment: str = "") -> bytes:
    root = ET.Element("MetaData")
    ET.SubElement(root, "Title").text = title
    if comment:
        ET.SubElement(root, "Comment").text = comment
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
