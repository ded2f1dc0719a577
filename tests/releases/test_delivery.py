"""Delivery through the real job system: submit → scheduled → delivering → delivered (the folder
destination acknowledges), the batch folder's layout, manifest, completion marker and XSD-valid
message; takedown → taken_down with an update whose deals end; a distributor's folder that has not
answered is retried with back-off, and its rejection (with its reason) moves the state; every
transition is in the audit log."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from maxbooster.models.audit import AuditLog
from maxbooster.models.jobs import Job
from maxbooster.models.releases import Delivery, DeliveryState, Release
from maxbooster.services import audit, plans
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import Conflict, PlanLimitReached
from maxbooster.services.releases import delivery, ern_check, releases, validator
from maxbooster.settings import get_settings
from tests.releases.support import complete_release, ddex_env
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, jobs_held, ddex_env = fx.acct_env, lib.jobs_run, lib.jobs_held, ddex_env


def _delivery(session: Session, release: Release, destination: str = "folder") -> Delivery:
    session.expire_all()
    return session.exec(select(Delivery).where(Delivery.release_id == release.id,
                                               Delivery.destination == destination)).one()


def _transitions(session: Session, row: Delivery) -> list[tuple[str, str]]:
    rows = session.exec(select(AuditLog).where(AuditLog.target == f"delivery:{row.id}")
                        .order_by(col(AuditLog.seq))).all()
    return [(r.action.removeprefix("release.delivery."), str(r.details.get("from"))) for r in rows]


def _ready(session: Session, user: Any, **kwargs: Any) -> Release:
    release = complete_release(session, user, **kwargs)
    assert validator.validate_release(session=session, actor=actor_for(user), release_id=release.id).ok
    return release


def test_submit_delivers_to_the_folder_and_takedown_ends_the_deals(session: Session, acct_env: Path,
                                                                   ddex_env: Path, jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    release = _ready(session, user, n_tracks=2, release_type="ep")
    delivery.submit_release(session=session, actor=actor_for(user), release_id=release.id)
    assert jobs_run.wait_idle(60)
    row = _delivery(session, release)
    assert row.state == DeliveryState.DELIVERED, row.state_message
    assert _transitions(session, row) == [("validated", "draft"), ("scheduled", "validated"),
                                          ("delivering", "scheduled"), ("delivered", "delivering")]
    assert audit.verify_chain(session=session).ok
    assert plans.usage(session=session, user_id=user.id, resource="releases") == 1

    # the batch as the destination sees it
    root = get_settings().delivery_dir / "folder"
    batch = root / row.last_batch
    upc = str(release.upc)
    assert (batch / f"BatchComplete_{row.last_batch}.xml").is_file()
    manifest = json.loads((batch / "manifest.json").read_text())
    assert manifest["action"] == "NewReleaseDelivery" and manifest["schema_validated"] is True
    assert manifest["message"]["profile"] == "Audio" and manifest["test_message"] is True
    names = sorted(Path(f["path"]).name for f in manifest["files"])
    assert names == sorted([f"{upc}.xml", f"{upc}_01_001.flac", f"{upc}_01_002.flac", f"{upc}_front.jpg"])
    for item in manifest["files"]:  # every listed file is there, whole
        assert hashlib.sha256((batch / item["path"]).read_bytes()).hexdigest() == item["sha256"]
    message = (batch / upc / f"{upc}.xml").read_bytes()
    assert ern_check.check_message(message, require_schema=True)
    tree = ern_check.parse(message)
    for f in tree.iter("File"):  # the message's hashes are the files' MD5s
        data = (batch / upc / f.findtext("URI")).read_bytes()
        assert f.findtext("HashSum/HashSumValue") == hashlib.md5(data).hexdigest()  # noqa: S324
        assert int(f.findtext("FileSize")) == len(data)
    assert json.loads((root / "acknowledgements" / f"{row.last_batch}.json").read_text())["status"] == "accepted"
    assert not list((get_settings().delivery_dir / ".staging").glob("*"))  # nothing half-made left behind

    # a delivered release is no draft any more
    with pytest.raises(Conflict, match="only drafts can be changed"):
        releases.update_release(session=session, actor=actor_for(user), release_id=release.id,
                                data=releases.ReleaseIn(title="Changed"))

    delivery.request_takedown(session=session, actor=actor_for(user), release_id=release.id)
    assert jobs_run.wait_idle(60)
    row = _delivery(session, release)
    assert row.state == DeliveryState.TAKEN_DOWN, row.state_message
    assert _transitions(session, row)[-2:] == [("takedown_requested", "delivered"),
                                               ("taken_down", "takedown_requested")]
    takedown = root / row.last_batch
    manifest = json.loads((takedown / "manifest.json").read_text())
    assert manifest["action"] == "TakeDown" and [Path(f["path"]).name for f in manifest["files"]] == [f"{upc}.xml"]
    tree = ern_check.parse((takedown / upc / f"{upc}.xml").read_bytes())
    assert ern_check.check_message((takedown / upc / f"{upc}.xml").read_bytes(), require_schema=True)
    ends = {p.findtext("EndDate") for p in tree.iter("ValidityPeriod")}
    assert len(ends) == 1 and None not in ends
    assert {e.text for e in tree.iter("IsProvidedInDelivery")} == {"false"}
    with pytest.raises(Conflict, match="nothing to take down"):
        delivery.request_takedown(session=session, actor=actor_for(user), release_id=release.id)


def test_a_distributor_that_has_not_answered_is_retried_and_its_rejection_shown(
        session: Session, acct_env: Path, ddex_env: Path, jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    release = _ready(session, user, destinations=["partner_folder"])
    delivery.submit_release(session=session, actor=actor_for(user), release_id=release.id)
    root = get_settings().delivery_dir / "partner_folder"
    deadline = time.monotonic() + 30
    while not (row := _delivery(session, release, "partner_folder")).last_batch or \
            not (root / row.last_batch / f"BatchComplete_{row.last_batch}.xml").is_file():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(0.5)
    row = _delivery(session, release, "partner_folder")
    assert row.state == DeliveryState.DELIVERING and "has not acknowledged it yet" in row.state_message
    job = session.get(Job, row.job_id)
    assert job is not None and job.status == "pending" and job.attempts >= 1  # waiting for its retry
    # the distributor answers
    (root / "acknowledgements").mkdir(exist_ok=True)
    (root / "acknowledgements" / f"{row.last_batch}.json").write_text(json.dumps(
        {"status": "rejected", "reason": "Artwork contains a URL."}))
    assert jobs_run.wait_idle(60)
    row = _delivery(session, release, "partner_folder")
    assert row.state == DeliveryState.REJECTED
    assert row.state_message == "Rejected by Distributor drop folder (acknowledged by the distributor): " \
                                "Artwork contains a URL."
    assert [t[0] for t in _transitions(session, row)][-2:] == ["delivering", "rejected"]
    batches = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name != "acknowledgements")
    assert batches == [row.last_batch]  # the retries never sent a second batch
    # fixing a rejected release makes it a draft again
    releases.update_release(session=session, actor=actor_for(user), release_id=release.id,
                            data=releases.ReleaseIn(genre="Pop"))
    assert _delivery(session, release, "partner_folder").state == DeliveryState.DRAFT


def test_submitting_needs_a_validated_release_and_the_plan(session: Session, acct_env: Path, ddex_env: Path,
                                                           jobs_held: InProcessBroker) -> None:
    user = make_user(session)
    release = complete_release(session, user)
    with pytest.raises(Conflict, match="Check the release first"):
        delivery.submit_release(session=session, actor=actor_for(user), release_id=release.id)
    plans.reserve(session=session, user_id=user.id, resource="releases", amount=2)  # Free: 2 a year, both used
    session.commit()
    assert validator.validate_release(session=session, actor=actor_for(user), release_id=release.id).ok
    with pytest.raises(PlanLimitReached, match="allows releases per year: 2"):
        delivery.submit_release(session=session, actor=actor_for(user), release_id=release.id)
    row = _delivery(session, release)
    assert row.state == DeliveryState.VALIDATED and row.job_id is None
    assert session.exec(select(Job)).all() == []
