"""Submit, take down, and the `releases.deliver` job that sends a release to one destination.

Submit (validated → scheduled) re-runs the pre-flight, counts the release against the plan's
releases per year once, and enqueues one job per destination. The job moves scheduled → delivering,
builds and checks the package, hands it to the destination's provider and reads its
acknowledgement back: accepted → delivered, live → delivered → live, rejected → rejected with the
destination's reason. No acknowledgement yet is a retryable failure, so the job system retries with
back-off; the batch id is kept on the delivery, so a retry never sends a second batch.

A takedown (delivered | live → takedown_requested) sends a complete NewReleaseMessage whose deals end
today (batch action TakeDown, no binaries), then a PurgeReleaseMessage where the destination's
profile asks for one; the destination's acknowledgement moves it to taken_down.
"""

from __future__ import annotations

import logging
import shutil
import uuid

from sqlmodel import Session

from maxbooster.db import session_scope
from maxbooster.models.base import utcnow
from maxbooster.models.jobs import Job, JobStatus
from maxbooster.models.releases import Delivery, DeliveryState, Release
from maxbooster.services import jobs, plans
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, InvalidInput
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.services.releases import lifecycle, package, validator
from maxbooster.services.releases.findings import Severity
from maxbooster.services.releases.providers import Acknowledgement, AckStatus, DestinationProfile, profile, provider_for
from maxbooster.settings import get_settings

DELIVER_KIND = "releases.deliver"
DELIVERY_ATTEMPTS = 8  # back-off 2, 4, … 60 s: about three minutes for a destination to acknowledge
S = DeliveryState
log = logging.getLogger("maxbooster.releases")
WORKER = Actor.system("worker")


class AwaitingAcknowledgement(Exception):
    """The destination has the batch but has not answered yet (the job system retries)."""


def _job_over(session: Session, delivery: Delivery) -> bool:
    job = session.get(Job, delivery.job_id) if delivery.job_id else None
    return job is None or JobStatus(job.status).is_terminal


def _enqueue(session: Session, actor: Actor, targets: list[Delivery], action: str) -> list[Delivery]:
    for delivery in targets:
        job = jobs.enqueue(session=session, kind=DELIVER_KIND, owner_id=actor.require_user(),
                           params={"delivery_id": str(delivery.id), "action": action}, max_attempts=DELIVERY_ATTEMPTS)
        delivery.job_id = job.id
        session.add(delivery)
        session.commit()
    return targets


def submit_release(*, session: Session, actor: Actor, release_id: uuid.UUID) -> list[Delivery]:
    """Send a validated release to each of its destinations (a job each). A delivery whose job gave up
    (no acknowledgement in time, destination unreachable) can be submitted again."""
    release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
    report = validator.preflight(session=session, actor=actor, release_id=release.id)
    if not report.ok:
        errors = [f for f in report.findings if f.severity == Severity.ERROR]
        raise InvalidInput(f"The release has {len(errors)} problem(s) to fix first, e.g.: {errors[0].message}")
    rows = lifecycle.deliveries_of(session=session, release_id=release.id)
    targets = [d for d in rows if d.state == S.VALIDATED or (d.state == S.DELIVERING and _job_over(session, d))]
    if not targets:
        if any(d.state == S.DRAFT for d in rows):
            raise Conflict("Check the release first (validate); then submit it.")
        raise Conflict("This release is already on its way to every destination.")
    try:
        if release.submitted_at is None:
            plans.reserve(session=session, user_id=release.owner_id, resource="releases")
            release.submitted_at = utcnow()
            session.add(release)
        for delivery in targets:
            if delivery.state == S.VALIDATED:  # a fresh delivery gets a new batch; a retry keeps its batch
                delivery.last_batch = ""
            lifecycle.transition(session=session, actor=actor, delivery=delivery, to=S.SCHEDULED,
                                 message="Waiting to be sent.")
        session.commit()
    except Exception:
        session.rollback()
        raise
    return _enqueue(session, actor, targets, "deliver")


def request_takedown(*, session: Session, actor: Actor, release_id: uuid.UUID) -> list[Delivery]:
    """Take the release down everywhere it was delivered (a job per destination)."""
    release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
    rows = lifecycle.deliveries_of(session=session, release_id=release.id)
    again = [d for d in rows if d.state == S.TAKEDOWN_REQUESTED and _job_over(session, d)]
    targets = [d for d in rows if d.state in (S.DELIVERED, S.LIVE)]
    if not targets and not again:
        raise Conflict("There is nothing to take down: the release is not delivered anywhere.")
    for delivery in targets:
        lifecycle.transition(session=session, actor=actor, delivery=delivery, to=S.TAKEDOWN_REQUESTED,
                             message="Takedown being sent.")
    session.commit()
    return _enqueue(session, actor, targets + again, "takedown")


# --- the job -----------------------------------------------------------------------------------------

