"""The CLI's progress bar on stderr."""

from __future__ import annotations

import sys
from typing import ClassVar, TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """A one-line text bar on stderr: ``[#####.....]  50% label``.

    Bars with an unfinished line are tracked, so an error message can start on
    a line of its own (:meth:`end_open_lines`).
    """

    _open: ClassVar[list[ProgressBar]] = []

    def __init__(self, label: str, *, enabled: bool = True, stream: TextIO | None = None, width: int = 30):
        self.label, self.enabled, self.width = label, enabled, width
        self.stream = stream or sys.stderr
        self._last = -1

    def __call__(self, fraction: float) -> None:
        percent = int(max(0.0, min(1.0, fraction)) * 100)
        if not self.enabled or percent == self._last:
            return
        self._last = percent
        filled = self.width * percent // 100
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}% {self.label}")
        if percent == 100:
            self.stream.write("\n")
            if self in ProgressBar._open:
                ProgressBar._open.remove(self)
        elif self not in ProgressBar._open:
            ProgressBar._open.append(self)
        self.stream.flush()

    @classmethod
    def end_open_lines(cls) -> None:
        """Finish the line of every bar left mid-way (before printing an error)."""
        for bar in cls._open:
            bar.stream.write("\n")
            bar.stream.flush()
        cls._open.clear()
