"""Plans as data, the quota check and its 20-way race on both databases."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from maxbooster.models.audit import AuditLog
from maxbooster.models.storage import StoredFile
from maxbooster.services import plans
from maxbooster.services.admin import users as admin_users
from maxbooster.services.errors import PermissionDenied, PlanLimitReached
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env

def test_plans_are_data() -> None:
    assert set(plans.PLANS) == {"free", "pro", "label"}
    free, pro, label = plans.PLANS["free"], plans.PLANS["pro"], plans.PLANS["label"]
    assert free.projects < pro.projects and free.storage_bytes < pro.storage_bytes < label.storage_bytes
    assert free.marketplace_fee_bps > pro.marketplace_fee_bps > label.marketplace_fee_bps
    assert label.limit("projects") is None


def test_limit_is_enforced(session: Session, acct_env: object) -> None:
    user = make_user(session)
    for _ in range(3):
        plans.check_and_reserve(session=session, user_id=user.id, resource="projects")
    with pytest.raises(PlanLimitReached, match="Your Free plan allows studio projects: 3"):
        plans.check_and_reserve(session=session, user_id=user.id, resource="projects")
    plans.release(session=session, user_id=user.id, resource="projects")
    session.commit()
    plans.check_and_reserve(session=session, user_id=user.id, resource="projects")
    assert plans.usage(session=session, user_id=user.id, resource="projects") == 3


def test_twenty_parallel_creates_with_one_slot_left(session: Session, engine: Engine, acct_env: object) -> None:
    user = make_user(session)
    plans.check_and_reserve(session=session, user_id=user.id, resource="projects", amount=2)  # 1 of 3 left
    barrier, results = threading.Barrier(20), []

    def attempt() -> None:
        with Session(engine) as own:
            barrier.wait()
            try:
                plans.check_and_reserve(session=own, user_id=user.id, resource="projects")
                results.append("ok")
            except PlanLimitReached:
                results.append("limit")

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1 and results.count("limit") == 19
    assert plans.usage(session=session, user_id=user.id, resource="projects") == 3


def test_create_within_plan_is_all_or_nothing(session: Session, acct_env: object) -> None:
    user = make_user(session)
    half = plans.PLANS["free"].storage_bytes // 2  # type: ignore[operator]

    def build(i: int) -> StoredFile:
        return StoredFile(owner_id=user.id, key=f"k{i}", original_name="a.wav", size_bytes=half, sha256="0" * 64)

    plans.create_within_plan(session=session, user_id=user.id, resource="storage_bytes", amount=half,
                             build=lambda: build(1))
    plans.create_within_plan(session=session, user_id=user.id, resource="storage_bytes", amount=half,
                             build=lambda: build(2))
    with pytest.raises(PlanLimitReached):
        plans.create_within_plan(session=session, user_id=user.id, resource="storage_bytes", amount=1,
                                 build=lambda: build(3))
    assert len(session.execute(select(StoredFile)).all()) == 2


def test_admin_sets_plan_and_it_is_audited(session: Session, acct_env: object) -> None:
    boss = make_user(session, "boss@example.com", role="admin")
    user = make_user(session)
    with pytest.raises(PermissionDenied):
        admin_users.set_plan(session=session, actor=actor_for(user), user_id=user.id, plan="label")
    assert admin_users.set_plan(session=session, actor=actor_for(boss), user_id=user.id, plan="pro").plan == "pro"
    actions = session.execute(select(AuditLog.action)).scalars().all()
    assert "billing.comp_granted" in actions and "authz.denied" in actions  # an admin's plan is a comp
    for _ in range(50):
        plans.check_and_reserve(session=session, user_id=user.id, resource="projects")
    with pytest.raises(PlanLimitReached):
        plans.check_and_reserve(session=session, user_id=user.id, resource="projects")
