"""What the composer's "Write with AI" can write about: the user's own releases, then tracks, newest first;
never another user's."""

from __future__ import annotations

from sqlmodel import Session

from maxbooster.models.library import Track
from maxbooster.models.releases import Release
from maxbooster.services.social import captions
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env


def test_subjects_are_the_users_own_releases_then_tracks(session: Session) -> None:
    ava, bob = make_user(session), make_user(session, "bob@example.com")
    session.add_all([Release(owner_id=ava.id, title="Night Drive"), Release(owner_id=bob.id, title="Bob's EP")])
    session.commit()
    session.add(Release(owner_id=ava.id, title="Second Album"))
    session.add(Track(owner_id=ava.id, title="Demo 1", artist="Ava", original_name="demo1.wav", sha256="a" * 64,
                      size_bytes=10, original_key="k1"))
    session.commit()
    found = captions.caption_subjects(session=session, actor=actor_for(ava))
    assert [(kind, title) for kind, _, title in found] == [
        ("release", "Second Album"), ("release", "Night Drive"), ("track", "Demo 1")]
    assert [t for _, _, t in captions.caption_subjects(session=session, actor=actor_for(bob))] == ["Bob's EP"]
