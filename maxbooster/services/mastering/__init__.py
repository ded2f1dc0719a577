"""Mastering: versions of a track rendered by the audio engine for a destination's loudness
target, with downloads per plan, loudness-matched A/B listening and the engine's reasons."""
