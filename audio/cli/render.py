"""CLI commands that write audio: ``master``, ``mix``, ``preview``.

Each handler returns an exit code; bad input raises :class:`audio.errors.AudioError`,
which :func:`audio.cli.main` prints as ``error: ...`` with exit code 2. Progress
goes to stderr, results to stdout (``--json`` for machine-readable output).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audio.cli.options import emit, input_options, output_options
from audio.cli.progress import ProgressBar
from audio.presets import DEFAULT_PRESET, PRESETS, MasterPreset, custom_preset, get_preset

__all__ = ["add_master", "add_mix", "add_preview"]

Progress = Callable[[float, str], None]


def _progress(args: argparse.Namespace, label: str) -> Progress:
    if args.quiet:
        return lambda _f, _m: None
    bar = ProgressBar(label)
    return lambda fraction, _message: bar(fraction)


def _preset(args: argparse.Namespace) -> MasterPreset:
    base = get_preset(args.preset)
    if args.target_lufs is None and args.ceiling_dbtp is None:
        return base
    target = base.target_lufs if args.target_lufs is None else args.target_lufs
    ceiling = base.ceiling_dbtp if args.ceiling_dbtp is None else args.ceiling_dbtp
    return custom_preset(target, ceiling)


def _writer(subparsers: Any, name: str, help_text: str, source: str, source_help: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text)
    parser.add_argument(source, type=Path, help=source_help)
    parser.add_argument("output", type=Path, help="file to write (the extension picks the format)")
    output_options(parser)
    input_options(parser)
    return parser


def add_master(subparsers: Any) -> None:
    m = _writer(subparsers, "master", "master to a destination preset or a reference", "input", "audio to master")
    m.add_argument("--preset", default=DEFAULT_PRESET, help=f"one of {', '.join(PRESETS)}")
    m.add_argument("--target-lufs", type=float, help="custom loudness target (-40..-5 LUFS)")
    m.add_argument("--ceiling-dbtp", type=float, help="custom true-peak ceiling (-9..0 dBTP)")
    m.add_argument("--strength", type=float, default=100.0, help="0-100 %% processed vs dry")
    m.add_argument("--genre", help="pop, hiphop, rock, electronic or acoustic (default: tone left as is)")
    m.add_argument("--reference", type=Path, help="match this reference track instead of a genre curve")
    m.add_argument("--bits", type=int, choices=(16, 24, 32), default=24, help="16 is TPDF-dithered")
    m.add_argument("--report", type=Path, help="write the JSON report here")
    m.add_argument("--full-report", action="store_true", help="full audio.analysis of the output too (slower)")
    m.set_defaults(func=_master)


def _master(args: argparse.Namespace) -> int:
    from audio.master import master_file

    result = master_file(args.input, args.output, bits=args.bits, report_path=args.report,
                         reference_path=args.reference, preset=_preset(args), strength_pct=args.strength,
                         genre=args.genre, progress=_progress(args, "master"), full_report=args.full_report,
                         untrusted=not args.trusted, max_samples=args.max_samples)
    after: dict[str, Any] = result.report["after"]  # type: ignore[assignment]
    emit(args, result.report, lambda: f"{args.output}: {after['integrated_lufs']:.2f} LUFS, "
                                      f"{after['true_peak_16x_dbtp']:.2f} dBTP (16x), {result.sample_rate} Hz, "
                                      f"{args.bits}-bit")
    return 0


def add_mix(subparsers: Any) -> None:
    x = _writer(subparsers, "mix", "render an arrangement (session JSON) to a stereo file", "arrangement",
                "arrangement JSON, its audio files next to it")
    x.add_argument("--bits", type=int, choices=(16, 24, 32), default=24)
    x.set_defaults(func=_mix)


def _mix(args: argparse.Namespace) -> int:
    from audio.mix import render_arrangement_file

    summary = render_arrangement_file(args.arrangement, args.output, bits=args.bits,
                                      progress=_progress(args, "mix"), untrusted=not args.trusted,
                                      max_samples=args.max_samples)
    emit(args, summary, lambda: f"{args.output}: {summary['duration_s']:.2f} s, {summary['tracks']} tracks")
    return 0


def add_preview(subparsers: Any) -> None:
    p = _writer(subparsers, "preview", "watermarked marketplace preview (MP3)", "input", "audio to preview")
    p.add_argument("--start-s", type=float, help="excerpt start (default: loudest section)")
    p.add_argument("--length-s", type=float, default=30.0)
    p.add_argument("--fade-s", type=float, default=1.0)
    p.add_argument("--watermark-every-s", type=float, default=10.0, help="0 for no watermark")
    p.add_argument("--watermark-db", type=float, default=-18.0, help="tag peak level, dBFS")
    p.add_argument("--tag", type=Path, help="tag audio file (default: synthesised voice tag)")
    p.set_defaults(func=_preview)


def _preview(args: argparse.Namespace) -> int:
    from audio.preview import make_preview

    summary = make_preview(args.input, args.output, start_s=args.start_s, length_s=args.length_s,
                           fade_s=args.fade_s, watermark_every_s=args.watermark_every_s,
                           watermark_db=args.watermark_db, tag_path=args.tag, untrusted=not args.trusted,
                           max_samples=args.max_samples)
    emit(args, summary, lambda: f"{args.output}: {summary['length_s']} s from {summary['start_s']} s "
                                f"({summary['excerpt']}), tags at {summary['watermark_at_s']}")
    return 0
