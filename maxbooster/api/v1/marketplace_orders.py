"""/api/v1/marketplace (commerce): cart, checkout, orders with licenses and downloads, the sandbox's pay
action, seller refunds and sales, public license verification, reviews, reports, the admin moderation
queue and lease cap warnings. Payment events arrive through billing's webhook endpoint."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from maxbooster import routes
from maxbooster.api.deps import AdminActor, CallerActor, DbSession, ViewerActor
from maxbooster.models.marketplace import Order, Review
from maxbooster.services import media
from maxbooster.services.marketplace import (
    caps,
    cart,
    checkout,
    downloads,
    licenses,
    moderation,
    orders,
    refunds,
    reviews,
)
from maxbooster.services.money import Money
from maxbooster.services.storage import content_disposition, get_storage

router = APIRouter(tags=["marketplace"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"}, 403: {"description": "Not allowed"}, 404: {"description": "Not found"},
    409: {"description": "Not possible now (the message says why; nothing was charged)"},
    410: {"description": "Download cancelled by a refund, or the link expired"},
    422: {"description": "Invalid input (the message says what to change)"},
    429: {"description": "Asked too often; wait (Retry-After) and try again"},
    503: {"description": "The payment provider or the mail server did not answer"},
}


class CartIn(BaseModel):
    listing_id: uuid.UUID
    tier_id: uuid.UUID


class CartItemOut(BaseModel):
    listing_id: uuid.UUID
    tier_id: uuid.UUID
    listing_title: str
    tier_kind: str
    price_minor: int
    currency: str
    available: bool


class CartOut(BaseModel):
    items: list[CartItemOut]
    currency: str | None
    total_minor: int | None


class LineOut(BaseModel):
    id: uuid.UUID
    listing_id: uuid.UUID
    listing_title: str
    tier_kind: str
    price_minor: int
    fee_minor: int
    refunded_minor: int
    status: str
    license_sha256: str | None = None
    license_void_reason: str | None = None
    downloads: dict[str, int] = Field(default_factory=dict, description="deliverable → times downloaded")


class OrderOut(BaseModel):
    id: uuid.UUID
    status: str
    currency: str
    total_minor: int
    fee_minor: int
    refunded_minor: int
    total: str
    provider: str
    payment_id: str | None
    pay_url: str = Field(description="Sandbox (test mode): POST here to pay; with Stripe the page confirms "
                                     "the payment with client_secret")
    client_secret: str = ""
    paid_at: datetime | None
    created_at: datetime
    lines: list[LineOut] = Field(default_factory=list)


class LinkOut(BaseModel):
    deliverable: str
    url: str
    link_expires_at: datetime
    download_count: int


class VerifyOut(BaseModel):
    status: str = Field(description="valid | void | unknown")
    reason: str
    sha256: str
    track: str
    tier_kind: str
    producer: str
    buyer: str
    issued_at: datetime | None


class RefundIn(BaseModel):
    amount: str | None = Field(default=None, description="Text like 10.00; empty refunds what is left")
    reason: str = ""


class RefundOut(BaseModel):
    id: uuid.UUID
    amount_minor: int
    currency: str
    status: str


class ReviewIn(BaseModel):
    rating: int
    body: str = ""


class ReviewOut(BaseModel):
    id: uuid.UUID
    rating: int
    body: str
    updated_at: datetime


class ReportIn(BaseModel):
    reason: str
    details: str = ""
    listing_id: uuid.UUID | None = None
    review_id: uuid.UUID | None = None
    seller_id: uuid.UUID | None = None


class ReportOut(BaseModel):
    id: uuid.UUID
    reason: str
    details: str
    status: str
    listing_id: uuid.UUID | None
    review_id: uuid.UUID | None
    seller_id: uuid.UUID | None
    created_at: datetime


class ActionIn(BaseModel):
    action: str
    reason: str = ""
    listing_id: uuid.UUID | None = None
    review_id: uuid.UUID | None = None
    seller_id: uuid.UUID | None = None
    report_id: uuid.UUID | None = None


class LinkTrackIn(BaseModel):
    release_track_id: uuid.UUID | None


class CapWarningOut(BaseModel):
    order_line_id: uuid.UUID
    streams: int
    cap: int
    message: str
    upgrade_tier_ids: list[uuid.UUID]


def _cart(view: cart.CartView) -> CartOut:
    return CartOut(items=[CartItemOut(listing_id=i.line.listing_id, tier_id=i.line.tier_id,
                                      listing_title=i.listing_title, tier_kind=i.tier_kind,
                                      price_minor=i.line.price_minor, currency=i.line.currency,
                                      available=i.available) for i in view.items],
                   currency=view.currency, total_minor=view.total.amount_minor if view.total else None)


def _order(order: Order, lines: list[orders.LineView] | None = None, client_secret: str = "") -> OrderOut:
    return OrderOut(
        id=order.id, status=order.status, currency=order.currency, total_minor=order.total_minor,
        fee_minor=order.fee_minor, refunded_minor=order.refunded_minor,
        total=Money(order.total_minor, order.currency).format(), provider=order.provider,
        payment_id=order.provider_payment_id, pay_url=order.checkout_url, client_secret=client_secret,
        paid_at=order.paid_at, created_at=order.created_at,
        lines=[LineOut(id=v.line.id, listing_id=v.line.listing_id, listing_title=v.line.listing_title,
                       tier_kind=v.line.tier_kind, price_minor=v.line.price_minor, fee_minor=v.line.fee_minor,
                       refunded_minor=v.line.refunded_minor, status=v.line.status,
                       license_sha256=v.license.sha256 if v.license else None,
                       license_void_reason=v.license.void_reason if v.license and v.license.voided_at else None,
                       downloads={g.deliverable: g.download_count for g in v.grants}) for v in lines or []])


def _review(row: Review) -> ReviewOut:
    return ReviewOut(id=row.id, rating=row.rating, body=row.body, updated_at=row.updated_at)


@router.get(routes.V1_MARKETPLACE_CART, response_model=CartOut, responses=ERRORS)
def get_cart(actor: CallerActor, db: DbSession) -> CartOut:
    """Your cart (one currency); `available` is false for an item that left the store or changed price."""
    return _cart(cart.get_cart(session=db, actor=actor))


@router.post(routes.V1_MARKETPLACE_CART, response_model=CartOut, responses=ERRORS)
def add_to_cart(body: CartIn, actor: CallerActor, db: DbSession) -> CartOut:
    """Add a license tier of a listing (another tier of the same listing replaces it)."""
    return _cart(cart.add_to_cart(session=db, actor=actor, listing_id=body.listing_id, tier_id=body.tier_id))


@router.delete(routes.V1_MARKETPLACE_CART_LINE, response_model=CartOut, responses=ERRORS)
def remove_from_cart(listing_id: uuid.UUID, actor: CallerActor, db: DbSession) -> CartOut:
    return _cart(cart.remove_from_cart(session=db, actor=actor, listing_id=listing_id))


@router.post(routes.V1_MARKETPLACE_CHECKOUT, response_model=OrderOut, status_code=201, responses=ERRORS)
def start_checkout(actor: CallerActor, db: DbSession) -> OrderOut:
    """Turn the cart into an order and start its one payment. The order is paid when the provider
    confirms (webhook), not when this returns."""
    result = checkout.checkout(session=db, actor=actor)
    return _order(result.order, client_secret=result.payment.client_secret)


@router.get(routes.V1_MARKETPLACE_ORDERS, response_model=list[OrderOut], responses=ERRORS)
def list_orders(actor: CallerActor, db: DbSession) -> list[OrderOut]:
    return [_order(o) for o in orders.list_orders(session=db, actor=actor)]


@router.get(routes.V1_MARKETPLACE_ORDER, response_model=OrderOut, responses=ERRORS)
def get_order(order_id: uuid.UUID, actor: CallerActor, db: DbSession) -> OrderOut:
    """Your order with each line's license hash and download counts."""
    view = orders.get_order(session=db, actor=actor, order_id=order_id)
    return _order(view.order, view.lines)


