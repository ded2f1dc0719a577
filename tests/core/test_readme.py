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


def test_feature_map_names_every_feature_in_every_layer() -> None:
    """The architecture table has a column per feature (one per `state/<feature>.py` or `state/<feature>/`
    package); each cell names that feature's module in the layer whenever it exists, and every path it names
    exists."""
    section = README.split("**One feature, one name in every layer.**", 1)[1]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in section.split("\n\n", 1)[1].split("\n\n", 1)[0].splitlines()]
    header, body = rows[0], {r[0]: r for r in rows[2:]}
    state = ROOT / "maxbooster" / "state"
    modules = {p.stem for p in state.glob("*.py")} | {p.parent.name for p in state.glob("*/__init__.py")}
    features = sorted(modules - {"__init__", "base"})
    assert {"library", "mastering", "marketplace", "social"} <= set(features)
    assert set(features) <= set(header), f"features missing from the README map: {set(features) - set(header)}"

    def where(token: str) -> Path:
        return ROOT / token if token.startswith(("tests/", "benchmarks/")) else ROOT / "maxbooster" / token

    canonical = {"pages": ["pages/{f}/", "pages/{f}.py"], "state": ["state/{f}.py", "state/{f}/"],
                 "services": ["services/{f}/", "services/{f}.py"], "models": ["models/{f}.py"],
                 "HTTP": ["api/v1/{f}.py"], "tests": ["tests/{f}/"]}
    for feature in features:
        column = header.index(feature)
        for layer, row in body.items():
            tokens = re.findall(r"`([^`]+)`", row[column])
            folder = ""
            for token in tokens:  # a bare `name.py` is in the folder of the path before it
                if "/" in token.rstrip("/"):
                    folder = token.rstrip("/").rsplit("/", 1)[0]
                elif not token.endswith(".py"):
                    continue  # a job kind such as `library.process`
                else:
                    token = f"{folder}/{token}"
                assert where(token).exists(), f"README map, {layer} × {feature}: `{token}` does not exist"
            present = [c.format(f=feature) for c in canonical.get(layer, []) if where(c.format(f=feature)).exists()]
            if feature in {"library", "mastering"} and layer in canonical:
                assert present, f"{feature} has no module in {layer}"
            assert not present or present[0] in tokens, \
                f"README map, {layer} × {feature}: `{present[0]}` exists but is not named"
