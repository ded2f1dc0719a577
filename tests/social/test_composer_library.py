"""What the composer page sends for library media, audiograms and release links: media are picked from
`attachments.library_choices` as tokens; "Make an audiogram" starts the real job from the form's typed
values (bad input refused with what to change, nothing stored) and its progress is read until it is
ready; a release's smart link is tagged per network, shown in each account's preview and counted in
the network's length (a link counts 23 on X, however long)."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session, select

from maxbooster.models.social import AudiogramStatus, MediaKind, SocialAccount, SocialAudiogram, SocialPostVariant
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.social import accounts, compose_media, composer
from maxbooster.services.social.composer import ComposeIn
from tests.releases.support import make_master
from tests.social import media_support as ms
from tests.social.support import social_env
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, social_env = fx.acct_env, lib.jobs_run, social_env


def _data(account_ids: list[str], **changes: object) -> ComposeIn:
    base: dict[str, object] = {"account_ids": account_ids, "text": "Night Drive is out", "overrides": {},
                               "media_ids": [], "mode": "now"}
    base.update(changes)
    return ComposeIn(**base)  # type: ignore[arg-type]


def _x_account(session: Session, owner: uuid.UUID) -> SocialAccount:
    account = SocialAccount(owner_id=owner, network="x", remote_id="42", handle="@ava_x")
    session.add(account)
    session.commit()
    return account


def test_the_media_picker_offers_library_choices_as_tokens_that_round_trip(session: Session, social_env: Path,
                                                                           jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    actor = actor_for(user)
    release = ms.release_with_cover(session, user)
    make_master(session, user, seconds=31.0, title="Mastered")
    track, _ = ms.ready_track(session, user, seconds=8.0)
    gram = compose_media.make_audiogram(session=session, actor=actor, track_id=str(track.id), start="1",
                                        length="2", cover_id=str(release.id))
    assert jobs_run.wait_idle(120)
    found = compose_media.audiogram_progress(session=session, actor=actor, audiogram_id=gram)
    assert (found.status, found.percent) == (AudiogramStatus.READY, 100)
    options = compose_media.media_options(session=session, actor=actor)
    assert [(o.label, o.kind) for o in options] == [
        ("Cover of Night Drive", "image"), ("Mastered (master v1), first 30 s", "audio"),
        ("Audiogram of Midnight Drive (vertical)", "video"), ("Audiogram of Midnight Drive (square)", "video")]
    assert options[0].token == f"artwork:{release.id}" and options[3].token == f"audiogram:{gram}:square"
    for option in options:
        assert compose_media.ref_token(compose_media.parse_token(option.token)) == option.token
    account = accounts.connect_sandbox(session=session, actor=actor, handle="ava")
    post = composer.submit(session=session, actor=actor, data=_data(
        [str(account.id)], media_ids=[options[3].token]))
    (variant,) = session.exec(select(SocialPostVariant).where(SocialPostVariant.post_id == post.id)).all()
    assert [m["kind"] for m in variant.media] == [MediaKind.AUDIOGRAM]


ANY = uuid.UUID(int=7)  # fixed: test ids must be the same in every worker


@pytest.mark.parametrize("token", ["", "artwork:nope", f"audiogram:{ANY}:round", "preview:disk:x:1:2",
                                   f"preview:master:{ANY}:a:b", f"vinyl:{ANY}"])
def test_a_token_that_is_not_a_choice_is_refused(token: str) -> None:
    with pytest.raises(InvalidInput, match="not one of the choices; pick it again"):
        compose_media.parse_token(token)


BAD_GRAM = [
    ({"track_id": ""}, "Choose a track for the audiogram."),
    ({"track_id": "not-an-id"}, "That track is not one of the choices"),
    ({"start": "soon"}, "Type the start in seconds"),
    ({"length": "nan"}, "Type the length in seconds"),
    ({"start": "-1"}, "must start at 0 seconds or later"),
    ({"length": "0"}, "more than 0 and at most 60 seconds"),
    ({"length": "75"}, "more than 0 and at most 60 seconds, not 75"),
    ({"start": "6", "length": "5"}, r"The excerpt 6–11 s runs past the end of the track \(8.0 s\)"),
    ({"cover_id": "junk"}, "That cover is not one of the choices"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_GRAM, ids=[m for _, m in BAD_GRAM])
def test_bad_audiogram_input_is_refused_and_stores_nothing(session: Session, social_env: Path,
                                                           changes: dict[str, str], message: str) -> None:
    user = make_user(session)
    track, _ = ms.ready_track(session, user, seconds=8.0)
    given = {"track_id": str(track.id), "start": "0", "length": "5", "cover_id": ""} | changes
    with pytest.raises(InvalidInput, match=message):
        compose_media.make_audiogram(session=session, actor=actor_for(user), **given)
    session.rollback()
    assert session.exec(select(SocialAudiogram)).all() == []


def test_someone_elses_track_or_audiogram_is_not_found(session: Session, social_env: Path) -> None:
    alice, bob = make_user(session), make_user(session, "bob@example.com")
    track, _ = ms.ready_track(session, alice, seconds=8.0)
    with pytest.raises(NotFound, match="not in your library"):
        compose_media.make_audiogram(session=session, actor=actor_for(bob), track_id=str(track.id), start="0",
                                     length="5")
    gram = compose_media.make_audiogram(session=session, actor=actor_for(alice), track_id=str(track.id), start="0",
                                        length="5")
    with pytest.raises(NotFound):
        compose_media.audiogram_progress(session=session, actor=actor_for(bob), audiogram_id=gram)
    found = compose_media.audiogram_progress(session=session, actor=actor_for(alice), audiogram_id=gram)
    assert found.status == AudiogramStatus.RENDERING and found.percent == 0
    tracks, covers = compose_media.audiogram_sources(session=session, actor=actor_for(bob))
    assert tracks == [] and covers == []


def test_a_release_link_is_tagged_per_network_previewed_and_counted(session: Session, social_env: Path) -> None:
    user = make_user(session)
    actor = actor_for(user)
    sandbox = accounts.connect_sandbox(session=session, actor=actor, handle="ava")
    x = _x_account(session, user.id)
    release = ms.release_with_cover(session, user)
    assert compose_media.release_link_choices(session=session, actor=actor)[0][0] == str(release.id)
    text = "é" * 250  # X counts é as 1: 250 + a blank line (2) + the link as 23 = 275 of 280
    rows = {r.network: r for r in composer.check_all(session=session, actor=actor, data=_data(
        [str(sandbox.id), str(x.id)], text=text, release_id=str(release.id), campaign="launch"))}
    for network, row in rows.items():
        body, link = row.preview.split("\n\n")
        assert body == text and parse_qs(urlsplit(link).query) == {
            "utm_source": [network], "utm_medium": ["social"], "utm_campaign": ["launch"]}
    assert rows["x"].count == "275 / 280" and rows["x"].ok
    assert len(rows["x"].preview) > 290  # the real link is longer than the 23 X counts it as
    over = {r.network: r for r in composer.check_all(session=session, actor=actor, data=_data(
        [str(x.id)], text="é" * 256, release_id=str(release.id)))}
    assert over["x"].count == "281 / 280" and not over["x"].ok  # fits without the link, not with it
    post = composer.submit(session=session, actor=actor, data=_data([str(sandbox.id)], release_id=str(release.id),
                                                                     campaign="launch"))
    (variant,) = session.exec(select(SocialPostVariant).where(SocialPostVariant.post_id == post.id)).all()
    assert variant.text.startswith("Night Drive is out\n\n") and "utm_source=sandbox" in variant.text


@pytest.mark.parametrize(("release", "campaign", "message"), [
    ("junk", "", "That release is not one of the choices"),
    (None, "summer tour!", "A campaign name takes up to 60"),
])
def test_a_bad_release_or_campaign_is_refused_and_stores_nothing(session: Session, social_env: Path,
                                                                 release: str | None, campaign: str,
                                                                 message: str) -> None:
    user = make_user(session)
    actor = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=actor, handle="ava")
    release_id = release or str(ms.release_with_cover(session, user).id)
    for call in (composer.check_all, composer.submit):
        with pytest.raises(InvalidInput, match=message):
            call(session=session, actor=actor, data=_data([str(account.id)], release_id=release_id,
                                                          campaign=campaign))
    session.rollback()
    assert session.exec(select(SocialPostVariant)).all() == []


def test_someone_elses_release_is_not_offered_nor_linked(session: Session, social_env: Path) -> None:
    user, other = make_user(session), make_user(session, "bob@example.com")
    release = ms.release_with_cover(session, user)
    assert compose_media.release_link_choices(session=session, actor=actor_for(other)) == []
    account = accounts.connect_sandbox(session=session, actor=actor_for(other), handle="bo")
    with pytest.raises(NotFound):
        composer.check_all(session=session, actor=actor_for(other), data=_data([str(account.id)],
                                                                                release_id=str(release.id)))
