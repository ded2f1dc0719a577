"""A confirmed fan unsubscribes with the link in our email: the fan is gone from the artist's list and
CSV, a second click says the same and changes nothing more, and a damaged or forged link changes nothing
and says so. The owner sees how many fans confirmed and how many are waiting."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session, select

from maxbooster import routes
from maxbooster.models.audit import AuditLog
from maxbooster.models.email import EmailOutbox
from maxbooster.models.releases import SmartLinkFan
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.releases import fans, smartlinks
from tests.releases.support import complete_release, in_days
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env
FAN = Actor.anonymous(ip="203.0.113.9", user_agent="pytest", via="web")


def _signed_up(session: Session, email: str, *, confirm: bool = True) -> tuple[str, str]:
    """(release owner's email, the unsubscribe token from the fan's email)."""
    mail = session.exec(select(EmailOutbox).where(EmailOutbox.to_addr == email)).all()[-1]
    links = re.findall(r"https?://\S+", mail.text_body)
    assert len(links) == 2, mail.text_body  # confirm, then unsubscribe
    confirm_url, unsubscribe_url = links
    assert urlsplit(unsubscribe_url).path == routes.FAN_UNSUBSCRIBE
    if confirm:
        smartlinks.confirm_fan(session=session, actor=FAN, token=confirm_url.rsplit("/", 1)[-1])
    return confirm_url, parse_qs(urlsplit(unsubscribe_url).query)["token"][0]


@pytest.fixture
def link(session: Session, acct_env: object) -> tuple[object, str]:
    user = make_user(session)
    release = complete_release(session, user, release_date=in_days(20))
    made = smartlinks.set_smart_link(session=session, actor=actor_for(user), release_id=release.id,
                                     data=smartlinks.SmartLinkIn(links={"spotify": "https://open.spotify.com/a/1"}))
    return release, made.slug


def test_confirmed_fan_unsubscribes_once_and_the_link_stays_harmless(session: Session, link: tuple) -> None:
    release, slug = link
    owner = actor_for(make_owner(session, release))
    smartlinks.sign_up_fan(session=session, actor=FAN, slug=slug, email="Fan@Example.com", consent=True)
    _, token = _signed_up(session, "fan@example.com")
    assert fans.fan_counts(session=session, actor=owner, release_id=release.id) == (1, 0)
    assert "fan@example.com" in smartlinks.fans_csv(session=session, actor=owner, release_id=release.id)

    # Opening the link only reads it (mail scanners open links): the fan is still there.
    assert fans.whose_link(session=session, actor=FAN, token=token) == fans.Unsubscribed("Ava North", already=False)
    assert fans.fan_counts(session=session, actor=owner, release_id=release.id) == (1, 0)

    done = fans.unsubscribe(session=session, actor=FAN, token=token)
    assert done == fans.Unsubscribed(artist="Ava North", already=False)
    assert fans.whose_link(session=session, actor=FAN, token=token).already
    assert session.exec(select(SmartLinkFan)).all() == []
    assert "fan@example.com" not in smartlinks.fans_csv(session=session, actor=owner, release_id=release.id)
    assert fans.fan_counts(session=session, actor=owner, release_id=release.id) == (0, 0)
    assert session.exec(select(AuditLog).where(AuditLog.action == "releases.fan_unsubscribed")).one()

    again = fans.unsubscribe(session=session, actor=FAN, token=token)  # idempotent: same answer, nothing to do
    assert again.already and len(session.exec(select(AuditLog).where(
        AuditLog.action == "releases.fan_unsubscribed")).all()) == 1


def make_owner(session: Session, release: object) -> object:
    from maxbooster.models.accounts import User

    return session.get(User, release.owner_id)  # type: ignore[attr-defined]


@pytest.mark.parametrize("damage", ["", "garbage", "not-a-uuid.abc", "flip", "other-fan", "truncated"])
def test_a_bad_link_changes_nothing_and_says_so(session: Session, link: tuple, damage: str) -> None:
    _, slug = link
    smartlinks.sign_up_fan(session=session, actor=FAN, slug=slug, email="fan@example.com", consent=True)
    _, token = _signed_up(session, "fan@example.com")
    head, signature = token.split(".")
    bad = {"flip": f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}",
           "other-fan": f"{uuid.uuid4().hex}.{signature}", "truncated": token[:-3]}.get(damage, damage)
    with pytest.raises(InvalidInput) as caught:
        fans.unsubscribe(session=session, actor=FAN, token=bad)
    assert "nothing was changed" in caught.value.message
    with pytest.raises(InvalidInput):
        fans.whose_link(session=session, actor=FAN, token=bad)
    assert [f.email for f in session.exec(select(SmartLinkFan)).all()] == ["fan@example.com"]


def test_an_unconfirmed_fan_can_unsubscribe_from_the_confirm_email(session: Session, link: tuple) -> None:
    release, slug = link
    owner = actor_for(make_owner(session, release))
    smartlinks.sign_up_fan(session=session, actor=FAN, slug=slug, email="maybe@example.com", consent=True)
    confirm_url, token = _signed_up(session, "maybe@example.com", confirm=False)
    assert fans.fan_counts(session=session, actor=owner, release_id=release.id) == (0, 1)
    assert not fans.unsubscribe(session=session, actor=FAN, token=token).already
    with pytest.raises(InvalidInput):  # the confirm link of a removed fan does nothing any more
        smartlinks.confirm_fan(session=session, actor=FAN, token=confirm_url.rsplit("/", 1)[-1])
    assert session.exec(select(SmartLinkFan)).all() == []


def test_fan_counts_of_another_users_release_are_not_found(session: Session, link: tuple) -> None:
    release, _ = link
    mallory = make_user(session, "mallory@example.com")
    with pytest.raises(NotFound):
        fans.fan_counts(session=session, actor=actor_for(mallory), release_id=release.id)
