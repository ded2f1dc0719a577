"""Scheduled publishing that never posts twice: the sweep and the `social.publish` job.

Every worker's housekeeping runs `sweep` every few seconds: it claims each due variant for a new job
with one conditional UPDATE (two workers sweeping at once cannot both claim it), committed together
with the job's row, and then hands the job to the broker. The job moves the variant scheduled →
publishing (counting the attempt) and calls the network with the variant's idempotency key, which
was stored when the variant was made. Then:

- published: the network's post id and URL are stored;
- 429: publishing waits until the network's reset time, then the sweep starts a new job;
- 5xx, connection cut, timeout: the same, with back-off (30 s, 1, 2, 4, 8, 15 min);
- 401: the account shows "reconnect" and the variant fails with that reason;
- 422 or another refusal: the variant fails with the network's reason;
- anything unexpected (a bug, a stored file gone): retried like a 5xx, so it ends, failed, at the limit.

A worker killed after the network accepted the post but before we stored the answer leaves the
variant in publishing; the job system re-runs the job (or the sweep reclaims it once the job gave
up), and the retry sends the same key, so the network answers with the post it already made.
Mastodon forgets keys after an hour, so a retry more than 50 minutes after the first attempt (a
long rate limit) first looks through the account's recent statuses for one with exactly this text
and, if there is one, records it instead of posting again. A network without idempotency keys (X)
says so with `key_trusted_for = 0`: every retry looks for the post before sending it.
Every write checks that this job still holds the variant, so a zombie attempt changes nothing.

Under a burst (more than BURST variants due in one sweep) one job holds up to GROUP variants (a
system job when they belong to several users) and publishes them one after the other, each with
exactly the steps above (a retry or failure releases only that variant); a group job that re-runs
after its worker died skips the variants already done.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, text, update
from sqlmodel import Session, col, select

from maxbooster.db import session_scope
from maxbooster.models.base import utcnow
from maxbooster.models.jobs import Job, JobStatus
from maxbooster.models.social import (
    AccountState,
    HoldState,
    SocialAccount,
    SocialPostHold,
    SocialPostVariant,
    VariantState,
)
from maxbooster.models.storage import StoredFile
from maxbooster.services import jobs
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.services.social import accounts, crypto
from maxbooster.services.social.providers import (
    GrantRevoked,
    MediaFile,
    ProviderError,
    Published,
    RateLimited,
    Rejected,
    ResumableUploads,
    SocialProvider,
    Transient,
    UploadCheckpoint,
    provider_for,
)
from maxbooster.services.social.validation import network_name
from maxbooster.services.storage import get_storage
from maxbooster.settings import get_settings

PUBLISH_KIND = "social.publish"
JOB_ATTEMPTS = 5  # claims of one job; only a worker that dies uses them up (network failures are handled here)
SWEEP_BATCH = 1000
BURST, GROUP = 100, 20  # more than BURST due in one sweep: jobs of up to GROUP variants each
# Mastodon keeps an Idempotency-Key for an hour; a retry later than this first looks for the post itself
KEY_TRUSTED_FOR = timedelta(minutes=50)
V = SocialPostVariant
ACTIVE = (VariantState.SCHEDULED, VariantState.PUBLISHING)
log = logging.getLogger("maxbooster.social")


class CannotPublish(Exception):
    """Something on our side makes this post impossible (an attached file is gone): it fails, saying why."""


def backoff(attempt: int) -> timedelta:
    """How long to wait after a transient failure of attempt `attempt` (1-based): 30 s doubling to 15 min."""
    return timedelta(seconds=min(900, 30 * 2 ** max(0, attempt - 1)))


# --- the sweep ------------------------------------------------------------------------------------

def sweep(*, session: Session, now: datetime | None = None, limit: int = SWEEP_BATCH) -> list[uuid.UUID]:
    """Start a `social.publish` job for every variant that is due; returns the new jobs' ids. A post held
    back (a draft, or awaiting approval, or with changes requested) is not due until it is approved."""
    now = now or utcnow()
    _reclaim(session, now)
    held = exists().where(col(SocialPostHold.post_id) == col(V.post_id),
                          col(SocialPostHold.state) != HoldState.APPROVED)
    due = session.exec(select(V.id, V.owner_id).where(col(V.state).in_(ACTIVE), col(V.job_id).is_(None),
                                                      col(V.due_at) <= now, ~held)
                       .order_by(col(V.due_at), col(V.id)).limit(limit)
                       .with_for_update(skip_locked=True)).all()  # PostgreSQL: concurrent sweeps take disjoint rows
    claimed: list[tuple[uuid.UUID, uuid.UUID | None, dict[str, Any]]] = []
    for owner_id, variant_ids in _groups(due):
        job_id = uuid.uuid4()
        # the conditional claim: a variant another sweep took meanwhile is not ours
        got = session.execute(update(V).where(col(V.id).in_(variant_ids), col(V.job_id).is_(None),
                                              col(V.state).in_(ACTIVE))
                              .values(job_id=job_id).returning(col(V.id))).scalars().all()
        if len(got) == 1 and len(variant_ids) == 1:
            claimed.append((job_id, owner_id, {"variant_id": str(got[0])}))
        elif got:
            claimed.append((job_id, owner_id, {"variant_ids": [str(v) for v in got]}))
    if not claimed:
        session.rollback()
        return []
    # one commit holds every claim and its job row, then the broker gets the ids
    return jobs.enqueue_batch(session=session, kind=PUBLISH_KIND, jobs=claimed, max_attempts=JOB_ATTEMPTS)


def _groups(due: Any) -> list[tuple[uuid.UUID | None, list[uuid.UUID]]]:
    """One job per variant normally; under a burst (more than BURST due), jobs of up to GROUP variants in
    due order. A group of one owner's variants is that owner's job; a group spanning owners is a system
    job (no owner), so nobody's jobs page lists another user's posts."""
    if len(due) <= BURST:
        return [(owner_id, [variant_id]) for variant_id, owner_id in due]
    groups: list[tuple[uuid.UUID | None, list[uuid.UUID]]] = []
    for i in range(0, len(due), GROUP):
        part = due[i:i + GROUP]
        owners = {owner_id for _, owner_id in part}
        groups.append((owners.pop() if len(owners) == 1 else None, [variant_id for variant_id, _ in part]))
    return groups


def _reclaim(session: Session, now: datetime) -> None:
    """Variants whose job is over (it gave up after its worker died, or vanished) go back to the sweep."""
    stuck = session.exec(select(V.id, V.job_id).outerjoin(Job, col(Job.id) == col(V.job_id)).where(
        col(V.state).in_(ACTIVE), col(V.job_id).is_not(None),
        col(Job.id).is_(None) | col(Job.status).in_([JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.SUCCEEDED]),
    )).all()
    for variant_id, job_id in stuck:
        session.execute(update(V).where(col(V.id) == variant_id, col(V.job_id) == job_id)
                        .values(job_id=None, due_at=now))
        log.warning("social variant %s: its job %s ended without an outcome; publishing again", variant_id, job_id)
    if stuck:
        session.commit()


@jobs.periodic("social.sweep")
def _periodic_sweep() -> None:
    with session_scope() as session:
        sweep(session=session)


# --- the job --------------------------------------------------------------------------------------

@job_handler(PUBLISH_KIND, lane="social")  # waits on networks: a thread-pool worker runs many at once
def publish(ctx: JobContext) -> str:
    """Publish the job's variant, or its variants one after the other (a burst's group); see the
    module's docstring for every outcome. Each variant is held by this job until its own outcome."""
    ids = ctx.params.get("variant_ids") or [ctx.params["variant_id"]]
    results = [_publish_one(uuid.UUID(str(variant_id)), ctx.job_id) for variant_id in ids]
    if len(results) == 1:
        return results[0]
    return f"social:group:{len(results)}:published:{sum(':published:' in r for r in results)}"


