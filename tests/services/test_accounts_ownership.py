"""get_owned hides other users' objects behind the same NotFound."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.models.accounts import AuditLog
from maxbooster.models.files import StoredFile
from maxbooster.services.errors import NotFound
from maxbooster.services.ownership import get_owned
from tests.services import accounts_fixtures as fx
from tests.services.accounts_fixtures import make_user

acct_env = fx.acct_env

def test_other_users_object_looks_missing(session: Session, acct_env: object) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    f = StoredFile(owner_id=alice.id, key="k", original_name="a.wav", size_bytes=1, sha256="0" * 64)
    session.add(f)
    session.commit()
    assert get_owned(session, StoredFile, f.id, alice).id == f.id
    with pytest.raises(NotFound) as theirs:
        get_owned(session, StoredFile, f.id, mallory)
    with pytest.raises(NotFound) as missing:
        get_owned(session, StoredFile, uuid.uuid4(), mallory)
    assert theirs.value.message == missing.value.message
    denied = session.execute(select(AuditLog).where(AuditLog.action == "authz.denied")).scalars().all()
    assert len(denied) == 1 and denied[0].actor_id == mallory.id
