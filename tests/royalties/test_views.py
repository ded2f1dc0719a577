"""What the royalty pages read and send: the split form as typed (percentages, amounts) refused with a
plain message when it does not add up, the owner's tracks with their splits, the history of a split,
one collaborator's statement lines and totals, payouts as typed, earnings with names."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.royalties import ledger, splits, statements, views
from tests.royalties.support import GENERIC, csv_bytes, invite_link, make_release, set_split, token_of
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env
BOB = "bob@example.com"


@pytest.mark.parametrize(("typed", "bps"), [("30", 3000), ("33.33", 3333), ("12,5", 1250), (" 70 % ", 7000),
                                            ("100", 10000), ("0.01", 1)])
def test_percentages_as_people_type_them(typed: str, bps: int) -> None:
    assert views.percent_to_bps(typed) == bps


@pytest.mark.parametrize(("typed", "says"), [("abc", "is not a percentage"), ("33.333", "at most two"),
                                             ("", "is not a percentage"), ("NaN", "is not a percentage"),
                                             ("1e400", "is not a percentage"), ("-5", "is not a percentage")])
def test_a_percentage_that_is_not_one_is_refused(typed: str, says: str) -> None:
    with pytest.raises(InvalidInput) as err:
        views.percent_to_bps(typed)
    assert says in err.value.message


def test_the_live_total_says_what_is_wrong() -> None:
    assert views.total_percent(["70", "30"]) == (10_000, "")
    assert views.total_percent(["70", "29.9"]) == (9990, "The shares add up to 99.9 %; they must add up to "
                                                         "exactly 100 %.")
    assert views.total_percent(["70", "30.1", ""])[0] == 10_010
    assert views.total_percent(["70", "x"])[0] == -1


@pytest.mark.parametrize(("bob", "shown"), [("29.9", "99.9"), ("30.1", "100.1")])
def test_the_split_form_refuses_99_9_and_100_1_and_stores_nothing(session: Session, acct_env: object, bob: str,
                                                                   shown: str) -> None:
    alice = make_user(session)
    _, tracks = make_release(session, alice)
    with pytest.raises(InvalidInput) as err:
        views.save_split_form(session=session, actor=actor_for(alice), release_id=tracks[0].release_id,
                              track_id=tracks[0].id, rows=[(alice.email, "70"), (BOB, bob)])
    assert err.value.message == f"The shares add up to {shown} %; they must add up to exactly 100 %."
    assert splits.split_for_track(session=session, release_track_id=tracks[0].id) is None


def test_the_split_form_saves_percentages_and_a_recoupment(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    _, tracks = make_release(session, alice)
    view = views.save_split_form(session=session, actor=actor_for(alice), release_id=tracks[0].release_id,
                                 track_id=tracks[0].id, rows=[(alice.email, "70"), ("", ""), (BOB, "30")],
                                 recoup_amount="250.00", recoup_currency="usd", recoup_email=BOB)
    assert {s.email: s.share_bps for s in view.shares} == {alice.email: 7000, BOB: 3000}
    assert view.split is not None and (view.split.recoup_amount_minor, view.split.recoup_currency,
                                       view.split.recoup_email) == (25_000, "USD", BOB)
    for rows, amount, currency, says in [([("", "30"), (alice.email, "70")], "", "", "needs the collaborator's"),
                                         ([(alice.email, "100")], "250", "", "currency of the recoupment"),
                                         ([(alice.email, "100")], "2.505", "USD", "not an amount of USD")]:
        with pytest.raises(InvalidInput) as err:
            views.save_split_form(session=session, actor=actor_for(alice), release_id=tracks[0].release_id,
                                  track_id=tracks[0].id, rows=rows, recoup_amount=amount, recoup_currency=currency,
                                  recoup_email=alice.email)
        assert says in err.value.message
    again = splits.get_split(session=session, actor=actor_for(alice), release_id=tracks[0].release_id,
                             track_id=tracks[0].id)
    assert {s.email: s.share_bps for s in again.shares} == {alice.email: 7000, BOB: 3000}, "nothing changed"


def test_overview_lists_my_tracks_with_their_splits_only(session: Session, acct_env: object) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    release, tracks = make_release(session, alice)
    make_release(session, mallory, ("GBXX12600009",))
    set_split(session, alice, tracks[1], {alice.email: 7000, BOB: 3000}, recoup=(1500, "USD", BOB))
    rows = views.split_overview(session=session, actor=actor_for(alice))
    assert [(r.release_title, r.position, r.isrc) for r in rows] == [
        ("Night Drive", 1, "USMB12600001"), ("Night Drive", 2, "USMB12600002"), ("Night Drive", 3, "USMB12600003")]
    assert rows[0].shares == [] and rows[0].recoupment == ""
    assert [(s.email, s.share_bps, s.status) for s in rows[1].shares] == [(alice.email, 7000, "accepted"),
                                                                          (BOB, 3000, "pending")]
    assert rows[1].recoupment == f"USD 15.00 to {BOB} first"
    assert {r.release_id for r in rows} == {release.id}


def test_history_shows_changes_and_answers_newest_first(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    _, tracks = make_release(session, alice)
    set_split(session, alice, tracks[0], {alice.email: 7000, BOB: 3000})
    set_split(session, alice, tracks[0], {alice.email: 6000, BOB: 4000}, recoup=(500, "EUR", alice.email))
    splits.answer_invitation(session=session, actor=Actor.anonymous(), token=token_of(invite_link(session, BOB)),
                             accept=True)
    set_split(session, alice, tracks[1], {alice.email: 5000, "cy@example.com": 5000})  # another track
    items = views.split_history(session=session, actor=actor_for(alice), release_id=tracks[0].release_id,
                                track_id=tracks[0].id)
    assert [i.text for i in items] == [
        f"{BOB} accepted",
        f"Split changed: {alice.email} 60 %, {BOB} 40 %; EUR 5.00 to {alice.email} first",
        f"Split set: {alice.email} 70 %, {BOB} 30 %"]
    with pytest.raises(NotFound):
        views.split_history(session=session, actor=actor_for(make_user(session, "m@example.com")),
                            release_id=tracks[0].release_id, track_id=tracks[0].id)


def _earn(session: Session) -> tuple[object, object]:
    alice, bob = make_user(session), make_user(session, BOB)
    _, tracks = make_release(session, alice)
    set_split(session, alice, tracks[0], {alice.email: 7000, BOB: 3000})
    splits.answer_invitation(session=session, actor=Actor.anonymous(), token=token_of(invite_link(session, BOB)),
                             accept=True)
    data = csv_bytes([["USMB12600001", "2026-11", "Spotify", "DE", "1000", "10.00", "USD"],
                      ["USMB12600001", "2026-11", "Spotify", "FR", "10", "-1.00", "USD"]], GENERIC)
    statements.import_statement(session=session, actor=actor_for(alice), chunks=[data], filename="nov.csv")
    return alice, bob


def test_a_collaborators_statement_has_lines_and_totals(session: Session, acct_env: object) -> None:
    alice, bob = _earn(session)
    paid = views.record_payout_form(session=session, actor=actor_for(alice), party_email=BOB, amount="1.50",
                                    currency="usd", memo=" Bank transfer ")
    assert paid.format() == "USD 1.50"
    st = views.party_statement(session=session, actor=actor_for(bob))  # mine, as the collaborator
    assert (st.party_email, st.party_name, st.more) == (BOB, "Bob", 0)
    assert [(ln.kind, ln.track, ln.amount.format()) for ln in st.lines] == [
        ("adjustment", "Track 1", "USD -0.30"), ("income", "Track 1", "USD 3.00"), ("payout", "", "USD -1.50")]
    assert st.lines[-1].memo == "Bank transfer"
    assert [(t.currency, t.earned.format(), t.paid.format(), t.balance.format()) for t in st.totals] == [
        ("USD", "USD 2.70", "USD 1.50", "USD 1.20")]
    as_owner = views.party_statement(session=session, actor=actor_for(alice), party_email="Bob@Example.com")
    assert as_owner.lines == st.lines and as_owner.totals == st.totals
    with pytest.raises(NotFound):
        views.party_statement(session=session, actor=actor_for(alice), party_email="nobody@example.com")
    with pytest.raises(NotFound):  # someone else's collaborator
        views.party_statement(session=session, actor=actor_for(make_user(session, "m@example.com")),
                              party_email=BOB)


def test_payouts_as_typed_are_checked(session: Session, acct_env: object) -> None:
    alice, _ = _earn(session)
    for amount, currency, says in [("abc", "USD", "not an amount of USD"), ("0", "USD", "positive amount"),
                                   ("2.71", "USD", "USD 2.70 to pay out"), ("1", "US", "three-letter ISO code")]:
        with pytest.raises(InvalidInput) as err:
            views.record_payout_form(session=session, actor=actor_for(alice), party_email=BOB, amount=amount,
                                     currency=currency)
        assert says in err.value.message
    assert {b.party_email: b.amount_minor for b in ledger.catalogue_balances(
        session=session, actor=actor_for(alice))} == {alice.email: 630, BOB: 270}, "nothing was recorded"


def test_earnings_name_the_catalogue_and_the_collaborators(session: Session, acct_env: object) -> None:
    alice, bob = _earn(session)
    mine = views.earnings(session=session, actor=actor_for(bob))
    assert [(who, b.money.format()) for who, b in mine.mine] == [("Alice", "USD 2.70")] and mine.catalogue == []
    owner = views.earnings(session=session, actor=actor_for(alice))
    assert [(who, b.money.format()) for who, b in owner.mine] == [("You", "USD 6.30")]
    assert [(who, b.party_email) for who, b in owner.catalogue] == [("Alice", alice.email), ("Bob", BOB)]


def test_the_invitation_names_the_release(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    _, tracks = make_release(session, alice)
    set_split(session, alice, tracks[0], {alice.email: 7000, BOB: 3000})
    offer = splits.invitation(session=session, token=token_of(invite_link(session, BOB)))
    assert (offer.track_title, offer.release_title, offer.owner_name) == ("Track 1", "Night Drive", "Alice")
