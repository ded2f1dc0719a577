"""The job-kind registry is exactly what `job_kinds.MODULES` registers, and what the code enqueues.

Each check runs in a fresh interpreter, so nothing imported by other tests can register a kind.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from maxbooster.services import job_kinds, jobs

ROOT = Path(__file__).resolve().parents[2]
ENQUEUE = {"enqueue", "enqueue_for", "enqueue_batch"}


def _fresh(code: str, tmp_path: Path) -> Any:
    """Run `code` in a new interpreter (its data dir in tmp_path) and return the JSON it prints."""
    env = {**os.environ, "MAXBOOSTER_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _names_enqueue(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id in ENQUEUE) or \
        (isinstance(node, ast.Attribute) and node.attr in ENQUEUE)


def enqueued_kinds(source: str, namespace: dict[str, Any]) -> set[str]:
    """Every `kind=` given to jobs.enqueue/enqueue_for (called, or handed to a helper that calls it).

    A literal counts as itself, a name or attribute as its value in the module; a function's own
    `kind` parameter passed on (`enqueue_for` forwarding to `enqueue`) is not a kind of its own.
    """
    tree = ast.parse(source)
    params: dict[int, set[str]] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            names = {a.arg for a in fn.args.args + fn.args.kwonlyargs + fn.args.posonlyargs}
            params.update({id(c): names for c in ast.walk(fn) if isinstance(c, ast.Call)})
    kinds = set()
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and (_names_enqueue(call.func) or any(map(_names_enqueue, call.args)))):
            continue
        for kw in call.keywords:
            if kw.arg != "kind":
                continue
            if isinstance(kw.value, ast.Name) and kw.value.id in params.get(id(call), set()):
                continue
            value = kw.value.value if isinstance(kw.value, ast.Constant) \
                else eval(ast.unparse(kw.value), namespace)  # noqa: S307  (our own module's constant)
            assert isinstance(value, str), f"kind={ast.unparse(kw.value)} is not a string"
            kinds.add(value)
    return kinds


def _kinds_used_in_code() -> set[str]:
    used: set[str] = set()
    for path in sorted((ROOT / "maxbooster").rglob("*.py")):
        source = path.read_text()
        if "enqueue" not in source:
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        used |= enqueued_kinds(source, vars(importlib.import_module(module)))
    return used


def test_registry_is_exactly_what_the_modules_register_and_the_code_enqueues(tmp_path: Path) -> None:
    got = _fresh(
        "import importlib, json\n"
        "from maxbooster.services import job_kinds, jobs\n"
        "before = sorted(jobs.HANDLERS)\n"
        "for name in job_kinds.MODULES: importlib.import_module(name)\n"
        "print(json.dumps({'before': before, 'kinds': {k: f.__module__ for k, f in jobs.HANDLERS.items()},\n"
        "                  'periodic': sorted({f.__module__ for f in jobs.PERIODIC.values()})}))\n",
        tmp_path)
    registered: dict[str, str] = got["kinds"]
    assert got["before"] == [], "importing the jobs service alone registers nothing"
    assert set(registered) == _kinds_used_in_code()
    assert set(registered.values()) | set(got["periodic"]) == set(job_kinds.MODULES), \
        "each listed module registers a kind or a periodic task, and only they do"
    for kind in registered:
        assert jobs.KIND_NAME.match(kind), f"{kind!r} is not named feature.verb"
    assert set(job_kinds.LABELS) == set(registered), "every kind (and only a real kind) has a Jobs-page label"


def test_the_kind_scan_sees_literals_constants_and_helpers() -> None:
    source = ('K = "b.two"\n'
              'def f(session, kind):\n'
              '    jobs.enqueue(session=session, kind="a.one")\n'
              '    enqueue(session=session, kind=K)\n'
              '    call(jobs.enqueue_for, kind="c.three")\n'
              '    enqueue(session=session, kind=kind)\n'
              '    other(kind="not.a_job")\n')
    assert enqueued_kinds(source, {"K": "b.two"}) == {"a.one", "b.two", "c.three"}


def test_the_worker_loads_the_same_module_list(tmp_path: Path) -> None:
    """The worker's Celery app imports `job_kinds.MODULES` at start: after Celery's own start-up
    import of its modules, the worker knows exactly the registered kinds."""
    got = _fresh(
        "import json\n"
        "from maxbooster.tasks.celery_app import app\n"
        "from maxbooster.services import jobs\n"
        "before = sorted(jobs.HANDLERS)\n"
        "app.loader.import_default_modules()\n"
        "print(json.dumps({'include': list(app.conf.include), 'before': before, 'kinds': sorted(jobs.HANDLERS)}))\n",
        tmp_path)
    assert got["before"] == []
    assert [m for m in got["include"] if m in job_kinds.MODULES] == list(job_kinds.MODULES)
    assert set(got["kinds"]) == set(job_kinds.LABELS) == _kinds_used_in_code()
