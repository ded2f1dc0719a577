"""What the pre-flight validator reports: one finding per problem, in plain words with the fix."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"  # the release cannot be submitted until this is fixed
    WARNING = "warning"  # worth fixing; submitting is still possible


@dataclass(frozen=True)
class Finding:
    """`field` names what to change ("title", "artwork", "tracks.2.isrc"); `suggestion`, when given,
    is a ready change for that release or track (the same fields the update takes) that fixes it."""

    severity: Severity
    code: str
    field: str
    message: str
    fix: str
    suggestion: dict[str, Any] | None = None


def error(code: str, where: str, message: str, fix: str, suggestion: dict[str, Any] | None = None) -> Finding:
    return Finding(Severity.ERROR, code, where, message, fix, suggestion)


def warning(code: str, where: str, message: str, fix: str, suggestion: dict[str, Any] | None = None) -> Finding:
    return Finding(Severity.WARNING, code, where, message, fix, suggestion)
