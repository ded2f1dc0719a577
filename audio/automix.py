"""Auto-mix assistant: gain staging by role and pan spread, as data the UI can apply or undo.

Each audible track is rendered pre-fader (clips and inserts) and measured
(BS.1770 integrated loudness). The fader that puts it at its role's target is
suggested. The targets set the relation between roles: vocals sit 2 LU above
drums, drums 2 LU above bass and music. Tracks sharing a role are spread
across the stereo field (bass stays centred).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from audio.arrangement import Arrangement
from audio.errors import InvalidParameter
from audio.loudness import integrated_loudness
from audio.mix import AudioLoader, FileCache, arrangement_length, audible_tracks, render_track

ROLE_TARGET_LUFS = {"vocals": -18.0, "drums": -20.0, "bass": -22.0, "music": -22.0, "other": -24.0}
_SPREAD = 0.6  # widest suggested pan for a role group
_FADER_RANGE_DB = (-48.0, 12.0)


@dataclass(frozen=True)
class TrackSuggestion:
    """Suggested fader (dB) and pan for one track, the previous values and why."""

    track_id: str
    volume_db: float
    pan: float
    reason: str
    previous_volume_db: float
    previous_pan: float

    def to_dict(self) -> dict[str, Any]:
        return {"track_id": self.track_id, "volume_db": self.volume_db, "pan": self.pan,
                "reason": self.reason,
                "previous": {"volume_db": self.previous_volume_db, "pan": self.previous_pan}}


@dataclass(frozen=True)
class MixSuggestion:
    """All suggestions for a arrangement; ``to_dict()["tracks"]`` is what the UI shows."""

    tracks: tuple[TrackSuggestion, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"tracks": [t.to_dict() for t in self.tracks], "role_targets_lufs": dict(ROLE_TARGET_LUFS)}


def _spread(count: int) -> list[float]:
    if count <= 1:
        return [0.0]
    return [round(-_SPREAD + 2 * _SPREAD * i / (count - 1), 3) for i in range(count)]


def suggest_mix(arrangement: Arrangement, audio_loader: AudioLoader | None = None, *,
                base_dir: str | None = None) -> MixSuggestion:
    """Propose faders and pans; ``audio_loader(file) -> (samples, sample_rate)``."""
    files = FileCache(arrangement.sample_rate, base_dir, audio_loader)
    n = arrangement_length(arrangement)
    if n == 0:
        raise InvalidParameter("arrangement has no clips: nothing to suggest")
    tracks = [t for t in audible_tracks(arrangement) if t.clips]
    by_role: dict[str, list[str]] = {}
    for t in tracks:
        by_role.setdefault(t.role, []).append(t.id)
    out: list[TrackSuggestion] = []
    for t in tracks:
        pre = render_track(t, n, files, post_fader=False)
        # Constant-power pan keeps a dual-mono track's power; measure what the fader will scale.
        lufs = integrated_loudness(pre * np.float32(math.sqrt(0.5)), arrangement.sample_rate)
        group = by_role[t.role]
        pan = 0.0 if t.role == "bass" else _spread(len(group))[group.index(t.id)]
        target = ROLE_TARGET_LUFS[t.role]
        if not math.isfinite(lufs):
            out.append(TrackSuggestion(t.id, t.volume_db, pan, f"{t.name} is silent; fader unchanged",
                                       t.volume_db, t.pan))
            continue
        volume = float(np.clip(target - lufs, *_FADER_RANGE_DB))
        reason = (f"{t.name} ({t.role}) measures {lufs:.1f} LUFS before the fader; the {t.role} target is "
                  f"{target:g} LUFS, so fader {volume:+.1f} dB")
        if volume != target - lufs:
            low, high = _FADER_RANGE_DB
            reason += f" (limited to the fader range {low:g}..{high:+g} dB: adjust clip gain)"
        if len(group) > 1 and t.role != "bass":
            reason += f"; pan {pan:+.2f} spreads the {len(group)} {t.role} tracks"
        out.append(TrackSuggestion(t.id, round(volume, 2), pan, reason, t.volume_db, t.pan))
    return MixSuggestion(tuple(out))


def apply_suggestion(arrangement: Arrangement, suggestion: MixSuggestion) -> Arrangement:
    """A new arrangement with the suggested faders and pans."""
    values = {s.track_id: (s.volume_db, s.pan) for s in suggestion.tracks}
    return _with_values(arrangement, values)


def undo_suggestion(arrangement: Arrangement, suggestion: MixSuggestion) -> Arrangement:
    """A new arrangement with the faders and pans the suggestion replaced."""
    values = {s.track_id: (s.previous_volume_db, s.previous_pan) for s in suggestion.tracks}
    return _with_values(arrangement, values)


def _with_values(arrangement: Arrangement, values: dict[str, tuple[float, float]]) -> Arrangement:
    unknown = set(values) - {t.id for t in arrangement.tracks}
    if unknown:
        raise InvalidParameter(f"suggestion names unknown track ids {sorted(unknown)}")
    tracks = tuple(replace(t, volume_db=values[t.id][0], pan=values[t.id][1]) if t.id in values else t
                   for t in arrangement.tracks)
    return replace(arrangement, tracks=tracks)
