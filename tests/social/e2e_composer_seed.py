"""Run against the browser test's app database (MAXBOOSTER_DATA_DIR) in a process of its own:
`python -m tests.social.e2e_composer_seed EMAIL` — a ready 12 s track ("Midnight Drive") and a release with
a cover and a smart link ("Night Drive"); prints the smart link's slug."""

from __future__ import annotations

import sys

from sqlmodel import Session, col, select

from maxbooster.db import get_engine
from maxbooster.models.accounts import User
from maxbooster.services.releases import smartlinks
from tests.social import media_support as ms
from tests.support.accounts import actor_for


def main() -> None:
    with Session(get_engine()) as session:
        user = session.exec(select(User).where(col(User.email) == sys.argv[1])).one()
        ms.ready_track(session, user, seconds=12.0)
        release = ms.release_with_cover(session, user)
        link = smartlinks.get_smart_link(session=session, actor=actor_for(user), release_id=release.id)
        assert link is not None
        print(link.slug)


if __name__ == "__main__":
    main()
