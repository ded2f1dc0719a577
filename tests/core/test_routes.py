"""Every path lives in routes.py: unique, used by the app, and never hard-coded elsewhere."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
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


# "/" is also the landing page's path, but as a separator it is not a route. Allowed only:
#   - as an argument or receiver of a string method (`x.rstrip("/")`, `"/".join(…)`, `ct.split("/")`),
#   - as a cookie's `path="/"` (the scope "the whole site", not a page),
#   - inside an f-string after its start (`f"{owner}/{track}/"`).
SEPARATOR_METHODS = {"split", "rsplit", "join", "strip", "lstrip", "rstrip", "startswith", "endswith",
                     "replace", "partition", "rpartition", "removeprefix", "removesuffix", "count", "find",
                     "rfind", "index", "rindex"}
COOKIE_CALLS = {"set_cookie", "delete_cookie"}
JS_STRING = re.compile(r"""(["'`])((?:\\.|(?!\1).)*)\1""")


def _route_literal() -> Callable[[str], bool]:
    """True for a string that is a path of routes.py or starts with one of their first segments."""
    paths = set(_constants().values())
    heads = sorted({"/" + p.strip("/").split("/")[0] for p in paths if p.strip("/")}, key=len, reverse=True)
    alternatives = "|".join(re.escape(h) for h in heads)
    under = re.compile(f"^(?:{alternatives})(?=$|[/?#{{])")
    return lambda text: text in paths or bool(under.match(text))


def _separator_uses(tree: ast.AST) -> set[int]:
    """ids of "/" constants used as a separator or a cookie scope (see the allowlist above)."""
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in SEPARATOR_METHODS:
                allowed |= {id(a) for a in [node.func.value, *node.args]}
            if node.func.attr in COOKIE_CALLS:
                allowed |= {id(k.value) for k in node.keywords if k.arg == "path"}
        if isinstance(node, ast.JoinedStr):
            allowed |= {id(v) for v in node.values[1:]}
    return allowed


def route_literals_in_python(source: str) -> list[tuple[int, str]]:
    """(line, text) of string constants and f-string pieces that spell a route (docstrings aside)."""
    is_route = _route_literal()
    tree = ast.parse(source)
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    separators = _separator_uses(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docstrings:
            continue
        if node.value == "/" and id(node) in separators:
            continue
        if is_route(node.value):
            found.append((node.lineno, node.value))
    return sorted(found)


def route_literals_in_js(source: str) -> list[tuple[int, str]]:
    """(line, text) of quoted or template strings in a .js/.jsx file that spell a route."""
    is_route = _route_literal()
    return [(n, m.group(2)) for n, line in enumerate(source.splitlines(), 1)
            for m in JS_STRING.finditer(line) if is_route(m.group(2))]


def test_no_path_literals_outside_routes_py() -> None:
    """Any literal equal to a route, or under a route's first segment ("/library…", "/api/…"), belongs
    in routes.py: Python string constants and f-string pieces, and strings in the wrapped .jsx files."""
    offenders = []
    for path in sorted((ROOT / "maxbooster").rglob("*.py")):
        if path == ROOT / "maxbooster" / "routes.py":
            continue
        found = route_literals_in_python(path.read_text())
        offenders += [f"{path.relative_to(ROOT)}:{n} {text!r}" for n, text in found]
    scripts = sorted((ROOT / "maxbooster" / "components").glob("*.js*"))
    assert any(p.suffix == ".jsx" for p in scripts)
    for path in scripts:
        offenders += [f"{path.relative_to(ROOT)}:{n} {text!r}" for n, text in route_literals_in_js(path.read_text())]
    assert offenders == []


def test_the_route_literal_scan_sees_each_form() -> None:
    """The scan above catches every shape a hard-coded path takes, and lets separators through."""
    caught = route_literals_in_python(
        'rx.redirect("/login")\nhref = "/"\nu = f"/library/{tid}"\nv = f"{base}/api/v1/me"\n'
        'w = "/api/v1/tracks"\nx = "/settings?tab=1"\nif path == "/admin/users": pass\n')
    assert [text for _, text in caught] == ["/login", "/", "/library/", "/api/v1/me", "/api/v1/tracks",
                                            "/settings?tab=1", "/admin/users"]
    assert route_literals_in_python(
        'a = x.rstrip("/")\nb = "/".join(p)\nc = f"{o}/{t}/"\nr.set_cookie("k", v, path="/")\n'
        'd = "/librarian"\ne = "audio/wav"\n') == []
    assert [t for _, t in route_literals_in_js("fetch(`/api/media/${t}`); const a = '/x'; go(\"/jobs\")")] \
        == ["/api/media/${t}", "/jobs"]
