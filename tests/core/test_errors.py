"""Error codes are one enum and each has a plain-language message that pages and the API share."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from maxbooster.services import errors
from maxbooster.services.errors import MESSAGES, DomainError, ErrorCode, message_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_code_has_a_plain_message(code: ErrorCode) -> None:
    message = MESSAGES.get(code, "")
    assert message, f"ErrorCode.{code.name} has no message"
    assert message[0].isupper() and message.rstrip().endswith((".", "!")), message
    assert "error" not in message.lower().split()[:1] and "exception" not in message.lower()


def test_every_domain_error_class_has_a_code_with_a_message() -> None:
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, DomainError)]
    for cls in classes + list(_subclasses(DomainError)):
        assert cls.code in MESSAGES, cls


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found | {s for c in found for s in _subclasses(c)}


def test_no_service_invents_a_code_outside_the_enum() -> None:
    """`code = "..."` or `code="..."` string literals in services would bypass the enum."""
    offenders = []
    for path in (ROOT / "maxbooster").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "code" and isinstance(node.value, ast.Constant):
                offenders.append(f"{path.relative_to(ROOT)}:{node.value.lineno}")
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "code" for t in node.targets) \
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_message_for_unknown_and_empty_codes() -> None:
    assert message_for("") == ""
    assert message_for("password_too_short") == MESSAGES[ErrorCode.PASSWORD_TOO_SHORT]
    assert message_for("<script>") == MESSAGES[ErrorCode.INVALID_INPUT]  # never echoes the URL
