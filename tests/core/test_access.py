"""One ownership rule for every table with an owner: another user's row reads as missing.

`FACTORIES` must have an entry for every table with an `owner_id` column; a new feature table
without one fails `test_every_owned_table_has_a_factory`, so the rule is proven for it too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session, SQLModel

from maxbooster.models import (
    AllocatedCode,
    BillingCustomer,
    Campaign,
    Cart,
    CheckoutSession,
    Delivery,
    DownloadGrant,
    Invoice,
    Job,
    LedgerEntry,
    License,
    LicenseTier,
    Listing,
    Master,
    Order,
    OrderLine,
    Project,
    RegistrantSettings,
    Release,
    ReleaseTrack,
    Report,
    Review,
    RoyaltySplit,
    SellerAccount,
    SmartLink,
    SmartLinkFan,
    SocialAccount,
    SocialAudiogram,
    SocialConnect,
    SocialPost,
    SocialPostHold,
    SocialPostVariant,
    SocialQueueSlot,
    SocialReviewLink,
    Statement,
    StoredFile,
    Subscription,
    Track,
)
from maxbooster.models.audit import AuditLog
from maxbooster.services.access import get_owned, require_admin
from maxbooster.services.actor import Actor
from maxbooster.services.errors import LoginRequired, NotFound, PermissionDenied
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env

# table name -> builds an unsaved row owned by `owner_id`
FACTORIES: dict[str, Callable[[uuid.UUID], Any]] = {
    "stored_files": lambda owner: StoredFile(owner_id=owner, key=f"{owner}/{uuid.uuid4().hex}", original_name="a.wav",
                                             size_bytes=1, sha256="0" * 64),
    "jobs": lambda owner: Job(kind="system.selftest", owner_id=owner),
    "tracks": lambda owner: _track(owner),
    "masters": lambda owner: Master(owner_id=owner, track_id=_track(owner, commit=True).id, version=1,
                                    preset="spotify", target_lufs=-14.0, ceiling_dbtp=-1.0),
    "studio_projects": lambda owner: Project(owner_id=owner, name="p", document={}),
    "releases": lambda owner: Release(owner_id=owner, title="r"),
    "deliveries": lambda owner: Delivery(owner_id=owner, release_id=_release(owner).id, destination="folder"),
    "registrant_settings": lambda owner: RegistrantSettings(owner_id=owner, isrc_country="US", isrc_registrant="AB1"),
    "allocated_codes": lambda owner: AllocatedCode(owner_id=owner, kind="isrc",
                                                   code=f"USAB126{uuid.uuid4().int % 10**5:05d}"),
    "royalty_splits": lambda owner: RoyaltySplit(owner_id=owner, release_track_id=_release_track(owner).id),
    "royalty_statements": lambda owner: Statement(owner_id=owner, layout="generic", sha256=uuid.uuid4().hex),
    "smart_links": lambda owner: SmartLink(owner_id=owner, release_id=_release(owner).id, slug=uuid.uuid4().hex[:20]),
    "smart_link_fans": lambda owner: SmartLinkFan(owner_id=owner, email=f"{uuid.uuid4().hex[:8]}@example.com",
                                                  consent_text="yes"),
    "billing_customers": lambda owner: BillingCustomer(owner_id=owner, provider="sandbox",
                                                       provider_customer_id=f"cus_{uuid.uuid4().hex}"),
    "billing_checkout_sessions": lambda owner: CheckoutSession(
        owner_id=owner, provider="sandbox", provider_session_id=f"cs_{uuid.uuid4().hex}", provider_customer_id="c",
        plan="pro", interval="month", amount_minor=1200, currency="USD", url="http://localhost/x"),
    "billing_subscriptions": lambda owner: Subscription(
        owner_id=owner, provider="sandbox", provider_subscription_id=f"sub_{uuid.uuid4().hex}",
        provider_customer_id="c", plan="pro", interval="month", status="active",
        last_event_created=datetime.now(UTC), last_event_id="evt_1"),
    "billing_invoices": lambda owner: Invoice(
        owner_id=owner, provider="sandbox", provider_invoice_id=f"in_{uuid.uuid4().hex}", amount_due_minor=1200,
        currency="USD", status="paid", last_event_created=datetime.now(UTC), last_event_id="evt_1"),
    "royalty_ledger": lambda owner: LedgerEntry(owner_id=owner, party_email="a@example.com", kind="income",
                                                amount_minor=1, currency="USD"),
    "campaigns": lambda owner: Campaign(owner_id=owner, name="c", goal="follows", starts_at=datetime.now(UTC),
                                        ends_at=datetime.now(UTC) + timedelta(days=1)),
    "social_accounts": lambda owner: SocialAccount(owner_id=owner, network="sandbox", remote_id=uuid.uuid4().hex,
                                                   handle="@a@sandbox"),
    "social_connects": lambda owner: SocialConnect(owner_id=owner, network="x", state_hash=uuid.uuid4().hex,
                                                   code_verifier_enc="-", redirect_uri="http://localhost/cb",
                                                   expires_at=datetime.now(UTC)),
    "social_posts": lambda owner: SocialPost(owner_id=owner, scheduled_at=datetime.now(UTC)),
    "social_post_variants": lambda owner: SocialPostVariant(owner_id=owner, post_id=_social_post(owner).id,
                                                            network="sandbox", idempotency_key=uuid.uuid4().hex),
    "social_queue_slots": lambda owner: SocialQueueSlot(owner_id=owner, account_id=_social_account(owner).id,
                                                        weekday=0, minute_of_day=600),
    "social_post_holds": lambda owner: SocialPostHold(owner_id=owner, post_id=_social_post(owner).id),
    "social_review_links": lambda owner: SocialReviewLink(owner_id=owner, post_id=_social_post(owner).id,
                                                          expires_at=datetime.now(UTC)),
    "social_audiograms": lambda owner: SocialAudiogram(owner_id=owner, track_id=_track(owner, commit=True).id),
    "marketplace_seller_accounts": lambda owner: SellerAccount(owner_id=owner, provider="sandbox",
                                                               provider_account_id=f"acct_{uuid.uuid4().hex}"),
    "marketplace_listings": lambda owner: Listing(owner_id=owner, kind="beat", title="b"),
    "marketplace_carts": lambda owner: Cart(owner_id=owner),
    "marketplace_orders": lambda owner: _order(owner, commit=False),
    "marketplace_licenses": lambda owner: License(owner_id=owner, order_line_id=_order_line(owner).id,
                                                  listing_id=_order_line(owner).listing_id, tier_kind="mp3_lease",
                                                  terms_text="t", sha256=uuid.uuid4().hex),
    "marketplace_download_grants": lambda owner: DownloadGrant(owner_id=owner, order_line_id=_order_line(owner).id,
                                                               deliverable="mp3", expires_at=datetime.now(UTC)),
    "marketplace_reviews": lambda owner: Review(owner_id=owner, listing_id=_listing(owner).id, rating=5),
    "marketplace_reports": lambda owner: Report(owner_id=owner, listing_id=_listing(owner).id, reason="spam"),
}
_SESSION: list[Session] = []


def _listing(owner: uuid.UUID) -> Listing:
    listing = Listing(owner_id=owner, kind="beat", title="b")
    _SESSION[0].add(listing)
    _SESSION[0].commit()
    return listing


def _order(owner: uuid.UUID, *, commit: bool = True) -> Order:
    order = Order(owner_id=owner, currency="USD", subtotal_minor=2999, fee_bps=1000, fee_minor=300,
                  total_minor=2999, provider="sandbox")
    if commit:
        _SESSION[0].add(order)
        _SESSION[0].commit()
    return order


_LINES: dict[uuid.UUID, OrderLine] = {}


def _order_line(owner: uuid.UUID) -> OrderLine:
    """One order line per owner (a license and a grant of the same test share it)."""
    if owner not in _LINES:
        listing = _listing(owner)
        tier = LicenseTier(listing_id=listing.id, kind="mp3_lease", price_minor=2999, currency="USD")
        _SESSION[0].add(tier)
        line = OrderLine(order_id=_order(owner).id, listing_id=listing.id, tier_id=tier.id, seller_id=owner,
                         tier_kind="mp3_lease", listing_title="b", price_minor=2999, currency="USD")
        _SESSION[0].add(line)
        _SESSION[0].commit()
        _LINES[owner] = line
    return _LINES[owner]


def _social_post(owner: uuid.UUID) -> SocialPost:
    post = SocialPost(owner_id=owner, scheduled_at=datetime.now(UTC))
    _SESSION[0].add(post)
    _SESSION[0].commit()
    return post


def _social_account(owner: uuid.UUID) -> SocialAccount:
    account = SocialAccount(owner_id=owner, network="sandbox", remote_id=uuid.uuid4().hex, handle="@a@sandbox")
    _SESSION[0].add(account)
    _SESSION[0].commit()
    return account


def _track(owner: uuid.UUID, *, commit: bool = False) -> Track:
    track = Track(owner_id=owner, title="t", original_name="t.wav", sha256=uuid.uuid4().hex, size_bytes=1,
                  original_key=f"{owner}/{uuid.uuid4()}/original")
    if commit:
        _SESSION[0].add(track)
        _SESSION[0].commit()
    return track


def _release_track(owner: uuid.UUID) -> ReleaseTrack:
    track = ReleaseTrack(release_id=_release(owner).id, position=1, title="t")
    _SESSION[0].add(track)
    _SESSION[0].commit()
    return track


def _release(owner: uuid.UUID) -> Release:
    release = Release(owner_id=owner, title="r")
    _SESSION[0].add(release)
    _SESSION[0].commit()
    return release


def _owned_tables() -> dict[str, type]:
    models = {m.class_.__tablename__: m.class_ for m in SQLModel._sa_registry.mappers}  # type: ignore[attr-defined]
    return {t.name: models[t.name] for t in SQLModel.metadata.sorted_tables if "owner_id" in t.columns}


def test_every_owned_table_has_a_factory() -> None:
    assert set(_owned_tables()) == set(FACTORIES), "add a factory for each table with owner_id"


@pytest.mark.parametrize("table", sorted(FACTORIES))
def test_other_users_row_looks_missing(session: Session, acct_env: object, table: str) -> None:
    model = _owned_tables()[table]
    _SESSION[:] = [session]
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    row = FACTORIES[table](alice.id)
    session.add(row)
    session.commit()
    assert get_owned(session=session, model=model, obj_id=row.id, actor=actor_for(alice)).id == row.id
    with pytest.raises(NotFound) as theirs:
        get_owned(session=session, model=model, obj_id=row.id, actor=actor_for(mallory))
    with pytest.raises(NotFound) as missing:
        get_owned(session=session, model=model, obj_id=uuid.uuid4(), actor=actor_for(mallory))
    assert theirs.value.message == missing.value.message  # nothing tells the two apart
    denied = session.execute(select(AuditLog).where(AuditLog.action == "authz.denied")).scalars().all()
    assert len(denied) == 1 and denied[0].actor_id == mallory.id and denied[0].target == f"{table}:{row.id}"
    with pytest.raises(LoginRequired):
        get_owned(session=session, model=model, obj_id=row.id, actor=Actor.anonymous())


def test_require_admin_refuses_users_and_audits(session: Session, acct_env: object) -> None:
    user = make_user(session)
    admin = make_user(session, "boss@example.com", role="admin")
    require_admin(session=session, actor=actor_for(admin), action="test")
    with pytest.raises(PermissionDenied):
        require_admin(session=session, actor=actor_for(user), action="test")
    with pytest.raises(PermissionDenied):
        require_admin(session=session, actor=Actor.anonymous(), action="test")
    denied = select(AuditLog).where(AuditLog.action == "authz.denied").order_by(AuditLog.seq)  # chain order
    rows = session.execute(denied).scalars().all()
    assert [r.actor_id for r in rows] == [user.id, None]