@job_handler(DELIVER_KIND)
def deliver(ctx: JobContext) -> str | None:
    """Send one delivery's batch (new release or takedown) and read the destination's answer."""
    delivery_id, action = uuid.UUID(str(ctx.params["delivery_id"])), str(ctx.params.get("action", "deliver"))
    with session_scope() as session:
        delivery = session.get(Delivery, delivery_id)
        release = session.get(Release, delivery.release_id) if delivery else None
        if delivery is None or release is None:
            return "deleted"
        if not _claim(session, delivery, action):
            return f"delivery:{delivery.id}:{delivery.state}"
        dest = profile(delivery.destination)
        batch_id = delivery.last_batch
    try:
        ctx.progress(10, f"Packing the release for {dest.name}")
        _send(delivery_id, dest, batch_id, action)
        ctx.progress(80, f"Waiting for {dest.name} to acknowledge")
        ack = provider_for(dest).acknowledgement(batch_id=batch_id)
        if ack is None:
            raise AwaitingAcknowledgement(f"{dest.name} has the package but has not acknowledged it yet.")
    except Exception as exc:
        _note_failure(ctx, delivery_id, exc)
        raise
    with session_scope() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is not None:
            _apply(session, delivery, ack, action)
            session.commit()
            return f"delivery:{delivery.id}:{delivery.state}"
    return "deleted"


def _claim(session: Session, delivery: Delivery, action: str) -> bool:
    """Move to delivering (first attempt) and fix the batch id; False when there is nothing to do."""
    if action == "takedown":
        if delivery.state != S.TAKEDOWN_REQUESTED:
            return False
    elif delivery.state == S.SCHEDULED:
        lifecycle.transition(session=session, actor=WORKER, delivery=delivery, to=S.DELIVERING, message="Being sent.",
                             details={"owner": str(delivery.owner_id)})
    elif delivery.state != S.DELIVERING:
        return False
    if not delivery.last_batch or (action == "takedown" and not delivery.last_batch.endswith("T")):
        delivery.last_batch = package.new_batch_id() + ("T" if action == "takedown" else "")
        delivery.messages_sent += 1
    session.add(delivery)
    session.commit()
    return True


def _send(delivery_id: uuid.UUID, dest: DestinationProfile, batch_id: str, action: str) -> None:
    provider = provider_for(dest)
    if provider.complete(batch_id):
        return
    staging = get_settings().delivery_dir / ".staging"
    with session_scope() as session:
        delivery = session.get(Delivery, delivery_id)
        release = session.get(Release, delivery.release_id) if delivery else None
        if delivery is None or release is None:
            raise InvalidInput("The release was deleted while it was being sent.")
        takedown = action == "takedown"
        built = package.build(session=session, release=release, delivery=delivery, dest=dest, batch_id=batch_id,
                              staging=staging, action="TakeDown" if takedown else "NewReleaseDelivery",
                              deals_end=utcnow().date() if takedown else None, include_files=not takedown)
        purge = (package.build(session=session, release=release, delivery=delivery, dest=dest,
                               batch_id=batch_id + "P", staging=staging, action="Purge", include_files=False)
                 if takedown and dest.purge_on_takedown else None)
        delivery.batches = [*delivery.batches, {"batch": batch_id, "action": action,
                                                "schema_validated": built.schema_validated,
                                                "at": utcnow().isoformat(timespec="seconds")}]
        session.add(delivery)
        session.commit()
    try:
        provider.send(built.folder, batch_id=batch_id)
        if purge is not None:
            provider.send(purge.folder, batch_id=purge.batch_id)
    finally:
        shutil.rmtree(built.folder, ignore_errors=True)
        if purge is not None:
            shutil.rmtree(purge.folder, ignore_errors=True)


def _apply(session: Session, delivery: Delivery, ack: Acknowledgement, action: str) -> None:
    """Move the delivery as the destination's acknowledgement says (each step audited)."""
    details = {"owner": str(delivery.owner_id), "batch": delivery.last_batch}
    if action == "takedown":
        if ack.status == AckStatus.REJECTED:
            delivery.state_message = f"The destination refused the takedown: {ack.reason or 'no reason given'}"
            session.add(delivery)
        else:
            lifecycle.transition(session=session, actor=WORKER, delivery=delivery, to=S.TAKEN_DOWN,
                                 message=ack.reason or "Taken down.",
                                 details=details)
        return
    if ack.status == AckStatus.REJECTED:
        lifecycle.transition(session=session, actor=WORKER, delivery=delivery, to=S.REJECTED, details=details,
                             message=f"Rejected by {profile(delivery.destination).name}: "
                                     f"{ack.reason or 'no reason given'}")
        return
    lifecycle.transition(session=session, actor=WORKER, delivery=delivery, to=S.DELIVERED,
                         message=ack.reason or "Delivered.", details=details)
    if ack.status == AckStatus.LIVE:
        lifecycle.transition(session=session, actor=WORKER, delivery=delivery, to=S.LIVE, message="Live.",
                             details=details)


def _note_failure(ctx: JobContext, delivery_id: uuid.UUID, exc: Exception) -> None:
    """Say on the delivery why it is not through yet (and, on the last attempt, what to do)."""
    with session_scope() as session:
        delivery = session.get(Delivery, delivery_id)
        job = session.get(Job, ctx.job_id)
        if delivery is None:
            return
        last = job is not None and ctx.attempt >= job.max_attempts
        text = str(exc) if isinstance(exc, AwaitingAcknowledgement | InvalidInput) else "Sending failed; retrying."
        if last:
            text += " We stopped trying; submit the release again to retry."
            log.warning("delivery %s gave up: %s", delivery_id, exc)
        delivery.state_message = text[:1000]
        session.add(delivery)
        session.commit()
