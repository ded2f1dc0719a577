"""Every path lives in routes.py: unique, used by the app, and never hard-coded elsewhere."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from maxbooster import routes

ROOT = Path(__file__).resolve().parents[2]


def _constants() -> dict[str, str]:
    return {k: v for k, v in vars(routes).items() if k.isupper() and isinstance(v, str)}


def test_paths_are_unique_and_absolute() -> None:
    values = list(_constants().values())
    assert len(values) == len(set(values)), [v for v in values if values.count(v) > 1]
    assert all(v.startswith("/") for v in values)
    assert len(routes.PAGES) == len(set(routes.PAGES))


def test_every_page_route_is_registered_with_the_app() -> None:
    from maxbooster.maxbooster import app

    registered = {"/" if r == "index" else "/" + r.strip("/") for r in app._unevaluated_pages}
    assert registered == set(routes.PAGES) | {"/404"}
    assert {label for label, _, _ in routes.NAV} and all(r in routes.PAGES for _, r, _ in routes.NAV + routes.ADMIN_NAV)


def test_no_path_literals_outside_routes_py() -> None:
    """String literals that look like app paths ("/login", "/api/...") belong in routes.py."""
    pattern = re.compile(r"^/(api|login|signup|forgot|reset|verify|studio|jobs|settings|admin)\b")
    offenders = []
    for path in (ROOT / "maxbooster").rglob("*.py"):
        if path.name == "routes.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                    and pattern.match(node.value):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert offenders == []