def _publish_one(variant_id: uuid.UUID, job_id: uuid.UUID) -> str:
    with session_scope() as session:
        variant = _start(session, variant_id, job_id)
        if variant is None:
            return f"social:{variant_id}:not-ours"
        attempt, network = variant.attempts, variant.network
        if attempt > get_settings().social_publish_attempts:  # earlier attempts died with their workers
            return _fail(session, variant_id, job_id, f"Gave up after {attempt - 1} attempts: "
                         f"{variant.last_error or 'the worker publishing it stopped each time'}")
        account = session.get(SocialAccount, variant.account_id) if variant.account_id else None
        if account is None:
            return _fail(session, variant_id, job_id, "The account was disconnected before the post went out.")
        try:
            result = _send(session, account, variant, job_id)
        except RateLimited as exc:
            at = max(exc.retry_at, utcnow() + timedelta(seconds=5))  # a reset already past (skewed clock) still waits
            return _retry(session, variant_id, job_id, attempt, str(exc), at=at)
        except (Transient, crypto.TokenUnreadable) as exc:
            return _retry(session, variant_id, job_id, attempt, str(exc), at=utcnow() + backoff(attempt))
        except InvalidInput as exc:  # the instance's address is refused (private or local)
            return _fail(session, variant_id, job_id, exc.message)
        except GrantRevoked as exc:
            if account.state == AccountState.CONNECTED:
                accounts.mark_reconnect(session=session, account=account, reason=str(exc))
            return _fail(session, variant_id, job_id, str(exc))
        except Rejected as exc:
            who = _upper_first(network_name(network))
            return _fail(session, variant_id, job_id, f"{who} refused the post: {exc.reason}")
        except CannotPublish as exc:
            return _fail(session, variant_id, job_id, str(exc))
        except Exception as exc:  # noqa: BLE001  (a bug or a missing file: counted and retried, never a loop)
            log.exception("social variant %s: attempt %s failed unexpectedly", variant_id, attempt)
            session.rollback()
            return _retry(session, variant_id, job_id, attempt, f"Unexpected error ({type(exc).__name__}).",
                          at=utcnow() + backoff(attempt))
        _no_wait_for_disk(session)
        done = session.execute(update(V).where(_held(variant_id, job_id), col(V.state) == VariantState.PUBLISHING)
                               .values(state=VariantState.PUBLISHED, remote_id=result.remote_id[:100],
                                       remote_url=result.url[:500], published_at=utcnow(), last_error="",
                                       updated_at=utcnow()))
        session.commit()
        if done.rowcount != 1:  # type: ignore[attr-defined]
            log.warning("social variant %s was published (%s) but this job no longer holds it", variant_id,
                        result.remote_id)
        return f"social:{variant_id}:published:{result.remote_id}"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _start(session: Session, variant_id: uuid.UUID, job_id: uuid.UUID) -> SocialPostVariant | None:
    """scheduled | publishing → publishing for this job, counting the attempt; None if it is not ours."""
    now = utcnow()
    _no_wait_for_disk(session)
    started = session.execute(update(V).where(_held(variant_id, job_id), col(V.state).in_(ACTIVE)).values(
        state=VariantState.PUBLISHING, attempts=col(V.attempts) + 1, updated_at=now,
        first_sent_at=func.coalesce(col(V.first_sent_at), now)))
    session.commit()
    if started.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(V, variant_id, populate_existing=True)


