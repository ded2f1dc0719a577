"""Options and output helpers shared by every CLI command."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path

from audio.errors import AudioError

__all__ = ["MAX_SAMPLES_ENV", "default_max_samples", "emit", "input_options", "readable", "wants_bar"]

LONG_FILE_S = 60.0  # show a progress bar for files longer than this
MAX_SAMPLES_ENV = "AUDIO_MAX_SAMPLES"  # the CLI is an edge: it may read the environment


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
    parser.add_argument("--untrusted", action="store_true", help=argparse.SUPPRESS)  # the default now
    parser.add_argument("--max-samples", type=int, default=None, metavar="N",
                        help=f"budget on frames x channels per file (default {MAX_SAMPLES_ENV} or 700000000, "
                             "about 60 min of stereo 96 kHz)")


def output_options(parser: argparse.ArgumentParser, *, progress_flag: bool = False) -> None:
    """``--json`` and ``--quiet`` (and ``--progress`` for commands with a long-file bar)."""
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    if progress_flag:
        parser.add_argument("--progress", action="store_true", help="always show the progress bar")
    parser.add_argument("--quiet", action="store_true", help="never show the progress bar")


def wants_bar(args: argparse.Namespace, path: Path) -> bool:
    """A bar for files longer than a minute (or when asked), never with ``--quiet``."""
    if args.quiet:
        return False
    if getattr(args, "progress", False):
        return True
    from audio.io import probe

    return probe(path, max_samples=args.max_samples).duration_s > LONG_FILE_S


def emit(args: argparse.Namespace, payload: dict[str, object], text: Callable[[], str]) -> None:
    """The result on stdout: JSON with ``--json``, else readable text."""
    print(json.dumps(payload, indent=2, default=str) if args.json else text())


def readable(value: object) -> str:
    """Human output: floats to 2 decimals (JSON output keeps full precision)."""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(readable(v) for v in value)
    if isinstance(value, dict):
        return "  ".join(f"{k}: {readable(v)}" for k, v in value.items())
    return "n/a" if value is None else str(value)
