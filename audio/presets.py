"""Mastering destination presets and genre tonal-balance targets, as data.

Loudness targets follow the platforms' published normalisation levels (see
FIELD_NOTES): streams normalise to about −14 LUFS, Apple Music to −16, Deezer
to −15, broadcast (EBU R128) to −23. The ceiling is a true peak in dBTP,
verified with a 16× long-filter interpolator on the delivered samples (:mod:`audio.ceiling`).
"""

from __future__ import annotations

from dataclasses import dataclass

from audio.errors import InvalidParameter

__all__ = [
    "GENRES",
    "OCTAVE_BANDS_HZ",
    "PRESETS",
    "GenreCurve",
    "MasterPreset",
    "custom_preset",
    "get_genre",
    "get_preset",
]

TARGET_LUFS_RANGE = (-40.0, -5.0)
CEILING_DBTP_RANGE = (-9.0, 0.0)
OCTAVE_BANDS_HZ = (31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0)


@dataclass(frozen=True)
class MasterPreset:
    """A delivery target: integrated loudness (LUFS) and true-peak ceiling (dBTP)."""

    name: str
    target_lufs: float
    ceiling_dbtp: float
    description: str = ""
    release_ms: float = 80.0  # limiter release; shorter for loud targets

    def __post_init__(self) -> None:
        low, high = TARGET_LUFS_RANGE
        if not low <= self.target_lufs <= high:
            raise InvalidParameter(
                f"target_lufs {self.target_lufs} must be within {low:g}..{high:g} LUFS")
        low, high = CEILING_DBTP_RANGE
        if not low <= self.ceiling_dbtp <= high:
            raise InvalidParameter(
                f"ceiling_dbtp {self.ceiling_dbtp} must be within {low:g}..{high:g} dBTP")
        if not 10.0 <= self.release_ms <= 1000.0:
            raise InvalidParameter(f"release_ms {self.release_ms} must be within 10..1000 ms")


_STREAM = "normalises playback to about -14 LUFS; -1 dBTP leaves room for lossy encoding"
PRESETS: dict[str, MasterPreset] = {
    p.name: p
    for p in (
        MasterPreset("spotify", -14.0, -1.0, f"Spotify {_STREAM}"),
        MasterPreset("youtube", -14.0, -1.0, f"YouTube {_STREAM} (turns down only)"),
        MasterPreset("tidal", -14.0, -1.0, f"Tidal {_STREAM}"),
        MasterPreset("amazon", -14.0, -1.0, f"Amazon Music {_STREAM}"),
        MasterPreset("apple_music", -16.0, -1.0, "Apple Music Sound Check normalises to about -16 LUFS"),
        MasterPreset("deezer", -15.0, -1.0, "Deezer normalises to about -15 LUFS"),
        # SoundCloud publishes no normalisation level; it transcodes to lossy
        # formats, so we use the common streaming target and keep -1 dBTP.
        MasterPreset("soundcloud", -14.0, -1.0,
                     "SoundCloud does not normalise; -14 LUFS matches the other streams"),
        MasterPreset("club", -8.0, -0.3, "Loud club/DJ master: -8 LUFS, -0.3 dBTP", release_ms=40.0),
        MasterPreset("podcast", -16.0, -1.0, "Podcast platforms recommend -16 LUFS"),
        MasterPreset("ebu_r128", -23.0, -1.0, "EBU R128 broadcast: -23 LUFS, -1 dBTP", release_ms=150.0),
    )
}
DEFAULT_PRESET = "spotify"


def get_preset(name: str) -> MasterPreset:
    """Preset by name (case-insensitive, '-' or ' ' accepted for '_')."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in PRESETS:
        raise InvalidParameter(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[key]


def custom_preset(target_lufs: float, ceiling_dbtp: float = -1.0) -> MasterPreset:
    """A user-defined target, validated like the built-in presets."""
    release_ms = 40.0 if target_lufs > -10.0 else 80.0
    return MasterPreset("custom", float(target_lufs), float(ceiling_dbtp),
                        f"Custom target {target_lufs:g} LUFS, {ceiling_dbtp:g} dBTP", release_ms)


@dataclass(frozen=True)
class GenreCurve:
    """Target octave-band balance (dB per band, relative to the 250 Hz–2 kHz mean)."""

    name: str
    band_levels_db: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.band_levels_db) != len(OCTAVE_BANDS_HZ):
            raise InvalidParameter(
                f"genre {self.name!r} needs {len(OCTAVE_BANDS_HZ)} band levels, "
                f"got {len(self.band_levels_db)}")


# Averaged long-term octave spectra of commercial masters, smoothed and rounded:
# bass-heavy genres sit higher below 125 Hz, acoustic music falls off faster.
GENRES: dict[str, GenreCurve] = {
    g.name: g
    for g in (
        GenreCurve("pop", (-4.0, 1.0, 2.0, 1.0, 0.0, -1.0, -3.0, -5.0, -8.0, -15.0)),
        GenreCurve("hiphop", (0.0, 4.0, 4.0, 1.0, -1.0, -2.0, -4.0, -6.0, -9.0, -16.0)),
        GenreCurve("rock", (-6.0, 0.0, 1.0, 1.0, 0.0, -1.0, -2.0, -4.0, -7.0, -14.0)),
        GenreCurve("electronic", (-1.0, 4.0, 3.0, 0.0, -1.0, -2.0, -3.0, -5.0, -7.0, -13.0)),
        GenreCurve("acoustic", (-10.0, -3.0, 0.0, 1.0, 1.0, 0.0, -2.0, -5.0, -9.0, -17.0)),
    )
}
DEFAULT_GENRE = "pop"


def get_genre(name: str | None) -> GenreCurve:
    """Genre curve by name; ``None`` gives the neutral default (pop)."""
    key = (name or DEFAULT_GENRE).strip().lower().replace("-", "").replace(" ", "")
    key = {"hip_hop": "hiphop", "edm": "electronic", "folk": "acoustic"}.get(key, key)
    if key not in GENRES:
        raise InvalidParameter(f"unknown genre {name!r}; choose one of {', '.join(GENRES)}")
    return GENRES[key]
