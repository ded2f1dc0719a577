"""Command line: ``python -m audio {analyze,peaks,check,master,mix,preview}``.

Every command is registered explicitly in :data:`COMMANDS` (no optional
imports: a broken module fails loudly instead of dropping commands). Exit
codes: 0 success, 1 a readiness check failed, 2 an :class:`AudioError` or an
OS error on an output (message printed as ``error: ...``). Files are decoded
in the sandbox unless ``--trusted``; ``--max-samples`` / ``AUDIO_MAX_SAMPLES``
set the sample budget.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from audio.cli.measure import add_analyze, add_check, add_peaks
from audio.cli.options import default_max_samples
from audio.cli.progress import ProgressBar
from audio.cli.render import add_master, add_mix, add_preview
from audio.errors import AudioError

__all__ = ["COMMANDS", "ProgressBar", "build_parser", "main"]

COMMANDS: dict[str, Callable[[Any], None]] = {
    "analyze": add_analyze,
    "peaks": add_peaks,
    "check": add_check,
    "master": add_master,
    "mix": add_mix,
    "preview": add_preview,
}


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every command in :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(prog="python -m audio", description="Max Booster audio engine")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{" + ",".join(COMMANDS) + "}")
    for add in COMMANDS.values():
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the command, map AudioError (and OSError on outputs) to exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        if args.max_samples is None:
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
