"""Command line: ``python -m audio {analyze,peaks,check,master,mix,preview}``.

analyze/peaks/check live here; master/mix/preview are registered by
``audio.cli_render`` when it is present. Exit codes: 0 success, 1 a readiness
check failed, 2 an :class:`AudioError` (message printed as ``error: ...``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from audio.errors import AudioError

__all__ = ["ProgressBar", "build_parser", "main"]

LONG_FILE_S = 60.0  # show a progress bar for files longer than this


class ProgressBar:
    """A one-line text bar on stderr: ``[#####.....]  50% label``."""

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
        self.stream.flush()


def _wants_bar(args: argparse.Namespace, path: Path) -> bool:
    if args.quiet:
        return False
    if args.progress:
        return True
    from audio.io import probe

    return probe(path).duration_s > LONG_FILE_S


def _emit(args: argparse.Namespace, payload: dict[str, object], text: Callable[[], str]) -> None:
    print(json.dumps(payload, indent=2) if args.json else text())


def _cmd_analyze(args: argparse.Namespace) -> int:
    from audio.analysis import analyze
    from audio.io import read_audio, read_untrusted

    bar = ProgressBar("analyze", enabled=_wants_bar(args, args.file))
    bar(0.0)
    samples, rate = read_untrusted(args.file) if args.untrusted else read_audio(args.file)
    bar(0.5)
    result = analyze(samples, rate).to_dict()
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
    paths = build_peaks(args.file, args.out, levels=args.levels, bits=args.bits, progress=bar)
    files = [str(p) for p in paths]
    _emit(args, {"files": files}, lambda: "\n".join(files))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from audio.check import check

    report = check(args.file, untrusted=args.untrusted)

    def text() -> str:
        lines = [
            f"{i.status.upper():4} {i.id:13} {i.measured}" + (f"  -> {i.fix}" if i.fix else "") for i in report.items
        ]
        return "\n".join([*lines, "READY" if report.ready else "NOT READY"])

    _emit(args, report.to_dict(), text)
    return 0 if report.ready else 1


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="input audio file")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--progress", action="store_true", help="always show the progress bar")
    parser.add_argument("--quiet", action="store_true", help="never show the progress bar")


def build_parser() -> argparse.ArgumentParser:
    """The full parser, including part B's render commands when installed."""
    parser = argparse.ArgumentParser(prog="python -m audio", description="Max Booster audio engine")
    sub = parser.add_subparsers(dest="command", required=True)
    analyze = sub.add_parser("analyze", help="loudness, peaks, dynamics, stereo and tone")
    _common(analyze)
    analyze.add_argument("--untrusted", action="store_true", help="decode in a sandboxed child process")
    analyze.set_defaults(func=_cmd_analyze)
    peaks = sub.add_parser("peaks", help="waveform pyramid as audiowaveform .dat/.json")
    _common(peaks)
    peaks.add_argument("--out", type=Path, required=True, help="output directory")
    peaks.add_argument("--bits", type=int, choices=(8, 16), default=16)
    peaks.add_argument("--levels", type=int, nargs="+", default=[64, 256, 1024, 4096, 16384])
    peaks.set_defaults(func=_cmd_peaks)
    checker = sub.add_parser("check", help="distribution readiness (exit 1 if a rule fails)")
    _common(checker)
    checker.add_argument("--untrusted", action="store_true", help="decode in a sandboxed child process")
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
        return int(args.func(args))
    except AudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # writing outputs: a missing folder, no permission, a full disk
        where = Path(exc.filename).name if exc.filename else "output"
        print(f"error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
