"""The delivery state machine and the rules it puts on editing.

    draft → validated → scheduled → delivering → delivered → live
                                               ↘ rejected → draft (fix, validate, submit again)
    delivered | live → takedown_requested → taken_down

Every transition is one `audit.record` (`release.delivery.<state>`) with the previous state. A
release can be edited while each of its deliveries is a draft, validated or rejected; an edit sends
them back to draft (validated findings no longer hold for the changed release).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlmodel import Session, col, select

from maxbooster.models.base import utcnow
from maxbooster.models.releases import Delivery, DeliveryState, Release
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict

S = DeliveryState
TRANSITIONS: dict[DeliveryState, frozenset[DeliveryState]] = {
    S.DRAFT: frozenset({S.VALIDATED}),
    S.VALIDATED: frozenset({S.DRAFT, S.SCHEDULED}),
    S.SCHEDULED: frozenset({S.DELIVERING}),
    # back to scheduled: the job failed for good and the owner submits again
    S.DELIVERING: frozenset({S.DELIVERED, S.REJECTED, S.SCHEDULED}),
    S.DELIVERED: frozenset({S.LIVE, S.REJECTED, S.TAKEDOWN_REQUESTED}),
    S.LIVE: frozenset({S.TAKEDOWN_REQUESTED}),
    S.REJECTED: frozenset({S.DRAFT}),
    S.TAKEDOWN_REQUESTED: frozenset({S.TAKEN_DOWN}),
    S.TAKEN_DOWN: frozenset(),
}
EDITABLE = frozenset({S.DRAFT, S.VALIDATED, S.REJECTED})
STATE_WORDS: dict[DeliveryState, str] = {
    S.DRAFT: "Draft", S.VALIDATED: "Checked, ready to submit", S.SCHEDULED: "Waiting to be sent",
    S.DELIVERING: "Being sent", S.DELIVERED: "Delivered", S.LIVE: "Live", S.REJECTED: "Rejected",
    S.TAKEDOWN_REQUESTED: "Takedown requested", S.TAKEN_DOWN: "Taken down",
}


class BadTransition(Conflict):
    """A state change the machine does not allow (the message names both states)."""


def can_move(current: str, to: DeliveryState) -> bool:
    return to in TRANSITIONS[DeliveryState(current)]


def transition(*, session: Session, actor: Actor, delivery: Delivery, to: DeliveryState, message: str = "",
               details: Mapping[str, object] | None = None) -> Delivery:
    """Move `delivery` to `to` inside the caller's transaction (audited; the caller commits)."""
    current = DeliveryState(delivery.state)
    if not can_move(current, to):
        raise BadTransition(f"This release cannot go from “{STATE_WORDS[current]}” to “{STATE_WORDS[to]}” "
                            f"at {delivery.destination}.")
    delivery.state, delivery.state_message, delivery.updated_at = to, message[:1000], utcnow()
    session.add(delivery)
    audit.record(session, actor, f"release.delivery.{to.value}", target=f"delivery:{delivery.id}",
                 details={"release": str(delivery.release_id), "destination": delivery.destination,
                          "from": current.value, **(details or {})})
    return delivery


def deliveries_of(*, session: Session, release_id: uuid.UUID) -> list[Delivery]:
    return list(session.exec(select(Delivery).where(col(Delivery.release_id) == release_id)
                             .order_by(col(Delivery.destination))).all())


def editable_release(*, session: Session, actor: Actor, release_id: uuid.UUID) -> Release:
    """The acting user's release, if no destination has it beyond draft/validated/rejected."""
    release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
    rows = deliveries_of(session=session, release_id=release.id)
    busy = [d for d in rows if DeliveryState(d.state) not in EDITABLE]
    if busy:
        words = STATE_WORDS[DeliveryState(busy[0].state)].lower()
        raise Conflict(f"This release is {words} at {busy[0].destination}; only drafts can be changed. "
                       "Take it down first to change it.")
    return release


def edited(*, session: Session, actor: Actor, release: Release) -> None:
    """After a change: bump `updated_at` and send validated/rejected deliveries back to draft."""
    release.updated_at = utcnow()
    session.add(release)
    for delivery in deliveries_of(session=session, release_id=release.id):
        if delivery.state in (S.VALIDATED, S.REJECTED):
            transition(session=session, actor=actor, delivery=delivery, to=S.DRAFT,
                       message="Changed since the last check.")
