"""CLI commands that measure a file: ``analyze``, ``peaks``, ``check``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from audio.cli.options import emit, input_options, output_options, readable, wants_bar
from audio.cli.progress import ProgressBar

__all__ = ["add_analyze", "add_check", "add_peaks"]


def _file_command(subparsers: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text)
    parser.add_argument("file", type=Path, help="input audio file")
    output_options(parser, progress_flag=True)
    input_options(parser)
    return parser


def add_analyze(subparsers: Any) -> None:
    p = _file_command(subparsers, "analyze", "loudness, peaks, dynamics, stereo and tone")
    p.set_defaults(func=_analyze)


def _analyze(args: argparse.Namespace) -> int:
    from audio.analysis import analyze_file

    bar = ProgressBar("analyze", enabled=wants_bar(args, args.file))
    bar(0.0)
    result = analyze_file(args.file, untrusted=not args.trusted, max_samples=args.max_samples,
                          progress=bar).to_dict()
    bar(1.0)
    emit(args, result, lambda: "\n".join(f"{k:22} {readable(v)}" for k, v in result.items()))
    return 0


def add_peaks(subparsers: Any) -> None:
    p = _file_command(subparsers, "peaks", "waveform pyramid as audiowaveform .dat/.json")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument("--bits", type=int, choices=(8, 16), default=16)
    p.add_argument("--levels", type=int, nargs="+", default=[64, 256, 1024, 4096, 16384])
    p.set_defaults(func=_peaks)


def _peaks(args: argparse.Namespace) -> int:
    from audio.peaks import build_peaks

    bar = ProgressBar("peaks", enabled=wants_bar(args, args.file))
    paths = build_peaks(args.file, args.out, levels=args.levels, bits=args.bits, progress=bar,
                        max_samples=args.max_samples, untrusted=not args.trusted)
    files = [str(p) for p in paths]
    emit(args, {"files": files}, lambda: "\n".join(files))
    return 0


def add_check(subparsers: Any) -> None:
    p = _file_command(subparsers, "check", "distribution readiness (exit 1 if a rule fails)")
    p.set_defaults(func=_check)


def _check(args: argparse.Namespace) -> int:
    from audio.check import check

    bar = ProgressBar("check", enabled=wants_bar(args, args.file))
    report = check(args.file, untrusted=not args.trusted, max_samples=args.max_samples, progress=bar)

    def text() -> str:
        lines = [
            f"{i.status.upper():4} {i.id:13} {i.measured}" + (f"  -> {i.fix}" if i.fix else "") for i in report.items
        ]
        return "\n".join([*lines, "READY" if report.ready else "NOT READY"])

    emit(args, report.to_dict(), text)
    return 0 if report.ready else 1
