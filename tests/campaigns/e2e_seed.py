"""Run against the browser test's app database (MAXBOOSTER_DATA_DIR), in a process of its own, with the
jobs run in this process as a worker would run them:
`python -m tests.campaigns.e2e_seed baseline EMAIL` — a release with a smart link and six usual posts,
published and measured (the baseline); prints the smart link's id.
`python -m tests.campaigns.e2e_seed simulate CAMPAIGN_ID` — time passes through the campaign: each slot is
filled by Thompson sampling, published on the sandbox and measured, exactly as tests/campaigns does."""

from __future__ import annotations

import sys
import uuid
from datetime import timedelta

from sqlmodel import Session, col, select

from maxbooster.db import get_engine
from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.campaigns import Campaign
from maxbooster.models.social import SocialAccount
from maxbooster.services import broker as broker_service
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.campaigns import campaigns, scheduler
from maxbooster.services.social import ingest
from tests.campaigns.test_campaigns import smart_link
from tests.social.support import run_due, schedule
from tests.support.accounts import actor_for


def baseline(session: Session, broker: InProcessBroker, email: str) -> None:
    user = session.exec(select(User).where(col(User.email) == email)).one()
    account = session.exec(select(SocialAccount).where(col(SocialAccount.owner_id) == user.id)).first()
    assert account is not None, "connect the sandbox first"
    link = smart_link(session, user.id)
    for i in range(6):
        schedule(session, user, account, f"Studio day {i}: working on something #wip")
    run_due(session, broker)
    ingest.ingest_due(session=session, now=utcnow() + timedelta(hours=1))
    print(link.id)


def simulate(session: Session, broker: InProcessBroker, campaign_id: uuid.UUID) -> None:
    made = session.get(Campaign, campaign_id)
    assert made is not None
    user = session.get(User, made.owner_id)
    assert user is not None
    for slot in campaigns.campaign_slots(session=session, actor=actor_for(user), campaign_id=made.id):
        scheduler.allocate_due(session=session, now=slot.due_at - timedelta(minutes=5))
        run_due(session, broker, ahead_s=(slot.due_at - utcnow()).total_seconds() + 1)
        ingest.ingest_due(session=session, now=slot.due_at + timedelta(hours=2))
    ingest.ingest_due(session=session, now=made.ends_at + timedelta(days=1))


def main() -> None:
    broker = InProcessBroker().start()
    broker_service.use_broker(broker)
    try:
        with Session(get_engine()) as session:
            if sys.argv[1] == "baseline":
                baseline(session, broker, sys.argv[2])
            else:
                simulate(session, broker, uuid.UUID(sys.argv[2]))
    finally:
        broker_service.use_broker(None)
        broker.stop()


if __name__ == "__main__":
    main()
