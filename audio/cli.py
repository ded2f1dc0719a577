"""Command line: ``python -m audio {analyze,peaks,check,master,mix,preview}``.

analyze/peaks/check live here; master/mix/preview are registered by
``audio.cli_render`` when it is present. Exit codes: 0 success, 1 a readiness
check failed, 2 an :class:`AudioError` (message printed as ``error: ...``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from audio.errors import AudioError

__all__ = ["ProgressBar", "build_parser", "main"]

LONG_FILE_S = 60.0  # show a progress bar for files longer than this
MAX_SAMPLES_ENV = "AUDIO_MAX_SAMPLES"  # the CLI is an edge: it may read the environment


class ProgressBar:
    """A one-line text bar on stderr: ``[#####.....]  50% label``.

    Bars with an unfinished line are tracked, so an error message can start on
    a line of its own (:meth:`end_open_lines`).
    """

    _open: list[ProgressBar] = []

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


def _wants_bar(args: argparse.Namespace, path: Path) -> bool:
    if args.quiet:
        return False
    if args.progress:
        return True
    from audio.io import probe

    return probe(path, max_samples=args.max_samples).duration_s > LONG_FILE_S


def _emit(args: argparse.Namespace, payload: dict[str, object], text: Callable[[], str]) -> None:
    print(json.dumps(payload, indent=2) if args.json else text())


def _cmd_analyze(args: argparse.Namespace) -> int:
    from audio.analysis import analyze_file

    bar = ProgressBar("analyze", enabled=_wants_bar(args, args.file))
    bar(0.0)
    result = analyze_file(args.file, untrusted=not args.trusted, max_samples=args.max_samples,
                          progress=bar).to_dict()
    bar(1.0)
    _emit(args, result, lambda: "\n".join(f"{k:22} {_readable(v)}" for k, v in result.items()))
    return 0


def _readable(value: object) -> str:
    """Human output: floats to 2 decimals (JSON output keeps full precision)."""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(_readable(v) for v in value)
    if isinstance(value, dict):
        return "  ".join(f"{k}: {_readable(v)}" for k, v in value.items())
    return "n/a" if value is None else str(value)


def _cmd_peaks(args: argparse.Namespace) -> int:
    from audio.peaks import build_peaks

    bar = ProgressBar("peaks", enabled=_wants_bar(args, args.file))
    if args.trusted:
        paths = build_peaks(args.file, args.out, levels=args.levels, bits=args.bits, progress=bar,
                            max_samples=args.max_samples)
    else:
        from audio.sandbox import Sandbox

        with Sandbox(max_samples=args.max_samples, progress=bar) as sandbox:
            paths = sandbox.peaks(args.file, args.out, levels=list(args.levels), bits=args.bits)
    files = [str(p) for p in paths]
    _emit(args, {"files": files}, lambda: "\n".join(files))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from audio.check import check

    bar = ProgressBar("check", enabled=_wants_bar(args, args.file))
    report = check(args.file, untrusted=not args.trusted, max_samples=args.max_samples, progress=bar)

    def text() -> str:
        lines = [
            f"{i.status.upper():4} {i.id:13} {i.measured}" + (f"  -> {i.fix}" if i.fix else "") for i in report.items
        ]
        return "\n".join([*lines, "READY" if report.ready else "NOT READY"])

    _emit(args, report.to_dict(), text)
    return 0 if report.ready else 1


def default_max_samples() -> int:
    """The sample budget: ``AUDIO_MAX_SAMPLES`` if set, else :data:`audio.headers.DEFAULT_MAX_SAMPLES`."""
    from audio.headers import DEFAULT_MAX_SAMPLES

    raw = os.environ.get(MAX_SAMPLES_ENV, "").replace("_", "").strip()
    if not raw:
        return DEFAULT_MAX_SAMPLES
    if not raw.isdigit() or int(raw) <= 0:
        raise AudioError(f"{MAX_SAMPLES_ENV}={os.environ[MAX_SAMPLES_ENV]!r} must be a positive whole number")
    return int(raw)


def input_options(parser: argparse.ArgumentParser) -> None:
    """``--trusted`` and ``--max-samples``, shared by every command that reads audio."""
    parser.add_argument("--trusted", action="store_true",
                        help="decode in this process (default: a sandboxed child, as for any file from users)")
    parser.add_argument("--untrusted", action="store_true", help=argparse.SUPPRESS)  # the default since 0.2
    parser.add_argument("--max-samples", type=int, default=None, metavar="N",
                        help=f"budget on frames x channels per file (default {MAX_SAMPLES_ENV} or 700000000, "
                             "about 60 min of stereo 96 kHz)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="input audio file")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--progress", action="store_true", help="always show the progress bar")
    parser.add_argument("--quiet", action="store_true", help="never show the progress bar")
    input_options(parser)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, including part B's render commands when installed."""
    parser = argparse.ArgumentParser(prog="python -m audio", description="Max Booster audio engine")
    sub = parser.add_subparsers(dest="command", required=True)
    analyze = sub.add_parser("analyze", help="loudness, peaks, dynamics, stereo and tone")
    _common(analyze)
    analyze.set_defaults(func=_cmd_analyze)
    peaks = sub.add_parser("peaks", help="waveform pyramid as audiowaveform .dat/.json")
    _common(peaks)
    peaks.add_argument("--out", type=Path, required=True, help="output directory")
    peaks.add_argument("--bits", type=int, choices=(8, 16), default=16)
    peaks.add_argument("--levels", type=int, nargs="+", default=[64, 256, 1024, 4096, 16384])
    peaks.set_defaults(func=_cmd_peaks)
    checker = sub.add_parser("check", help="distribution readiness (exit 1 if a rule fails)")
    _common(checker)
    checker.set_defaults(func=_cmd_check)
    try:
        from audio import cli_render
    except ImportError:
        pass  # part B's master/mix/preview commands are optional
    else:
        cli_render.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the command, map AudioError to exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "max_samples", 0) is None:
            args.max_samples = default_max_samples()
        return int(args.func(args))
    except AudioError as exc:
        ProgressBar.end_open_lines()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # writing outputs: a missing folder, no permission, a full disk
        ProgressBar.end_open_lines()
        where = Path(exc.filename).name if exc.filename else "output"
        print(f"error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
