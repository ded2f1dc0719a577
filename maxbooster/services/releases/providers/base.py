"""What a delivery provider offers and how each destination is described.

A provider moves a finished package (a batch folder on local disk) to a destination and reads the
destination's acknowledgement back. The folder adapter is the embedded default; the SFTP adapter
reaches a distributor's server; an HTTP API would be one more adapter behind the same interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol


class AckStatus(StrEnum):
    ACCEPTED = "accepted"  # the destination took the package: delivered (or taken down, for a takedown)
    LIVE = "live"  # the release is on sale at the destination
    REJECTED = "rejected"  # refused; `reason` says why in the destination's words


@dataclass(frozen=True)
class Acknowledgement:
    status: AckStatus
    reason: str = ""


@dataclass(frozen=True)
class DestinationProfile:
    """One destination: how to reach it and what its packages look like (files, formats, naming,
    ERN choreography)."""

    key: str
    name: str
    adapter: str  # "folder" or "sftp"
    recipient_dpid: str  # the DDEX party id of the recipient (MessageRecipient)
    recipient_name: str
    audio_format: str = "flac"  # which master file goes in the package: flac (24-bit) or wav24
    hash_algorithm: str = "MD5"  # DDEX spelling: MD5, SHA1, SHA-256
    lead_days: int = 14  # a release date closer than this gets a warning
    requires_dpid: bool = False  # the sender must have its own DDEX party id
    purge_on_takedown: bool = False  # also send a PurgeReleaseMessage after the takedown update
    self_acknowledges: bool = False  # the folder is ours: a complete package is accepted at once
    folder: str = ""  # sub-folder of the delivery folder (default: the key)


class DeliveryProvider(Protocol):
    """Moves one finished batch to its destination and reads back what the destination said."""

    def send(self, batch_dir: Path, *, batch_id: str) -> None:
        """Deliver the batch folder; re-sending the same batch id is harmless (idempotent). The
        destination sees the batch only once it is complete (its completion marker comes last)."""
        ...

    def complete(self, batch_id: str) -> bool:
        """The destination already holds the whole batch (a retry need not build or send it again)."""
        ...

    def acknowledgement(self, *, batch_id: str) -> Acknowledgement | None:
        """The destination's answer about a batch, or None while there is none yet."""
        ...
