"""Library pages: the track list with uploads, and one track's page (waveform, player, analysis,
readiness, metadata and mastering)."""

from maxbooster.pages.library import track, tracks

__all__ = ["track", "tracks"]
