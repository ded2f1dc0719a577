"""The ledger: statement income split by accepted shares (a pending or declined share paid to the
owner), recoupment first, negative lines as adjustments, payouts, balances per collaborator and the
per-collaborator CSV statement."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import Session

from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.royalties import ledger, splits, statements
from tests.royalties.support import GENERIC, csv_bytes, invite_link, make_release, set_split, token_of
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env
BOB = "bob@example.com"


def _statement(session: Session, user: object, amounts: list[str], isrc: str = "USMB12600001",
               period: str = "2026-11") -> None:
    data = csv_bytes([[isrc, period, "Spotify", "DE", "1", a, "USD"] for a in amounts], GENERIC)
    statements.import_statement(session=session, actor=actor_for(user), chunks=[data])  # type: ignore[arg-type]


def _catalogue(session: Session, user: object) -> dict[str, int]:
    return {b.party_email: b.amount_minor for b in ledger.catalogue_balances(session=session,
                                                                             actor=actor_for(user))}  # type: ignore[arg-type]


def _accept(session: Session, email: str) -> None:
    splits.answer_invitation(session=session, actor=Actor.anonymous(), token=token_of(invite_link(session, email)),
                             accept=True)


def test_unaccepted_share_stays_with_the_owner_until_accepted(session: Session, acct_env: object) -> None:
    alice, bob = make_user(session), make_user(session, BOB)
    _, tracks = make_release(session, alice)
    set_split(session, alice, tracks[0], {alice.email: 7000, BOB: 3000})
    _statement(session, alice, ["10.00"], period="2026-10")
    assert _catalogue(session, alice) == {alice.email: 1000}
    _accept(session, BOB)
    _statement(session, alice, ["20.00"], period="2026-11")
    assert _catalogue(session, alice) == {alice.email: 1000 + 1400, BOB: 600}
    mine = ledger.my_balances(session=session, actor=actor_for(bob))
    assert [(b.owner_id, b.party_email, b.money.format()) for b in mine] == [(alice.id, BOB, "USD 6.00")]


def test_recoupment_is_paid_first_then_percentages(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    make_user(session, BOB)
    _, tracks = make_release(session, alice)
    set_split(session, alice, tracks[0], {alice.email: 5000, BOB: 5000}, recoup=(1500, "USD", BOB))
    _accept(session, BOB)
    _statement(session, alice, ["10.00"], period="2026-10")  # all 10.00 recoups (15.00 owed)
    assert _catalogue(session, alice) == {BOB: 1000}
    _statement(session, alice, ["10.01"], period="2026-11")  # 5.00 finishes it, 5.01 split 50/50
    assert _catalogue(session, alice) == {alice.email: 251, BOB: 1000 + 500 + 250}  # the odd cent: first share
    _statement(session, alice, ["-2.00"], period="2026-12")  # a return: an adjustment by the shares
    assert _catalogue(session, alice) == {alice.email: 151, BOB: 1650}
    split = splits.split_for_track(session=session, release_track_id=tracks[0].id)
    assert split is not None and ledger.recouped(session=session, split_id=split.id, currency="USD") == 1500


def test_payouts_reduce_the_balance_and_never_exceed_it(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    make_release(session, alice)
    _statement(session, alice, ["12.34"])
    with pytest.raises(InvalidInput, match="has USD 12.34 to pay out; USD 20.00 is more than that"):
        ledger.record_payout(session=session, actor=actor_for(alice), party_email=alice.email, amount_minor=2000,
                             currency="USD")
    ledger.record_payout(session=session, actor=actor_for(alice), party_email=alice.email, amount_minor=1000,
                         currency="USD", memo="November")
    assert _catalogue(session, alice) == {alice.email: 234}


def test_per_collaborator_statement_csv(session: Session, acct_env: object) -> None:
    alice, bob = make_user(session), make_user(session, BOB)
    mallory = make_user(session, "mallory@example.com")
    _, tracks = make_release(session, alice)
    set_split(session, alice, tracks[0], {alice.email: 7000, BOB: 3000})
    _accept(session, BOB)
    _statement(session, alice, ["20.00", "-1.00"])
    text = ledger.statement_csv(session=session, actor=actor_for(bob))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["kind"], r["track"], r["isrc"], r["amount"], r["currency"], r["period"]) for r in rows] == [
        ("adjustment", "Track 1", "USMB12600001", "-0.30", "USD", "2026-11"),
        ("income", "Track 1", "USMB12600001", "6.00", "USD", "2026-11")]
    assert ledger.statement_csv(session=session, actor=actor_for(alice), party_email=BOB) == text
    with pytest.raises(NotFound):
        ledger.statement_csv(session=session, actor=actor_for(mallory), party_email=BOB)
    assert ledger.catalogue_balances(session=session, actor=actor_for(mallory)) == []
