"""Exceptions raised by the audio package.

Every error is an :class:`AudioError`, so callers (services, tasks, the CLI)
can catch one type; subclasses let them tell the user what was wrong. Messages
name the offending value.
"""

from __future__ import annotations

__all__ = [
    "AudioError",
    "CorruptFile",
    "DecodeFailed",
    "EmptyAudio",
    "HeaderOutOfBounds",
    "InvalidParameter",
    "InvalidSamples",
    "SilentAudio",
    "UnreadableFile",
    "UnsupportedFormat",
]


class AudioError(Exception):
    """Base class of every error raised by ``audio``."""


class UnsupportedFormat(AudioError):
    """The file is not one of the containers/codecs we accept."""


class UnreadableFile(AudioError):
    """The path cannot be read as a file: missing, no permission, or a symlink, FIFO, device or directory."""


class CorruptFile(AudioError):
    """The file claims a known format but its bytes are damaged or truncated."""


class HeaderOutOfBounds(AudioError):
    """A header field (rate, channels, duration, size) is outside accepted bounds."""


class EmptyAudio(AudioError):
    """The file or buffer holds no samples."""


class InvalidSamples(AudioError):
    """The buffer holds NaN or infinite samples, or has the wrong shape/dtype."""


class SilentAudio(AudioError):
    """The operation needs signal but the audio is digital silence."""


class InvalidParameter(AudioError):
    """A caller-supplied parameter is outside its valid range."""


class DecodeFailed(AudioError):
    """The decoder (or its sandboxed child process) failed, crashed or hit a limit."""
