"""ISRC and UPC/EAN codes: format, year rollover, uniqueness (50 parallel allocations), never reused,
typed-in codes normalised and checked (bad prefix, lowercase and hyphens, duplicates), GS1 check digits."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from stdnum import ean

from maxbooster.models.releases import AllocatedCode, CodeKind, Release, ReleaseTrack
from maxbooster.services.errors import InvalidInput
from maxbooster.services.releases import codes, releases, tracks
from tests.releases.support import complete_release, make_master, set_prefixes
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env
ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{2}\d{5}$")


def _count(session: Session) -> int:
    return len(session.exec(select(AllocatedCode)).all())


def test_isrc_has_the_owners_prefix_the_year_and_counts_up(session: Session, acct_env: object) -> None:
    user = make_user(session)
    set_prefixes(session, user, country="GB", registrant="A1b")  # registrant is upper-cased
    first, second = (make_master(session, user, seed=s) for s in (1, 2))
    a = codes.allocate_isrc(session=session, actor=actor_for(user), recording_id=first.track_id)
    b = codes.allocate_isrc(session=session, actor=actor_for(user), recording_id=second.track_id)
    session.commit()
    yy = f"{datetime.now(UTC).year % 100:02d}"
    assert (a, b) == (f"GBA1B{yy}00001", f"GBA1B{yy}00002")
    assert ISRC.match(a) and codes.format_isrc(a) == f"GB-A1B-{yy}-00001"
    # the same recording keeps its ISRC (on a single and later on the album)
    assert codes.allocate_isrc(session=session, actor=actor_for(user), recording_id=first.track_id) == a


def test_a_new_year_starts_again_at_one(session: Session, acct_env: object, monkeypatch: pytest.MonkeyPatch) -> None:
    user = make_user(session)
    set_prefixes(session, user)
    masters = [make_master(session, user, seed=s) for s in (1, 2, 3)]
    monkeypatch.setattr(codes, "utcnow", lambda: datetime(2026, 12, 31, 23, 59, tzinfo=UTC))
    got = [codes.allocate_isrc(session=session, actor=actor_for(user), recording_id=masters[0].track_id),
           codes.allocate_isrc(session=session, actor=actor_for(user), recording_id=masters[1].track_id)]
    monkeypatch.setattr(codes, "utcnow", lambda: datetime(2027, 1, 1, 0, 1, tzinfo=UTC))
    got.append(codes.allocate_isrc(session=session, actor=actor_for(user), recording_id=masters[2].track_id))
    session.commit()
    assert got == ["USMB12600001", "USMB12600002", "USMB12700001"]


def test_a_code_taken_off_a_track_is_never_given_to_another_recording(session: Session, acct_env: object) -> None:
    user = make_user(session)
    release = complete_release(session, user)
    track = releases.tracks_of(session=session, release_id=release.id)[0]
    old = track.isrc
    actor = actor_for(user)
    tracks.update_track(session=session, actor=actor, release_id=release.id, track_id=track.id,
                        data=tracks.TrackIn(isrc=""))
    other = make_master(session, user, seed=9)
    tracks.update_track(session=session, actor=actor, release_id=release.id, track_id=track.id,
                        data=tracks.TrackIn(master_id=other.id))
    tracks.allocate_codes(session=session, actor=actor, release_id=release.id)
    session.expire_all()
    new = session.get(ReleaseTrack, track.id)
    assert new is not None and new.isrc and new.isrc != old
    assert session.exec(select(AllocatedCode).where(AllocatedCode.code == old)).one().recording_id is not None


def test_fifty_parallel_allocations_give_fifty_distinct_codes(session: Session, acct_env: object,
                                                               engine: Engine) -> None:
    user = make_user(session)
    set_prefixes(session, user)
    recordings = [make_master(session, user, seed=s, seconds=31.0).track_id for s in range(1, 51)]
    results: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(50)

    def allocate(recording: object) -> None:
        try:
            with Session(engine) as own:
                start.wait()
                code = codes.allocate_isrc(session=own, actor=actor_for(user), recording_id=recording)  # type: ignore[arg-type]
                own.commit()
                results.append(code)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=allocate, args=(r,)) for r in recordings]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert len(results) == 50 and len(set(results)) == 50
    assert sorted(int(c[-5:]) for c in results) == list(range(1, 51))
    session.expire_all()
    assert _count(session) == 50


@pytest.mark.parametrize(("typed", "stored"), [
    ("us-rc1-76-07839", "USRC17607839"), ("ISRC US-RC1-76-07839", "USRC17607839"),
    ("  usrc17607839 ", "USRC17607839"), ("GB.EMI.09.00001", "GBEMI0900001")])
def test_typed_isrcs_are_normalised(typed: str, stored: str) -> None:
    assert codes.normalise_isrc(typed) == stored


@pytest.mark.parametrize(("typed", "says"), [("XX-RC1-76-07839", "does not start with a known country code"),
                                             ("US-RC1-76-0783", "is not an ISRC"), ("", "is not an ISRC"),
                                             ("USRC1760783X", "is not an ISRC")])
def test_bad_isrcs_are_refused_with_a_plain_message(typed: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        codes.normalise_isrc(typed)


def test_a_typed_isrc_is_stored_canonical_and_a_duplicate_changes_nothing(session: Session, acct_env: object) -> None:
    alice, bob = make_user(session), make_user(session, "bob@example.com")
    release = complete_release(session, alice, n_tracks=2)
    first, second = releases.tracks_of(session=session, release_id=release.id)
    tracks.update_track(session=session, actor=actor_for(alice), release_id=release.id, track_id=first.id,
                        data=tracks.TrackIn(isrc=""))
    before = _count(session)
    tracks.update_track(session=session, actor=actor_for(alice), release_id=release.id, track_id=first.id,
                        data=tracks.TrackIn(isrc="fr-z03-14-00123"))
    session.expire_all()
    assert session.get(ReleaseTrack, first.id).isrc == "FRZ031400123"  # type: ignore[union-attr]
    assert _count(session) == before + 1
    # the same code for another recording of hers: refused, nothing changes
    with pytest.raises(InvalidInput, match="already the ISRC of another of your recordings"):
        tracks.update_track(session=session, actor=actor_for(alice), release_id=release.id, track_id=second.id,
                            data=tracks.TrackIn(isrc="FR-Z03-14-00123", title="Changed"))
    session.expire_all()
    kept = session.get(ReleaseTrack, second.id)
    assert kept is not None and kept.isrc == second.isrc and kept.title == second.title
    # someone else's code: refused too
    other = complete_release(session, bob, first_seed=7)
    bobs = releases.tracks_of(session=session, release_id=other.id)[0]
    counted = _count(session)
    with pytest.raises(InvalidInput, match="already in use by another account"):
        tracks.update_track(session=session, actor=actor_for(bob), release_id=other.id, track_id=bobs.id,
                            data=tracks.TrackIn(isrc="FRZ031400123"))
    session.expire_all()
    assert _count(session) == counted
    assert session.get(ReleaseTrack, bobs.id).isrc == bobs.isrc  # type: ignore[union-attr]


def test_a_bad_prefix_is_refused(session: Session, acct_env: object) -> None:
    user = make_user(session)
    for country, registrant, says in (("XX", "AB1", "known country code"), ("US", "A!", "3 letters or digits"),
                                      ("US", "", "both parts")):
        with pytest.raises(InvalidInput, match=says):
            set_prefixes(session, user, country=country, registrant=registrant)
    with pytest.raises(InvalidInput, match="6 to 12 digits"):
        set_prefixes(session, user, gs1="12a45")
    with pytest.raises(InvalidInput, match="not a DDEX party id"):
        set_prefixes(session, user, dpid="DPID123")
    assert codes.registrant(session=session, actor=actor_for(user)).isrc_country == ""


def test_allocation_needs_a_prefix(session: Session, acct_env: object) -> None:
    user = make_user(session)
    master = make_master(session, user)
    with pytest.raises(InvalidInput, match="Set your ISRC prefix first"):
        codes.allocate_isrc(session=session, actor=actor_for(user), recording_id=master.track_id)


def test_upcs_from_the_gs1_prefix_carry_the_right_check_digit(session: Session, acct_env: object) -> None:
    user = make_user(session)
    set_prefixes(session, user, gs1="0614141")
    made = [codes.allocate_upc(session=session, actor=actor_for(user), release_id=None) for _ in range(3)]  # type: ignore[arg-type]
    session.commit()
    assert made[0] == "0614141000012"  # 061414100001 + GS1 mod-10 check digit 2
    for code in made:
        assert len(code) == 13 and ean.is_valid(code) and code.startswith("0614141")
    assert len(set(made)) == 3
    assert codes.upc_from_prefix("40063813339", 3) == "4006381333931"  # GS1's own example EAN


def test_typed_upcs_are_checked(session: Session, acct_env: object) -> None:
    assert codes.normalise_upc("4006381333931") == "4006381333931"
    assert codes.normalise_upc("0-12345-67890-5") == "0012345678905"  # UPC-A stored as EAN-13
    with pytest.raises(InvalidInput) as wrong:
        codes.normalise_upc("4006381333932")
    assert wrong.value.message == ("The check digit of 4006381333932 is wrong: its last digit should be 1, not 2. "
                                   "Copy the number again from your barcode certificate.")
    with pytest.raises(InvalidInput, match="not a UPC or EAN"):
        codes.normalise_upc("12345")
    user = make_user(session)
    release = releases.create_release(session=session, actor=actor_for(user), data=releases.ReleaseIn(title="X"))
    with pytest.raises(InvalidInput, match="check digit"):
        releases.update_release(session=session, actor=actor_for(user), release_id=release.id,
                                data=releases.ReleaseIn(upc="4006381333932", title="Changed"))
    session.expire_all()
    kept = session.get(Release, release.id)
    assert kept is not None and kept.upc is None and kept.title == "X"
    assert session.exec(select(AllocatedCode).where(AllocatedCode.kind == CodeKind.UPC)).all() == []
