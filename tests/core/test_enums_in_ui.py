"""The codes' StrEnums reach the pages: pages and states compare data with `TrackStatus.READY`, never
with the string "ready" (a renamed value would otherwise leave a badge that never shows)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from enum import StrEnum
from pathlib import Path

import maxbooster.models

ROOT = Path(__file__).resolve().parents[2]
UI = [ROOT / "maxbooster" / "pages", ROOT / "maxbooster" / "state"]
RX_BRANCHING = {"cond", "match"}


def enum_values() -> dict[str, list[str]]:
    """Each value of a StrEnum defined in maxbooster.models, with the members that spell it."""
    values: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(maxbooster.models.__path__, "maxbooster.models."):
        for obj in vars(importlib.import_module(info.name)).values():
            if isinstance(obj, type) and issubclass(obj, StrEnum) and obj.__module__ == info.name:
                for member in obj:
                    values.setdefault(member.value, []).append(f"{obj.__name__}.{member.name}")
    return values


def _strings(node: ast.AST) -> list[ast.Constant]:
    """String constants of an operand, looking into tuples/lists/sets (`x in ("a", "b")`, match cases)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [c for elt in node.elts for c in _strings(elt)]
    return []


def compared_literals(source: str, values: dict[str, list[str]]) -> list[tuple[int, str]]:
    """(line, text) of enum values spelled as strings in a comparison or an rx.cond/rx.match."""
    found = []
    for node in ast.walk(ast.parse(source)):
        operands: list[ast.AST] = []
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name) and \
                (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) in RX_BRANCHING:
            operands = [*node.args, *(k.value for k in node.keywords)]
        found += [(c.lineno, c.value) for op in operands for c in _strings(op) if c.value in values]
    return sorted(found)


def test_pages_and_states_compare_with_enums_not_strings() -> None:
    values = enum_values()
    assert {"ready", "processing", "pending", "succeeded", "admin", "pro"} <= set(values)
    offenders = []
    for folder in UI:
        for path in sorted(folder.rglob("*.py")):
            offenders += [f"{path.relative_to(ROOT)}:{line} {text!r} (use {' or '.join(values[text])})"
                          for line, text in compared_literals(path.read_text(), values)]
    assert offenders == []


def test_the_scan_sees_each_kind_of_comparison() -> None:
    values = {"ready": ["TrackStatus.READY"], "admin": ["Role.ADMIN"], "failed": ["JobStatus.FAILED"],
              "pending": ["JobStatus.PENDING"]}
    source = ('a = row.status == "ready"\n'
              'b = role != "admin"\n'
              'c = s in ("pending", "x")\n'
              'd = rx.match(row.status, ("failed", badge), "gray")\n'
              'e = rx.cond(flag, "admin", "other")\n'
              'f = row.status == TrackStatus.READY\n'
              'g = rx.text("ready")\n'
              'h = {"ready": "green"}\n')
    assert compared_literals(source, values) == [(1, "ready"), (2, "admin"), (3, "pending"), (4, "failed"),
                                                 (5, "admin")]
