"""README stays true: two quick-start commands, every Settings variable in the table, CI uses command 2."""

from __future__ import annotations

import re
from pathlib import Path

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
