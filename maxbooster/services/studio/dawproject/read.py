"""project.xml of a .dawproject → what a studio project can hold (tracks, clips, mix, tempo).

Times in beats are turned into seconds with the project's tempo (tempo changes are not kept);
nested clips are flattened onto their track; a clip whose audio is time-stretched, a MIDI clip,
a group's own mix settings, sends and automation have no place in a studio project and are
skipped with a note. Numbers are checked (the schema lets NaN and infinity through): an invalid
time or length refuses the file with a message naming the track.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from maxbooster.services.studio.dawproject.archive import DawprojectRefused, safe_path
from maxbooster.services.studio.dawproject.devices import read_devices
from maxbooster.services.studio.dawproject.values import pan, read_bool, read_float, volume_db

MAX_CLIPS = 5000
MAX_NESTING = 8
SPEED_TOLERANCE = 0.001


@dataclass
class ClipPlan:
    file: str  # the audio's path inside the archive
    start_s: float
    length_s: float
    offset_s: float = 0.0
    gain_db: float = 0.0
    fade_in_s: float = 0.0
    fade_out_s: float = 0.0


@dataclass
class TrackPlan:
    name: str
    volume_db: float = 0.0
    pan: float = 0.0
    mute: bool = False
    solo: bool = False
    inserts: list[dict[str, Any]] = field(default_factory=list)
    clips: list[ClipPlan] = field(default_factory=list)


@dataclass
class ProjectPlan:
    tempo_bpm: float = 120.0
    beats_per_bar: int = 4
    beat_unit: int = 4
    tracks: list[TrackPlan] = field(default_factory=list)
    master_volume_db: float = 0.0
    master_inserts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, root: ET.Element) -> None:
        if root.tag != "Project":
            raise DawprojectRefused(f"project.xml is not a DAWproject project (it starts with <{root.tag[:40]}>).")
        self.root = root
        self.plan = ProjectPlan()
        self.notes = self.plan.notes
        self.by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
        self.tracks: list[tuple[str, ET.Element]] = []  # (track id, Track element) in order
        self.clips: dict[str, list[ClipPlan]] = {}
        self.midi: set[str] = set()
        self.count = 0
        self.said: set[str] = set()
        self.file_tempo = 120.0

    def note_once(self, text: str) -> None:
        if text not in self.said:
            self.said.add(text)
            self.notes.append(text)

    def transport(self) -> None:
        transport = self.root.find("Transport")
        tempo = transport.find("Tempo") if transport is not None else None
        if tempo is not None:
            bpm = read_float(tempo, "value", "the tempo", 120.0)
            if bpm <= 0:
                raise DawprojectRefused(f"The project's tempo ({bpm:g} BPM) is not a tempo. It cannot be imported.")
            self.file_tempo = bpm  # beats → seconds with the file's own tempo, whatever we store
            self.plan.tempo_bpm = min(400.0, max(20.0, bpm))
            if self.plan.tempo_bpm != bpm:
                self.notes.append(f"The tempo {bpm:g} BPM was set to {self.plan.tempo_bpm:g} BPM (studio projects "
                                  "use 20 to 400); clip positions are unchanged.")
        meter = transport.find("TimeSignature") if transport is not None else None
        if meter is not None:
            top, bottom = meter.get("numerator", "4"), meter.get("denominator", "4")
            if top.isdigit() and bottom in ("2", "4", "8", "16") and 1 <= int(top) <= 32:
                self.plan.beats_per_bar, self.plan.beat_unit = int(top), int(bottom)
            else:
                self.notes.append(f"The time signature {top}/{bottom} is not supported; the project uses 4/4.")

    def structure(self) -> None:
        structure = self.root.find("Structure")
        for el in structure if structure is not None else []:
            if el.tag == "Track":
                self._track(el)
            elif el.tag == "Channel" and el.get("role") == "master":
                self._master(el)
            elif el.tag == "Channel":
                self.note_once("Effect and group channels were not imported.")

    def _master(self, channel: ET.Element) -> None:
        self.plan.master_volume_db = volume_db(channel, self.notes, "the master bus")
        self.plan.master_inserts, notes = read_devices(channel, owner="the master bus")
        self.notes.extend(notes)

    def _track(self, el: ET.Element) -> None:
        channel = el.find("Channel")
        role = channel.get("role", "regular") if channel is not None else "regular"
        children = el.findall("Track")
        if role == "master" and channel is not None:
            self._master(channel)
        elif children:
            self.note_once("Group tracks were flattened: their own volume, pan and effects were not imported.")
        elif role in ("effect", "submix", "vca"):
            self.note_once("Effect and group channels were not imported.")
        else:
            self.tracks.append((el.get("id", ""), el))
        for child in children:
            self._track(child)

    def seconds(self, value: float, unit: str) -> float:
        return value if unit == "seconds" else value * 60.0 / self.file_tempo

    def arrangement(self) -> None:
        arrangement = self.root.find("Arrangement")
        if arrangement is None:
            return
        if arrangement.find("TempoAutomation") is not None:
            self.note_once("Tempo changes were not imported: the whole project uses its first tempo.")
        for child in arrangement:
            if child.tag == "Lanes":
                self._walk(child, "beats", None)

    def _walk(self, el: ET.Element, unit: str, track: str | None) -> None:
        unit, track = el.get("timeUnit", unit), el.get("track", track)
        if el.tag == "Lanes":
            for child in el:
                self._walk(child, unit, track)
        elif el.tag == "Clips":
            for clip in el.findall("Clip"):
                self._clip(clip, unit, track, (0.0, 0.0, math.inf))
        elif el.tag == "Notes" and track:
            self.midi.add(track)
        elif el.tag == "Points":
            self.note_once("Automation was not imported.")

    def _clip(self, clip: ET.Element, unit: str, track: str | None, frame: tuple[float, float, float],
              depth: int = 0) -> None:
        """Add `clip` to `track`; `frame` = (origin, visible from, visible to) in absolute seconds."""
        if depth > MAX_NESTING:  # also ends alias clips that refer to their own container
            self.note_once(f"Clips nested more than {MAX_NESTING} deep were skipped.")
            return
        what = f"a clip on track {self._track_name(track)}"
        origin, low, high = frame
        start = origin + self.seconds(read_float(clip, "time", what), unit)
        inner = clip.get("contentTimeUnit", unit)
        play = self.seconds(read_float(clip, "playStart", what, 0.0), inner)
        if clip.get("duration") is not None:
            length = self.seconds(read_float(clip, "duration", what), unit)
        else:
            length = self.seconds(read_float(clip, "playStop", what), inner) - play
        if clip.get("loopEnd") is not None and play + length > self.seconds(read_float(clip, "loopEnd", what), inner):
            length = self.seconds(read_float(clip, "loopEnd", what), inner) - play
            self.note_once("Looped clips were imported without their repeats.")
        fade_unit = clip.get("fadeTimeUnit", unit)
        fade_in = self.seconds(read_float(clip, "fadeInTime", what, 0.0), fade_unit)
        fade_out = max(0.0, self.seconds(read_float(clip, "fadeOutTime", what, 0.0), fade_unit))
        if fade_in < 0:  # a cross-fade: the clip starts that much earlier (DAWproject's convention)
            start, play, length, fade_in = start + fade_in, play + fade_in, length - fade_in, -fade_in
        cut = max(0.0, low - start, -play)
        start, play, length = start + cut, play + cut, min(length - cut, high - start - cut)
        if track is None or length <= 0 or clip.get("enable") == "false":
            if track is None or clip.get("enable") == "false":
                self.note_once("Clips that were switched off or not on a track were skipped.")
            return
        content = self._content(clip)
        if content is None:
            return
        if content.tag == "Clips":
            for child in content.findall("Clip"):
                self._clip(child, inner, track, (start - play, start, start + length), depth + 1)
            return
        if content.tag == "Notes":
            self.midi.add(track)
            return
        found = self._audio(content, inner, what)
        if found is None:
            return
        path, shift, gain = found
        self.count += 1
        if self.count > MAX_CLIPS:
            raise DawprojectRefused(f"The project has more than {MAX_CLIPS} clips. It cannot be imported.")
        scale = min(1.0, length / (fade_in + fade_out)) if fade_in + fade_out > length else 1.0
        self.clips.setdefault(track, []).append(ClipPlan(
            file=path, start_s=start, length_s=length, offset_s=max(0.0, play + shift), gain_db=gain,
            fade_in_s=fade_in * scale, fade_out_s=fade_out * scale))

    def _content(self, clip: ET.Element) -> ET.Element | None:
        for child in clip:
            if child.tag in ("Audio", "Warps", "Lanes", "Clips", "Notes"):
                return child
        ref = clip.get("reference")
        return self.by_id.get(ref) if ref else None

    def _audio(self, content: ET.Element, unit: str, what: str) -> tuple[str, float, float] | None:
        """(archive path, seconds to add to playStart to reach the file's time, gain dB) or None (skipped)."""
        gain = 0.0
        if content.tag == "Lanes":
            media = [c for c in content if c.tag in ("Audio", "Warps")]
            for points in content.findall("Points"):
                target = points.find("Target")
                if target is not None and target.get("expression") == "gain":
                    gain = self._gain(points, what)
            if len(media) != 1:
                return None
            content = media[0]
        shift = 0.0
        if content.tag == "Warps":
            warped = self._warps(content, unit, what)
            if warped is None:
                return None
            content, shift = warped
        if content.tag != "Audio":
            return None
        file_el = content.find("File")
        if file_el is None or not file_el.get("path"):
            raise DawprojectRefused(f"The project file has {what} without an audio file. It cannot be imported.")
        raw = file_el.get("path", "")
        if read_bool(file_el, "external"):
            raise DawprojectRefused(f"The project refers to audio outside the DAWproject file ({raw[:120]}). "
                                    "Export it again from your DAW with the audio files included.")
        return safe_path(raw, what="a file reference of project.xml"), shift, gain

    def _warps(self, warps: ET.Element, unit: str, what: str) -> tuple[ET.Element, float] | None:
        outer, inner = warps.get("timeUnit", unit), warps.get("contentTimeUnit", "seconds")
        points = sorted((self.seconds(read_float(w, "time", what), outer),
                         self.seconds(read_float(w, "contentTime", what), inner)) for w in warps.findall("Warp"))
        media = next((c for c in warps if c.tag == "Audio"), None)
        speeds = [(c2 - c1) / (t2 - t1) for (t1, c1), (t2, c2) in zip(points, points[1:], strict=False) if t2 > t1]
        if media is None or any(abs(s - 1.0) > SPEED_TOLERANCE for s in speeds):
            self.note_once("Time-stretched clips were skipped (studio projects play audio at its own speed).")
            return None
        shift = points[0][1] - points[0][0] if points else 0.0
        return media, shift

    def _gain(self, points: ET.Element, what: str) -> float:
        values = [read_float(p, "value", what) for p in points if p.tag == "RealPoint"]
        if not values:
            return 0.0
        if len(set(values)) > 1:
            self.note_once("Clip gain envelopes were imported as one gain (their first value).")
        value = values[0]
        if points.get("unit") == "linear":
            value = 20 * math.log10(value) if value > 0 else -96.0
        return round(min(24.0, max(-96.0, value)), 6)

    def _track_name(self, track_id: str | None) -> str:
        el = self.by_id.get(track_id) if track_id else None
        return f"“{el.get('name')}”" if el is not None and el.get("name") else "(unnamed)"

    def tracks_plan(self) -> None:
        for n, (track_id, el) in enumerate(self.tracks, 1):
            name = " ".join((el.get("name") or f"Track {n}").split())[:100] or f"Track {n}"
            clips = self.clips.get(track_id, [])
            if not clips and (track_id in self.midi or "audio" not in el.get("contentType", "audio").split()):
                self.notes.append(f"Track “{name}” has no audio (MIDI or automation only) and was skipped.")
                continue
            plan = TrackPlan(name=name, clips=clips)
            channel = el.find("Channel")
            if channel is not None:
                owner = f"“{name}”"
                plan.volume_db, plan.pan = volume_db(channel, self.notes, owner), pan(channel, owner)
                plan.mute, plan.solo = read_bool(channel.find("Mute")), read_bool(channel, "solo")
                plan.inserts, notes = read_devices(channel, owner=owner)
                self.notes.extend(notes)
                if channel.find("Sends") is not None:
                    self.note_once("Sends were not imported.")
            if track_id in self.midi:
                self.notes.append(f"The MIDI clips of “{name}” were skipped; its audio clips were imported.")
            self.plan.tracks.append(plan)
        known = {track_id for track_id, _ in self.tracks}
        if any(t not in known for t in self.clips):
            self.note_once("Clips on tracks that were not imported were skipped.")


def read_project(root: ET.Element) -> ProjectPlan:
    """What to build from a parsed project.xml; DawprojectRefused for a file that is not usable."""
    reader = _Reader(root)
    reader.transport()
    reader.structure()
    reader.arrangement()
    reader.tracks_plan()
    return reader.plan
