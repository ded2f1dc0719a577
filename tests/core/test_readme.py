"""README stays true: two quick-start commands, every Settings variable in the table, CI uses command 2."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import audio.cli as audio_cli
from maxbooster import cli as maxbooster_cli
from maxbooster.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_quick_start_is_exactly_two_commands() -> None:
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["./mb run", "./mb test"]


def test_every_setting_is_in_the_configuration_table() -> None:
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", README, re.M))
    aliases = {f.alias for f in Settings.model_fields.values() if f.alias}
    assert aliases - documented == set(), "undocumented variables"
    assert documented - aliases == set(), "README documents variables that do not exist"


def test_ci_runs_the_readme_test_command() -> None:
    assert "./mb test" in (ROOT / ".ci" / "run").read_text()


def _expand(line: str) -> list[list[str]]:
    """A documented command line as argv lists: `[--x a|b]` → without it and with each choice."""
    argv = shlex.split(line.split("  #")[0].replace("[", " [ ").replace("]", " ] "))
    required: list[str] = []
    optional: list[list[str]] = []
    group: list[str] | None = None
    for word in argv:
        if word == "[":
            group = []
        elif word == "]":
            optional.append(group or [])
            group = None
        elif group is not None:
            group.append(word)
        else:
            required.append(word)
    variants = [required]
    for opt in optional:  # each optional part alone, with each of its `a|b` choices
        for choice in (opt[-1].split("|") if "|" in opt[-1] else [opt[-1]]):
            variants.append(required + opt[:-1] + [choice] if len(opt) > 1 else required + [choice])
    return variants


def test_every_documented_audio_command_parses() -> None:
    """The README's audio command lines are accepted by the real parser (options, choices, names)."""
    block = README.split("## Audio engine", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    lines = [line for line in block.strip().splitlines() if line.startswith("python -m audio ")]
    assert len(lines) >= 6
    parser = audio_cli.build_parser()
    for line in lines:
        for argv in _expand(line.removeprefix("python -m audio ")):
            try:
                parser.parse_args(argv)
            except SystemExit:
                raise AssertionError(f"README example does not parse: python -m audio {' '.join(argv)}") from None


def test_documented_maxbooster_commands_parse() -> None:
    """`create-admin … --password-stdin` and the other `maxbooster` lines in the README exist as written."""
    found = re.findall(r"maxbooster (create-admin [^`\n]*--password-stdin)", README)
    assert found, "the README documents --password-stdin"
    parser = maxbooster_cli.build_parser()
    for line in found:
        parser.parse_args(shlex.split(line))
