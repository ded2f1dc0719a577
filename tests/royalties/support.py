"""Royalty test helpers: a release with tracks that carry ISRCs (rows made directly: the royalty tests
are about money, not audio), splits set through the service, statement files as bytes, the invite
token read from the invitation page's link in the outbox email."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session, select

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.email import EmailOutbox
from maxbooster.models.releases import Release, ReleaseTrack
from maxbooster.services.royalties import splits
from maxbooster.settings import get_settings
from tests.support.accounts import actor_for

ISRCS = ("USMB12600001", "USMB12600002", "USMB12600003")


def make_release(session: Session, user: User, isrcs: tuple[str, ...] = ISRCS) -> tuple[Release, list[ReleaseTrack]]:
    release = Release(owner_id=user.id, title="Night Drive", artists=[{"name": "Ava North", "role": "primary"}])
    session.add(release)
    session.flush()
    tracks = [ReleaseTrack(release_id=release.id, position=i + 1, title=f"Track {i + 1}", isrc=code)
              for i, code in enumerate(isrcs)]
    session.add_all(tracks)
    session.commit()
    return release, tracks


def set_split(session: Session, user: User, track: ReleaseTrack, shares: dict[str, int], *,
              recoup: tuple[int, str, str] | None = None) -> splits.SplitView:
    amount, currency, party = recoup or (0, "", "")
    return splits.set_split(session=session, actor=actor_for(user), release_id=track.release_id, track_id=track.id,
                            data=splits.SplitIn([splits.ShareIn(e, b) for e, b in shares.items()],
                                                recoup_amount_minor=amount, recoup_currency=currency,
                                                recoup_email=party))


def invitation_page_link(session: Session, to: str) -> str:
    """The link of the newest invitation emailed to `to`: the invitation page with its token."""
    mail = session.execute(select(EmailOutbox).where(EmailOutbox.to_addr == to)
                           .order_by(EmailOutbox.created_at.desc())).scalars().first()  # type: ignore[attr-defined]
    assert mail is not None, f"no email to {to}"
    found = re.search(r"(https?://\S+\?token=\S+)", mail.text_body)
    assert found, mail.text_body
    return found.group(1)


def invite_link(session: Session, to: str, answer: str = "accept") -> str:
    """The REST API's accept/decline link for the token of the newest invitation emailed to `to`."""
    token = parse_qs(urlsplit(invitation_page_link(session, to)).query)["token"][0]
    return get_settings().api_url.rstrip("/") + routes.V1_ROYALTY_INVITE_ANSWER.format(token=token, answer=answer)


def token_of(link: str) -> str:
    return link.rstrip("/").split("/")[-2]


def csv_bytes(rows: list[list[str]], header: list[str], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


GENERIC = ["isrc", "period", "store", "territory", "units", "amount", "currency"]
