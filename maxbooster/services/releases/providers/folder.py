"""The folder adapter (embedded default): batches land in a folder, acknowledgements come back as files.

    <root>/<batch id>/…                    the batch (message, resources, manifest, completion marker)
    <root>/acknowledgements/<batch id>.json {"status": "accepted" | "live" | "rejected", "reason": "…"}

A batch appears under its final name only when it is complete: it is copied into a hidden
`.<batch id>.part` folder, renamed into place, and its completion marker is written last. A
destination that is our own folder acknowledges each complete batch itself; a distributor's drop
folder gets its acknowledgements from the distributor.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from maxbooster.services.releases.providers.base import Acknowledgement, AckStatus

log = logging.getLogger("maxbooster.releases")
MARKER_PREFIX = "BatchComplete_"
ACK_FOLDER = "acknowledgements"
MAX_ACK_BYTES = 64 * 1024


def marker_name(batch_id: str) -> str:
    return f"{MARKER_PREFIX}{batch_id}.xml"


class FolderProvider:
    """Copies batches into `root` and reads acknowledgements from `root/acknowledgements`."""

    def __init__(self, root: Path, *, self_acknowledges: bool = False) -> None:
        self.root, self.self_acknowledges = root, self_acknowledges

    def batch_path(self, batch_id: str) -> Path:
        return self.root / batch_id

    def complete(self, batch_id: str) -> bool:
        return (self.batch_path(batch_id) / marker_name(batch_id)).is_file()

    def send(self, batch_dir: Path, *, batch_id: str) -> None:
        if not self.complete(batch_id):
            self.root.mkdir(parents=True, exist_ok=True)
            final, part = self.batch_path(batch_id), self.root / f".{batch_id}.part"
            shutil.rmtree(part, ignore_errors=True)
            marker = marker_name(batch_id)
            shutil.copytree(batch_dir, part, ignore=lambda _d, names: [n for n in names if n == marker])
            if final.exists():  # an earlier attempt that stopped before its marker: never half a batch
                shutil.rmtree(final)
            os.replace(part, final)
            shutil.copyfile(batch_dir / marker, final / f".{marker}.part")
            os.replace(final / f".{marker}.part", final / marker)
        if self.self_acknowledges and self.acknowledgement(batch_id=batch_id) is None:
            self._write_ack(batch_id, {"status": AckStatus.ACCEPTED.value, "reason": "Written to the delivery folder."})

    def _write_ack(self, batch_id: str, body: dict[str, str]) -> None:
        folder = self.root / ACK_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{batch_id}.json.part"
        tmp.write_text(json.dumps(body))
        os.replace(tmp, folder / f"{batch_id}.json")

    def acknowledgement(self, *, batch_id: str) -> Acknowledgement | None:
        path = self.root / ACK_FOLDER / f"{batch_id}.json"
        if not path.is_file():
            return None
        try:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_ACK_BYTES)
        except OSError as exc:
            log.warning("unreadable acknowledgement %s: %s", path, exc)
            return None
        return parse_ack(raw, where=str(path))


def parse_ack(raw: bytes, *, where: str) -> Acknowledgement | None:
    """An acknowledgement file's answer ({"status": …, "reason": …}), or None when it cannot be read
    (logged; the job keeps waiting). Shared by every adapter that reads acknowledgement files."""
    try:
        body = json.loads(raw[:MAX_ACK_BYTES])
        status = AckStatus(str(body.get("status", "")).lower())
    except (ValueError, AttributeError) as exc:
        log.warning("unreadable acknowledgement %s: %s", where, exc)
        return None
    return Acknowledgement(status, " ".join(str(body.get("reason", "")).split())[:900])
