"""Hash-chained audit log: appends, tamper detection, concurrency, CLI, no secrets."""

from __future__ import annotations

import io
import logging
import threading
import uuid

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from maxbooster.cli import main
from maxbooster.models.audit import AuditLog
from maxbooster.services import audit
from maxbooster.services.accounts import recovery, users
from maxbooster.services.actor import Actor
from maxbooster.services.email.outbox import list_outbox
from maxbooster.services.errors import AuthenticationFailed
from tests.support import accounts as fx
from tests.support.accounts import PASSWORD, make_user

acct_env = fx.acct_env

def _fill(session: Session, n: int) -> None:
    for i in range(n):
        who = Actor.anonymous(ip="10.0.0.1").as_user(uuid.uuid4())
        audit.record(session, who, "test.event", target=f"t:{i}", details={"i": i, "note": "ünï"})
        session.commit()


def test_chain_verifies(session: Session, acct_env: object) -> None:
    _fill(session, 5)
    assert audit.verify_chain(session=session) == audit.VerifyResult(True, 5)


def test_edited_row_is_detected(session: Session, acct_env: object) -> None:
    _fill(session, 5)
    session.execute(update(AuditLog).where(AuditLog.seq == 3).values(target="t:forged"))
    session.commit()
    result = audit.verify_chain(session=session)
    assert not result.ok and result.first_broken_seq == 3 and "hash" in result.reason


def test_deleted_middle_row_is_detected(session: Session, acct_env: object) -> None:
    _fill(session, 5)
    session.execute(delete(AuditLog).where(AuditLog.seq == 2))
    session.commit()
    result = audit.verify_chain(session=session)
    assert not result.ok and result.first_broken_seq == 2 and "missing" in result.reason


def test_deleted_tail_row_is_detected(session: Session, acct_env: object) -> None:
    _fill(session, 4)
    session.execute(delete(AuditLog).where(AuditLog.seq == 4))
    session.commit()
    result = audit.verify_chain(session=session)
    assert not result.ok and result.first_broken_seq == 4


def test_concurrent_appends_keep_one_chain(session: Session, engine: Engine, acct_env: object) -> None:
    _fill(session, 1)

    def writer() -> None:
        for _ in range(5):
            with Session(engine) as own:
                audit.record(own, Actor.system(), "test.concurrent")
                own.commit()

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert audit.verify_chain(session=session) == audit.VerifyResult(True, 31)


def test_cli_audit_verify(session: Session, acct_env: object, capsys: pytest.CaptureFixture[str]) -> None:
    _fill(session, 3)
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "audit chain OK: 3 rows"
    session.execute(update(AuditLog).where(AuditLog.seq == 2).values(details={"i": 99}))
    session.commit()
    assert main(["audit", "verify"]) == 1
    assert capsys.readouterr().out.strip().startswith("audit chain BROKEN at row 2:")


def test_cli_create_admin_from_stdin(session: Session, acct_env: object, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["create-admin", "Root@Example.com", "--password-stdin"]) == 0
    assert "admin ready: root@example.com" in capsys.readouterr().out
    user = users.find_by_email(session=session, email="root@example.com")
    assert user is not None and user.role == "admin" and user.email_verified


def test_security_events_are_recorded_without_secrets(session: Session, acct_env: object,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    c = Actor.anonymous(ip="192.0.2.9", user_agent="agent")
    secret_pw = "s3cret-passphrase-for-audit-test"
    users.signup(session=session, email="carol@example.com", password=secret_pw, display_name="Carol", actor=c)
    with pytest.raises(AuthenticationFailed):
        users.login(session=session, email="carol@example.com", password="wrong-" + secret_pw, actor=c)
    make_user(session, "dave@example.com")
    recovery.forgot_password(session=session, email="dave@example.com", actor=c)
    tokens = [m.text_body.split("token=")[1].split()[0] for m in list_outbox(session=session)]
    actions = set(session.execute(select(AuditLog.action)).scalars())
    assert {"signup", "login.failure", "password.reset_requested"} <= actions
    dump = " ".join(str(r) for r in session.execute(text("SELECT * FROM audit_log")).all())
    for secret in [secret_pw, *tokens]:
        assert secret not in dump
        assert secret not in caplog.text
    assert audit.verify_chain(session=session).ok
