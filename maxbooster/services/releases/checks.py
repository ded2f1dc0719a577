"""The release page's "Check release" and "Submit": the pre-flight findings grouped the way an artist
fixes them (artwork, audio, details, codes, dates, splits), each with its severity in words and the fix."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlmodel import Session

from maxbooster.services.actor import Actor
from maxbooster.services.releases import delivery, validator
from maxbooster.services.releases.findings import Finding, Severity

GROUPS: list[tuple[str, str]] = [("artwork", "Artwork"), ("audio", "Audio"), ("metadata", "Details"),
                                 ("codes", "Codes"), ("dates", "Dates"), ("splits", "Royalty splits")]
_PREFIXES = {"artwork": "artwork", "audio": "audio", "preview": "audio", "isrc": "codes", "upc": "codes",
             "ddex_party_id": "codes", "release_date": "dates", "original_release_date": "dates", "splits": "splits"}


@dataclass
class FindingRow:
    blocking: bool  # must be fixed before submitting
    severity: str  # "Must fix" or "Worth fixing"
    message: str
    fix: str


@dataclass
class FindingGroup:
    key: str
    label: str
    findings: list[FindingRow] = field(default_factory=list)


@dataclass
class CheckResult:
    ok: bool = False  # nothing blocks submitting
    summary: str = ""
    groups: list[FindingGroup] = field(default_factory=list)


def group_of(finding: Finding) -> str:
    """Which part of the release a finding is about, from its code ("artwork.too_small" → artwork)."""
    return _PREFIXES.get(finding.code.split(".", 1)[0], "metadata")


def grouped(findings: list[Finding]) -> CheckResult:
    groups = {key: FindingGroup(key, label) for key, label in GROUPS}
    for f in findings:
        blocking = f.severity == Severity.ERROR
        groups[group_of(f)].findings.append(FindingRow(blocking, "Must fix" if blocking else "Worth fixing",
                                                       f.message, f.fix))
    errors = sum(1 for f in findings if f.severity == Severity.ERROR)
    warnings = len(findings) - errors
    if errors:
        summary = f"{errors} thing{'s' if errors != 1 else ''} to fix before you can submit"
    else:
        summary = "Ready to submit" + (f" ({warnings} suggestion{'s' if warnings != 1 else ''} below)"
                                       if warnings else ": no problems found")
    return CheckResult(ok=errors == 0, summary=summary, groups=[g for g in groups.values() if g.findings])


def check_release(*, session: Session, actor: Actor, release_id: uuid.UUID) -> CheckResult:
    """Run the pre-flight validator (a clean release becomes "checked, ready to submit")."""
    return grouped(validator.validate_release(session=session, actor=actor, release_id=release_id).findings)


def check_and_submit(*, session: Session, actor: Actor, release_id: uuid.UUID) -> CheckResult:
    """Check the release, and when nothing blocks, send it to its destinations (a job each)."""
    result = check_release(session=session, actor=actor, release_id=release_id)
    if result.ok:
        delivery.submit_release(session=session, actor=actor, release_id=release_id)
    return result
