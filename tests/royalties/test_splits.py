"""Splits: exactly 100 % (99.9 and 100.1 refused with a plain message), invitations by emailed link
(accept, decline, used once), an unaccepted share stays with the owner, changes are audited, and the
release validator reads the real splits table."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.models.audit import AuditLog
from maxbooster.models.royalties import InviteStatus, SplitShare
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.releases import validator
from maxbooster.services.royalties import splits
from tests.royalties.support import invitation_page_link, invite_link, make_release, set_split, token_of
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env
BOB = "bob@example.com"


@pytest.mark.parametrize(("bps", "shown"), [(2990, "99.9"), (3010, "100.1")])
def test_a_split_that_is_not_exactly_100_percent_is_refused(session: Session, acct_env: object, bps: int,
                                                            shown: str) -> None:
    alice = make_user(session)
    _, tracks = make_release(session, alice)
    with pytest.raises(InvalidInput) as err:
        set_split(session, alice, tracks[0], {alice.email: 7000, BOB: bps})
    assert err.value.message == f"The shares add up to {shown} %; they must add up to exactly 100 %."
    assert splits.get_split(session=session, actor=actor_for(alice), release_id=tracks[0].release_id,
                            track_id=tracks[0].id).split is None


def test_exactly_100_percent_is_saved_and_the_collaborator_is_invited(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    _, tracks = make_release(session, alice)
    view = set_split(session, alice, tracks[0], {alice.email: 7000, "Bob@Example.com ": 3000})
    by_email = {s.email: s for s in view.shares}
    assert by_email[alice.email].status == InviteStatus.ACCEPTED and by_email[alice.email].is_owner
    assert by_email[BOB].status == InviteStatus.PENDING and by_email[BOB].share_bps == 3000
    page = invitation_page_link(session, BOB)  # the email opens the invitation page of the app
    assert page.startswith("http://localhost:3000/earnings/invite?token=")
    link = invite_link(session, BOB)
    assert link.startswith("http://localhost:8000/api/v1/royalties/invites/")
    assert by_email[BOB].token_hash and token_of(link) not in by_email[BOB].token_hash  # only the hash is kept
    effective = splits.effective_shares(view.shares, alice.email)
    assert effective == {alice.email: 10_000}, "the pending share stays with the owner"
    audited = session.execute(select(AuditLog).where(AuditLog.action == "royalties.split_set")).scalars().all()
    assert len(audited) == 1 and audited[0].details["after"] == {alice.email: 7000, BOB: 3000}
    assert "token" not in str(audited[0].details)


def test_accept_through_the_emailed_link_then_the_link_is_used_up(session: Session, acct_env: object) -> None:
    alice, bob = make_user(session), make_user(session, BOB)
    _, tracks = make_release(session, alice)
    set_split(session, alice, tracks[0], {alice.email: 7000, BOB: 3000})
    token = token_of(invite_link(session, BOB))
    offer = splits.invitation(session=session, token=token)
    assert offer.share.share_bps == 3000 and offer.track_title == "Track 1"
    share = splits.answer_invitation(session=session, actor=Actor.anonymous(), token=token, accept=True)
    assert share.status == InviteStatus.ACCEPTED and share.user_id == bob.id
    with pytest.raises(InvalidInput) as err:
        splits.answer_invitation(session=session, actor=Actor.anonymous(), token=token, accept=False)
    assert err.value.message == "This link is invalid or has expired; ask for a new one."
    shares = splits.shares_of(session=session, split_id=share.split_id)
    assert splits.effective_shares(shares, alice.email) == {alice.email: 7000, BOB: 3000}


def test_declined_share_stays_with_the_owner_and_a_changed_share_is_asked_again(session: Session,
                                                                                acct_env: object) -> None:
    alice = make_user(session)
    _, tracks = make_release(session, alice)
    set_split(session, alice, tracks[0], {alice.email: 6000, BOB: 3000, "cy@example.com": 1000})
    splits.answer_invitation(session=session, actor=Actor.anonymous(),
                             token=token_of(invite_link(session, BOB, "decline")), accept=False)
    splits.answer_invitation(session=session, actor=Actor.anonymous(),
                             token=token_of(invite_link(session, "cy@example.com")), accept=True)
    view = splits.get_split(session=session, actor=actor_for(alice), release_id=tracks[0].release_id,
                            track_id=tracks[0].id)
    assert {s.email: s.status for s in view.shares} == {alice.email: "accepted", BOB: "declined",
                                                         "cy@example.com": "accepted"}
    assert splits.effective_shares(view.shares, alice.email) == {alice.email: 9000, "cy@example.com": 1000}
    view = set_split(session, alice, tracks[0], {alice.email: 7000, BOB: 2000, "cy@example.com": 1000})
    assert {s.email: s.status for s in view.shares} == {alice.email: "accepted", BOB: "pending",
                                                         "cy@example.com": "accepted"}  # unchanged keeps its yes
    view = set_split(session, alice, tracks[0], {alice.email: 10_000})
    assert [s.email for s in view.shares] == [alice.email]


def test_recoupment_needs_a_party_of_the_split(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    _, tracks = make_release(session, alice)
    with pytest.raises(InvalidInput, match="recoupment"):
        set_split(session, alice, tracks[0], {alice.email: 10_000}, recoup=(50_000, "USD", BOB))
    view = set_split(session, alice, tracks[0], {alice.email: 5000, BOB: 5000}, recoup=(50_000, "USD", BOB))
    assert view.split is not None and (view.split.recoup_amount_minor, view.split.recoup_email) == (50_000, BOB)


def test_another_users_track_is_not_found(session: Session, acct_env: object) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    _, tracks = make_release(session, alice)
    with pytest.raises(NotFound):
        set_split(session, mallory, tracks[0], {mallory.email: 10_000})
    with pytest.raises(NotFound):
        splits.get_split(session=session, actor=actor_for(mallory), release_id=tracks[0].release_id,
                         track_id=tracks[0].id)


def test_the_validator_flags_a_split_that_does_not_add_up(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    release, tracks = make_release(session, alice)
    set_split(session, alice, tracks[0], {alice.email: 7000, BOB: 3000})
    assert validator.split_findings(session=session, release=release, tracks=tracks) == []
    bob_share = session.execute(select(SplitShare).where(SplitShare.email == BOB)).scalar_one()
    bob_share.share_bps = 2990  # as if a row were changed behind the service's back
    session.commit()
    found = validator.split_findings(session=session, release=release, tracks=tracks)
    assert [(f.code, f.severity, f.field) for f in found] == [("splits.total", "error", "tracks.1.split")]
    assert "adds up to 99.9 %, not 100 %" in found[0].message
