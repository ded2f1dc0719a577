"""Services are keyword-only (STYLE.md): a public function that takes a `session` takes it after `*`,
so a call cannot swap two ids or pass the session where the actor belongs."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import maxbooster.services

# Documented shapes that keep `session` positional, with the reason.
POSITIONAL_SESSION_ALLOWED = {
    # issue 8 and the README: one `audit.record(session, actor, action, target=…)` in every feature.
    "maxbooster.services.audit.record",
}


def public_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    """(qualified name, function) for each public function and public method defined under services/."""
    pkg = maxbooster.services
    names = [pkg.__name__] + [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
    for name in names:
        for attr, obj in vars(importlib.import_module(name)).items():
            if attr.startswith("_") or getattr(obj, "__module__", None) != name:
                continue
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj
            elif inspect.isclass(obj):
                for method_name, method in vars(obj).items():
                    if not method_name.startswith("_") and inspect.isfunction(method):
                        yield f"{name}.{attr}.{method_name}", method


def test_session_is_keyword_only_in_every_service_function() -> None:
    with_session, offenders = [], []
    for qualname, fn in public_functions():
        param = inspect.signature(fn).parameters.get("session")
        if param is None:
            continue
        with_session.append(qualname)
        if param.kind is not inspect.Parameter.KEYWORD_ONLY and qualname not in POSITIONAL_SESSION_ALLOWED:
            offenders.append(f"{qualname}{inspect.signature(fn)}")
    assert len(with_session) > 50, "the walk found the services"
    assert set(POSITIONAL_SESSION_ALLOWED) <= set(with_session), "an allowlisted name no longer exists"
    assert offenders == []
