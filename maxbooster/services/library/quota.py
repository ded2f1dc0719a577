"""Storage quota taken while bytes stream in, so parallel uploads can never end above the plan.

When the upload's size is known beforehand (the request's Content-Length), all of it is reserved
in one conditional UPDATE before the first byte is stored, so parallel uploads at the edge of
the quota are decided whole: as many as fit succeed, the rest are refused at once. Bytes beyond
that (or of a stream of unknown size) are reserved in steps as they arrive; near the limit the
step shrinks to exactly what has arrived. When the upload ends, what was reserved beyond its
size is given back; when it fails, everything is.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

from sqlmodel import Session

from maxbooster.services import plans
from maxbooster.services.errors import PlanLimitReached

RESOURCE = "storage_bytes"
STEP_BYTES = 8 * 1024 * 1024


class StorageReservation:
    """Reserve quota for a byte stream as it flows (use `counted(chunks)` as the writer's input)."""

    def __init__(self, *, session: Session, owner_id: uuid.UUID, expected_bytes: int | None = None) -> None:
        self.session, self.owner_id = session, owner_id
        self.reserved = 0
        self.received = 0
        self.expected = max(0, expected_bytes or 0)

    def _take(self, amount: int) -> None:
        plans.reserve(session=self.session, user_id=self.owner_id, resource=RESOURCE, amount=amount)
        self.session.commit()
        self.reserved += amount

    def counted(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        if self.expected:
            self._take(self.expected)
        for chunk in chunks:
            self.received += len(chunk)
            if self.received > self.reserved:
                try:
                    self._take(STEP_BYTES)
                except PlanLimitReached:
                    self._take(self.received - self.reserved)  # exactly what arrived, or refuse
            yield chunk

    def settle(self, size: int) -> None:
        """Keep exactly `size` bytes reserved (the stored file), give the rest back."""
        extra = self.reserved - size
        if extra > 0:
            plans.release(session=self.session, user_id=self.owner_id, resource=RESOURCE, amount=extra)
            self.session.commit()
            self.reserved = size

    def cancel(self) -> None:
        """Give back everything this stream reserved (the upload did not become a track)."""
        self.session.rollback()
        self.settle(0)


def release_bytes(*, session: Session, owner_id: uuid.UUID, amount: int) -> None:
    """Free quota for deleted files (joins the caller's transaction)."""
    if amount > 0:
        plans.release(session=session, user_id=owner_id, resource=RESOURCE, amount=amount)
