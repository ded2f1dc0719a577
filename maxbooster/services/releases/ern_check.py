"""Checks of every ERN message we write: DDEX's XSD, then what the XSD cannot see.

The XSD (DDEX's own files, found through Settings.ddex_xsd_dir and loaded once per process) checks
structure and allowed values. It does not check that references resolve, so `reference_problems`
does: every Party/Resource/Release reference points at an anchor of the right kind, anchors are
unique, every resource and party is used, and every release has deals. `profile_problems` checks the
release profile rules we follow (Audio album / SimpleAudioSingle).
"""

from __future__ import annotations

import threading
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from maxbooster.services.errors import InvalidInput
from maxbooster.settings import get_settings

MAIN_XSD = Path("ern43") / "release-notification.xsd"
_LOCK = threading.Lock()
# reference element → the anchor element it must point at
_REFERENCES = {
    "ArtistPartyReference": "PartyReference", "ContributorPartyReference": "PartyReference",
    "ReleaseLabelReference": "PartyReference", "ReleaseResourceReference": "ResourceReference",
    "LinkedReleaseResourceReference": "ResourceReference", "DealReleaseReference": "ReleaseReference",
    "ResourceGroupReleaseReference": "ReleaseReference",
}
_ANCHORS = ("PartyReference", "ResourceReference", "ReleaseReference", "TechnicalResourceDetailsReference")


class MessageInvalid(InvalidInput):
    """A message we built broke the schema or its own references (a defect: the details are listed)."""


def schema_path() -> Path | None:
    """The ERN 4.3 main XSD when the configured folder has it."""
    folder = get_settings().ddex_xsd_dir
    path = folder / MAIN_XSD if folder else None
    return path if path is not None and path.is_file() else None


@lru_cache(maxsize=2)
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


def load_schema(path: Path | None = None) -> etree.XMLSchema | None:
    """DDEX's ERN 4.3 schema (cached), or None when it is not installed."""
    path = path or schema_path()
    if path is None:
        return None
    with _LOCK:  # one parse per process even when two jobs start together
        return _schema(str(path))


def parse(data: bytes) -> Any:
    """Our own message as a tree (no entities, no network)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(data, parser=parser)  # noqa: S320  (our own output, hardened parser)


def schema_errors(root: Any, schema: etree.XMLSchema) -> list[str]:
    if schema.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log][:20]


def _texts(root: Any, tag: str) -> list[str]:
    return [(node.text or "").strip() for node in root.iter(tag)]


def reference_problems(root: Any) -> list[str]:
    """Dangling or mistyped references, duplicate anchors, unused resources and parties, releases
    without deals (empty when the message holds together)."""
    problems: list[str] = []
    anchors = {tag: _texts(root, tag) for tag in _ANCHORS}
    for tag, values in anchors.items():
        problems += [f"{tag} {v} is defined {n} times" for v, n in Counter(values).items() if n > 1]
    used: dict[str, set[str]] = {tag: set() for tag in _ANCHORS}
    for ref_tag, anchor_tag in _REFERENCES.items():
        for value in _texts(root, ref_tag):
            used[anchor_tag].add(value)
            if value not in anchors[anchor_tag]:
                problems.append(f"{ref_tag} {value} points at no {anchor_tag}")
    problems += [f"resource {r} is in no release" for r in anchors["ResourceReference"]
                 if r not in used["ResourceReference"]]
    problems += [f"party {p} is named nowhere" for p in anchors["PartyReference"] if p not in used["PartyReference"]]
    if root.find("DealList") is not None:
        problems += [f"release {r} has no deal" for r in anchors["ReleaseReference"]
                     if r not in used["ReleaseReference"]]
    return problems


def profile_problems(root: Any) -> list[str]:
    """The Audio / SimpleAudioSingle profile rules: one main release with an ICPN; every sound
    recording has an ISRC, a TrackRelease and one place in the main release; one front cover."""
    if etree.QName(root).localname != "NewReleaseMessage":
        return []
    problems: list[str] = []
    mains = root.findall("ReleaseList/Release")
    if len(mains) != 1 or not (mains[0].findtext("ReleaseId/ICPN") or "").strip():
        return ["the message needs exactly one main Release with an ICPN (UPC/EAN)"]
    in_main = Counter(_texts(mains[0], "ReleaseResourceReference"))
    recordings = root.findall("ResourceList/SoundRecording")
    track_refs = {t.findtext("ReleaseResourceReference") for t in root.findall("ReleaseList/TrackRelease")}
    for rec in recordings:
        ref = rec.findtext("ResourceReference")
        if not (rec.findtext("SoundRecordingEdition/ResourceId/ISRC") or "").strip():
            problems.append(f"sound recording {ref} has no ISRC")
        if in_main[ref] != 1:
            problems.append(f"sound recording {ref} is listed {in_main[ref]} times in the main release")
        if ref not in track_refs:
            problems.append(f"sound recording {ref} has no TrackRelease")
    covers = [i for i in root.findall("ResourceList/Image") if i.findtext("Type") == "FrontCoverImage"]
    if len(covers) != 1 or in_main[covers[0].findtext("ResourceReference")] != 1:
        problems.append("the main release needs exactly one front cover image")
    profile = root.get("ReleaseProfileVersionId")
    if profile == "SimpleAudioSingle" and (len(recordings) != 1 or mains[0].findtext("ReleaseType") != "Single"):
        problems.append("SimpleAudioSingle is a Single with exactly one sound recording")
    return problems


def check_message(data: bytes, *, schema: etree.XMLSchema | None = None, require_schema: bool = False) -> bool:
    """Raise MessageInvalid listing every problem; True when the XSD was checked too (False when the
    schema is not installed and not required)."""
    root = parse(data)
    schema = schema or load_schema()
    if schema is None and require_schema:
        raise MessageInvalid("DDEX's ERN 4.3 schema is not installed; set MAXBOOSTER_DDEX_XSD_DIR.")
    problems = (schema_errors(root, schema) if schema is not None else []) + reference_problems(root) \
        + profile_problems(root)
    if problems:
        raise MessageInvalid("The DDEX message is not valid: " + "; ".join(problems[:10]))
    return schema is not None