@router.delete(routes.V1_MARKETPLACE_ORDER, response_model=OrderOut, responses=ERRORS)
def cancel_order(order_id: uuid.UUID, actor: CallerActor, db: DbSession) -> OrderOut:
    """Give up an unpaid checkout (exclusives are released; nothing is charged)."""
    return _order(checkout.cancel_checkout(session=db, actor=actor, order_id=order_id))


class ReceiptOut(BaseModel):
    sent_to: str


@router.post(routes.V1_MARKETPLACE_ORDER_RECEIPT, response_model=ReceiptOut, status_code=202, responses=ERRORS)
def resend_receipt(order_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ReceiptOut:
    """Email the receipt of your paid order again (a few times an hour at most)."""
    return ReceiptOut(sent_to=orders.resend_receipt(session=db, actor=actor, order_id=order_id))


@router.post(routes.V1_MARKETPLACE_SANDBOX_PAY, response_model=OrderOut, responses=ERRORS)
def sandbox_pay(order_id: uuid.UUID, actor: CallerActor, db: DbSession) -> OrderOut:
    """Pay an order in test mode: the sandbox sends `payment_intent.succeeded` through the webhook path."""
    checkout.pay_in_sandbox(session=db, actor=actor, order_id=order_id)
    view = orders.get_order(session=db, actor=actor, order_id=order_id)
    return _order(view.order, view.lines)


@router.post(routes.V1_MARKETPLACE_ORDER_LINE_LINK, response_model=list[LinkOut], responses=ERRORS)
def download_links(line_id: uuid.UUID, actor: CallerActor, db: DbSession) -> list[LinkOut]:
    """Fresh download links for each deliverable of a purchase (refused after a refund)."""
    return [LinkOut(deliverable=lk.deliverable, url=lk.url, link_expires_at=lk.link_expires_at,
                    download_count=lk.download_count)
            for lk in downloads.issue_links(session=db, actor=actor, order_line_id=line_id)]


@router.get(routes.V1_MARKETPLACE_DOWNLOAD, response_class=Response, responses=ERRORS)
def download(token: str, actor: ViewerActor, db: DbSession) -> Response:
    """The file behind a download link (counted)."""
    got = downloads.open_download(session=db, actor=actor, token=token)
    headers = {"Content-Disposition": content_disposition("attachment", got.filename), "Cache-Control": "no-store"}
    if got.data is not None:
        return Response(got.data, media_type=got.content_type, headers=headers)
    assert got.storage_key is not None
    size = get_storage().size(got.storage_key)
    headers["Content-Length"] = str(size)
    return StreamingResponse(media.iter_bytes(key=got.storage_key, start=0, length=size),
                             media_type=got.content_type, headers=headers)


@router.get(routes.V1_MARKETPLACE_ORDER_LINE_LICENSE_PDF, response_class=Response, responses=ERRORS)
def license_pdf(line_id: uuid.UUID, actor: CallerActor, db: DbSession) -> Response:
    """The license of a purchase as a PDF (for its buyer and its seller)."""
    data = licenses.pdf(session=db, actor=actor, order_line_id=line_id)
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": content_disposition("attachment", "license.pdf")})


@router.get(routes.V1_MARKETPLACE_LICENSE_VERIFY, response_model=VerifyOut, responses=ERRORS)
def verify_license(sha256: str, actor: ViewerActor, db: DbSession) -> VerifyOut:
    """Public: is the license with this hash valid, void (and why) or unknown here?"""
    v = licenses.verify(session=db, actor=actor, sha256=sha256)
    return VerifyOut(status=v.status, reason=v.reason, sha256=v.sha256, track=v.track, tier_kind=v.tier_kind,
                     producer=v.producer, buyer=v.buyer, issued_at=v.issued_at)


@router.post(routes.V1_MARKETPLACE_ORDER_LINE_REFUND, response_model=RefundOut, responses=ERRORS)
def refund(line_id: uuid.UUID, body: RefundIn, actor: CallerActor, db: DbSession) -> RefundOut:
    """Refund one sold line (its seller, or an admin): the license is void and the downloads stop."""
    row = refunds.refund_line(session=db, actor=actor, order_line_id=line_id, amount=body.amount, reason=body.reason)
    return RefundOut(id=row.id, amount_minor=row.amount_minor, currency=row.currency, status=row.status)


@router.get(routes.V1_MARKETPLACE_SALES, response_model=list[LineOut], responses=ERRORS)
def sales(actor: CallerActor, db: DbSession) -> list[LineOut]:
    """Your sold lines (paid or refunded)."""
    return [LineOut(id=s.line.id, listing_id=s.line.listing_id, listing_title=s.line.listing_title,
                    tier_kind=s.line.tier_kind, price_minor=s.line.price_minor, fee_minor=s.line.fee_minor,
                    refunded_minor=s.line.refunded_minor, status=s.line.status)
            for s in orders.list_sales(session=db, actor=actor)]


@router.put(routes.V1_MARKETPLACE_ORDER_LINE_RELEASE_TRACK, response_model=LineOut, responses=ERRORS)
def link_release_track(line_id: uuid.UUID, body: LinkTrackIn, actor: CallerActor, db: DbSession) -> LineOut:
    """Say which of your released songs uses this license (its streams are checked against the cap)."""
    line = caps.link_release_track(session=db, actor=actor, order_line_id=line_id,
                                   release_track_id=body.release_track_id)
    return LineOut(id=line.id, listing_id=line.listing_id, listing_title=line.listing_title, tier_kind=line.tier_kind,
                   price_minor=line.price_minor, fee_minor=line.fee_minor, refunded_minor=line.refunded_minor,
                   status=line.status)


@router.get(routes.V1_MARKETPLACE_CAP_WARNINGS, response_model=list[CapWarningOut], responses=ERRORS)
def cap_warnings(actor: CallerActor, db: DbSession) -> list[CapWarningOut]:
    """Your leases whose song passed its stream cap, with the tiers to upgrade to."""
    return [CapWarningOut(order_line_id=w.line.id, streams=w.streams, cap=w.cap, message=w.message,
                          upgrade_tier_ids=[t.id for t in w.upgrades])
            for w in caps.cap_warnings(session=db, actor=actor)]


@router.get(routes.V1_MARKETPLACE_REVIEWS, response_model=list[ReviewOut], responses=ERRORS)
def list_reviews(listing_id: uuid.UUID, actor: ViewerActor, db: DbSession) -> list[ReviewOut]:
    return [_review(r) for r in reviews.list_reviews(session=db, actor=actor, listing_id=listing_id)]


@router.put(routes.V1_MARKETPLACE_REVIEWS, response_model=ReviewOut, responses=ERRORS)
def write_review(listing_id: uuid.UUID, body: ReviewIn, actor: CallerActor, db: DbSession) -> ReviewOut:
    """Write or change your review (buyers of the listing only)."""
    return _review(reviews.write_review(session=db, actor=actor, listing_id=listing_id, rating=body.rating,
                                        body=body.body))


@router.post(routes.V1_MARKETPLACE_REPORTS, response_model=ReportOut, status_code=201, responses=ERRORS)
def report(body: ReportIn, actor: CallerActor, db: DbSession) -> ReportOut:
    """Report a listing, review or seller to the moderators."""
    row = moderation.report(session=db, actor=actor, reason=body.reason, details=body.details,
                            listing_id=body.listing_id, review_id=body.review_id, seller_id=body.seller_id)
    return ReportOut.model_validate(row, from_attributes=True)


@router.get(routes.V1_MARKETPLACE_MODERATION, response_model=list[ReportOut], responses=ERRORS)
def moderation_queue(actor: AdminActor, db: DbSession) -> list[ReportOut]:
    """Admins: open reports, oldest first."""
    return [ReportOut.model_validate(r, from_attributes=True) for r in moderation.queue(session=db, actor=actor)]


@router.post(routes.V1_MARKETPLACE_MODERATION_ACTION, status_code=204, response_class=Response, responses=ERRORS)
def moderate(body: ActionIn, actor: AdminActor, db: DbSession) -> Response:
    """Admins: hide/restore a listing, hide a review, ban/unban a seller, dismiss a report (audited)."""
    moderation.act(session=db, actor=actor, action=body.action, reason=body.reason, listing_id=body.listing_id,
                   review_id=body.review_id, seller_id=body.seller_id, report_id=body.report_id)
    return Response(status_code=204)
