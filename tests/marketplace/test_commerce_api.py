"""The commerce REST routes a buyer, a seller and an admin use in sandbox mode, with what each answers
on bad input (the message says what to do; nothing changes)."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.billing import WebhookEvent
from maxbooster.models.marketplace import Order, OrderLine, Report, Review
from maxbooster.services.billing.webhooks import apply_stored_event
from tests.marketplace.commerce import count, published, tier
from tests.royalties.support import make_release
from tests.support.accounts import make_user
from tests.support.library import api_client, bearer

__all__ = ["api_client"]


def test_buy_review_report_moderate_and_caps_over_rest(session: Session, payable_seller: User,
                                                       api_client: TestClient, jobs_held: object) -> None:
    c = api_client
    beat = published(session, payable_seller)
    buyer = make_user(session, "buyer@example.com")
    make_user(session, "admin@example.com", role="admin")
    auth, admin = bearer(c, "buyer@example.com"), bearer(c, "admin@example.com")
    seller_auth = bearer(c, "producer@example.com")

    assert c.get(routes.V1_MARKETPLACE_CART, headers=auth).json() == {"items": [], "currency": None,
                                                                       "total_minor": None}
    empty = c.post(routes.V1_MARKETPLACE_CHECKOUT, headers=auth)
    assert empty.status_code == 422 and "cart is empty" in empty.json()["error"]["message"]
    c.post(routes.V1_MARKETPLACE_CART, headers=auth,
           json={"listing_id": str(beat.id), "tier_id": str(tier(session, beat, "mp3_lease").id)})
    out = c.post(routes.V1_MARKETPLACE_CHECKOUT, headers=auth).json()
    assert out["pay_url"].endswith(routes.V1_MARKETPLACE_SANDBOX_PAY.format(order_id=out["id"]))
    paid = c.post(routes.V1_MARKETPLACE_SANDBOX_PAY.format(order_id=out["id"]), headers=auth)
    assert paid.status_code == 200 and paid.json()["status"] == "pending"  # paid once the event is applied
    for row in session.execute(select(WebhookEvent)).scalars().all():
        apply_stored_event(session=session, webhook_event_id=row.id)
    detail = c.get(routes.V1_MARKETPLACE_ORDER.format(order_id=out["id"]), headers=auth).json()
    assert detail["status"] == "paid" and detail["lines"][0]["downloads"] == {"license_pdf": 0, "mp3": 0}
    assert [o["id"] for o in c.get(routes.V1_MARKETPLACE_ORDERS, headers=auth).json()] == [out["id"]]
    assert c.get(routes.V1_MARKETPLACE_ORDER.format(order_id=out["id"]), headers=seller_auth).status_code == 404
    sales = c.get(routes.V1_MARKETPLACE_SALES, headers=seller_auth).json()
    assert [(s["listing_title"], s["price_minor"], s["fee_minor"]) for s in sales] == [("Night Drive", 2999, 300)]
    line_id = detail["lines"][0]["id"]
    pdf = c.get(routes.V1_MARKETPLACE_ORDER_LINE_LICENSE_PDF.format(line_id=line_id), headers=auth)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    unknown = c.get(routes.V1_MARKETPLACE_LICENSE_VERIFY.format(sha256="ab" * 32)).json()
    assert unknown["status"] == "unknown"
    assert c.get(routes.V1_MARKETPLACE_LICENSE_VERIFY.format(sha256="xyz")).status_code == 422

    reviews_url = routes.V1_MARKETPLACE_REVIEWS.format(listing_id=beat.id)
    bad = c.put(reviews_url, headers=auth, json={"rating": 9, "body": ""})
    assert bad.status_code == 422 and "1 to 5 stars" in bad.json()["error"]["message"]
    assert c.put(reviews_url, headers=seller_auth, json={"rating": 5}).status_code == 403
    review = c.put(reviews_url, headers=auth, json={"rating": 4, "body": "clean mix"}).json()
    assert [r["body"] for r in c.get(reviews_url).json()] == ["clean mix"]

    rep = c.post(routes.V1_MARKETPLACE_REPORTS, headers=seller_auth,
                 json={"reason": "spam", "review_id": review["id"], "details": "not a real buyer?"})
    assert rep.status_code == 201 and rep.json()["status"] == "open"
    assert c.get(routes.V1_MARKETPLACE_MODERATION, headers=auth).status_code == 403
    queue = c.get(routes.V1_MARKETPLACE_MODERATION, headers=admin).json()
    assert [q["id"] for q in queue] == [rep.json()["id"]]
    bad_action = c.post(routes.V1_MARKETPLACE_MODERATION_ACTION, headers=admin, json={"action": "delete"})
    assert bad_action.status_code == 422 and "Choose an action" in bad_action.json()["error"]["message"]
    done = c.post(routes.V1_MARKETPLACE_MODERATION_ACTION, headers=admin,
                  json={"action": "hide_review", "review_id": review["id"], "report_id": rep.json()["id"]})
    assert done.status_code == 204 and c.get(reviews_url).json() == []
    session.expire_all()
    assert session.get(Review, uuid.UUID(review["id"])).hidden_at is not None  # type: ignore[union-attr]
    assert session.get(Report, uuid.UUID(rep.json()["id"])).status == "resolved"  # type: ignore[union-attr]

    _, tracks = make_release(session, buyer)
    link = c.put(routes.V1_MARKETPLACE_ORDER_LINE_RELEASE_TRACK.format(line_id=line_id), headers=auth,
                 json={"release_track_id": str(tracks[0].id)})
    assert link.status_code == 200
    assert c.get(routes.V1_MARKETPLACE_CAP_WARNINGS, headers=auth).json() == []  # no cap on this tier
    refund = c.post(routes.V1_MARKETPLACE_ORDER_LINE_REFUND.format(line_id=line_id), headers=auth, json={})
    assert refund.status_code == 404  # the buyer cannot refund themselves
    assert count(session, Order) == 1 and count(session, OrderLine) == 1
    cancel = c.delete(routes.V1_MARKETPLACE_ORDER.format(order_id=out["id"]), headers=auth)
    assert cancel.status_code == 409 and "paid" in cancel.json()["error"]["message"]