def _send(session: Session, account: SocialAccount, variant: SocialPostVariant, job_id: uuid.UUID) -> Published:
    """The network's post for this variant: made now, or (a late retry) found where an earlier attempt made it."""
    text, key, attempt, first_sent = variant.text, variant.idempotency_key, variant.attempts, variant.first_sent_at
    access = accounts.access_for(session=session, account=account)
    provider = provider_for(variant.network, session=session)
    trusted = getattr(provider, "key_trusted_for", KEY_TRUSTED_FOR)  # X: none, every retry looks first
    if attempt > 1 and first_sent is not None and utcnow() - first_sent >= trusted:
        found = provider.find_published(access, text=text, since=first_sent)
        if found is not None:
            return found
    media_ids = _upload_media(session, provider, access, variant.id, job_id, has_media=bool(variant.media))
    _no_wait_for_disk(session)  # the sandbox records the post in this transaction
    return provider.publish(access, text=text, media_ids=media_ids, idempotency_key=key)


def _no_wait_for_disk(session: Session) -> None:
    """On PostgreSQL, let this transaction's commit return before its WAL is flushed to disk
    (synchronous_commit off, for this transaction only). A database crash can then forget the last
    fraction of a second of publishing state, never corrupt it; what it forgets is redone by the
    retry, which sends the same idempotency key and gets the same post back — so never-twice holds,
    and a burst is not held up by one disk flush per state change."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _held(variant_id: uuid.UUID, job_id: uuid.UUID) -> Any:
    return (col(V.id) == variant_id) & (col(V.job_id) == job_id)


def _upload_media(session: Session, provider: SocialProvider, access: Any, variant_id: uuid.UUID,
                  job_id: uuid.UUID, *, has_media: bool = True) -> list[str]:
    """The network's ids of the variant's media, uploading those not uploaded by an earlier attempt."""
    if not has_media:  # a text post (media never change once a post is made): nothing to read or upload
        return []
    variant = session.get(V, variant_id, populate_existing=True)
    if variant is None:
        raise CannotPublish("The post was deleted.")
    ids, store = list(variant.remote_media_ids), get_storage()
    for item in variant.media[len(ids):]:
        record = session.get(StoredFile, uuid.UUID(item["file_id"]))
        if record is None or record.owner_id != variant.owner_id:
            raise CannotPublish("An attached file was deleted; attach it again.")
        try:
            with store.open(record.key) as stream:
                data = stream.read()
        except (NotFound, FileNotFoundError) as exc:
            raise CannotPublish(f"{record.original_name} is no longer in storage; attach it again.") from exc
        media = MediaFile(record.original_name, record.content_type, data, str(item.get("description") or ""),
                          record.key)
        if isinstance(provider, ResumableUploads):
            ids.append(provider.upload_resumable(access, media, _checkpoint(session, variant, job_id)))
        else:
            ids.append(provider.upload_media(access, media))
        session.execute(update(V).where(_held(variant_id, job_id)).values(
            remote_media_ids=list(ids), upload_session_enc=None, upload_offset=0))
        session.commit()
    return ids


def _checkpoint(session: Session, variant: SocialPostVariant, job_id: uuid.UUID) -> UploadCheckpoint:
    """The variant's resumable upload as an earlier attempt left it, saved back to the variant (session
    URL encrypted) each time the network confirms more; an unreadable one (keys rotated) starts over."""
    try:
        url = crypto.decrypt(variant.upload_session_enc) if variant.upload_session_enc else ""
    except crypto.TokenUnreadable:
        url = ""
    variant_id = variant.id

    def save(session_url: str, offset: int) -> None:
        session.execute(update(V).where(_held(variant_id, job_id)).values(
            upload_session_enc=crypto.encrypt(session_url), upload_offset=offset))
        session.commit()

    return UploadCheckpoint(session_url=url, offset=variant.upload_offset if url else 0, save=save)


def _retry(session: Session, variant_id: uuid.UUID, job_id: uuid.UUID, attempt: int, error: str,
           *, at: datetime) -> str:
    """Wait and let the sweep try again (same key), or fail for good once the attempts are used up."""
    limit = get_settings().social_publish_attempts
    if attempt >= limit:
        return _fail(session, variant_id, job_id, f"Gave up after {attempt} attempts: {error}")
    session.execute(update(V).where(_held(variant_id, job_id), col(V.state) == VariantState.PUBLISHING)
                    .values(job_id=None, due_at=at, last_error=error[:1000], updated_at=utcnow()))
    session.commit()
    return f"social:{variant_id}:retry-at:{at.isoformat(timespec='seconds')}"


def _fail(session: Session, variant_id: uuid.UUID, job_id: uuid.UUID, reason: str) -> str:
    session.execute(update(V).where(_held(variant_id, job_id), col(V.state).in_(ACTIVE))
                    .values(state=VariantState.FAILED, failure_reason=reason[:1000], last_error=reason[:1000],
                            updated_at=utcnow()))
    session.commit()
    return f"social:{variant_id}:failed"


# --- metrics --------------------------------------------------------------------------------------

def refresh_metrics(*, session: Session, actor: Actor, variant_id: uuid.UUID) -> SocialPostVariant:
    """Read a published variant's counts from its network (simulated on the sandbox) and store them."""
    variant = get_owned(session=session, model=V, obj_id=variant_id, actor=actor)
    if variant.state != VariantState.PUBLISHED or not variant.remote_id:
        raise InvalidInput("Only a published post has engagement to read.")
    account = session.get(SocialAccount, variant.account_id) if variant.account_id else None
    if account is None:
        raise InvalidInput("The account of this post was disconnected; its engagement can no longer be read.")
    try:
        access = accounts.access_for(session=session, account=account)
        metrics = provider_for(variant.network, session=session).metrics(access, remote_id=variant.remote_id)
    except GrantRevoked as exc:
        if account.state == AccountState.CONNECTED:
            accounts.mark_reconnect(session=session, account=account, reason=str(exc))
        raise accounts.domain_error(exc) from exc
    except ProviderError as exc:
        raise accounts.domain_error(exc) from exc
    variant.metrics, variant.metrics_at = metrics.as_dict(), utcnow()
    session.add(variant)
    session.commit()
    return variant
