"""Seller onboarding through the payments provider's connected accounts (Stripe Connect Express; the
sandbox has its own onboarding page), and the seller dashboard (onboarding state, balance, payouts).

The onboarding state (charges/payouts enabled, details submitted, what is still due) changes from the
provider's `account.updated` events, applied exactly once by billing's webhook job (`apply_account`),
or when the seller asks us to read the account again (`refresh`). Listings publish only while the
seller can be paid (`can_be_paid`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.marketplace import SellerAccount
from maxbooster.services import audit
from maxbooster.services.actor import Actor
from maxbooster.services.billing.provider import Balance, get_provider
from maxbooster.services.errors import DomainError, ErrorCode, InvalidInput, NotFound
from maxbooster.settings import get_settings

COUNTRIES = ("US", "GB", "CA", "AU", "DE", "FR", "NL", "IE", "ES", "IT", "SE", "DK", "FI", "NO", "BE", "AT", "PT",
             "CH", "NZ", "JP", "SG")


class SellerNotReady(DomainError):
    """The seller cannot be paid yet (onboarding not finished, or banned from selling)."""

    code = ErrorCode.SELLER_NOT_READY
    http_status = 409


@dataclass(frozen=True)
class SellerDashboard:
    account: SellerAccount | None
    can_publish: bool
    next_step: str  # what the seller should do now, in everyday words
    balance: Balance | None
    payouts: list[dict[str, Any]]
    test_mode: bool


def _provider_key() -> str:
    return get_settings().payments_provider


def find_account(*, session: Session, owner_id: uuid.UUID) -> SellerAccount | None:
    """The owner's seller account at the configured provider (None before onboarding starts)."""
    return session.execute(select(SellerAccount).where(
        col(SellerAccount.owner_id) == owner_id,
        col(SellerAccount.provider) == _provider_key())).scalar_one_or_none()


def can_be_paid(account: SellerAccount | None) -> bool:
    return account is not None and account.charges_enabled and account.banned_at is None


def require_payable(*, session: Session, owner_id: uuid.UUID) -> SellerAccount:
    """The owner's seller account when it can take sales; SellerNotReady saying what to do otherwise."""
    account = find_account(session=session, owner_id=owner_id)
    if account is not None and account.banned_at is not None:
        raise SellerNotReady("Your seller account is suspended by a moderator, so nothing can be published. "
                             "Contact support if you think this is a mistake.")
    if not can_be_paid(account):
        raise SellerNotReady("Finish your seller onboarding first (Marketplace → Get paid): the payment "
                             "provider must confirm it can pay you before a listing goes on sale.")
    assert account is not None
    return account


def _apply_object(account: SellerAccount, obj: dict[str, Any]) -> bool:
    """Copy the provider's account object onto our row; True when something changed."""
    requirements = obj.get("requirements") or {}
    new = {"charges_enabled": bool(obj.get("charges_enabled")), "payouts_enabled": bool(obj.get("payouts_enabled")),
           "details_submitted": bool(obj.get("details_submitted")),
           "requirements": [str(r) for r in (requirements.get("currently_due") or [])][:50],
           "disabled_reason": str(requirements.get("disabled_reason") or "")[:200],
           "country": str(obj.get("country") or account.country or "")[:2].upper(),
           "default_currency": str(obj.get("default_currency") or "")[:3].upper()}
    changed = any(getattr(account, k) != v for k, v in new.items())
    for key, value in new.items():
        setattr(account, key, value)
    if changed:
        account.updated_at = utcnow()
    return changed


def start_onboarding(*, session: Session, actor: Actor, country: str = "US") -> str:
    """The URL where the seller fills in their details at the provider (creating their connected account
    the first time). Call again to get a fresh link: links are single-use and expire."""
    owner_id = actor.require_user()
    country = (country or "").strip().upper()
    if country not in COUNTRIES:
        raise InvalidInput(f"Choose your country from the list ({', '.join(COUNTRIES)}); {country or 'none'!r} "
                           "is not one where seller payouts are offered.")
    user = session.get(User, owner_id)
    if user is None:
        raise NotFound()
    provider = get_provider(session=session)
    account = find_account(session=session, owner_id=owner_id)
    if account is None:
        obj = provider.create_connected_account(owner_id=owner_id, email=user.email, country=country,
                                                idempotency_key=f"seller-{owner_id}-{provider.key}")
        account = SellerAccount(owner_id=owner_id, provider=provider.key, provider_account_id=str(obj["id"]),
                                country=country)
        _apply_object(account, obj)
        session.add(account)
        audit.record(session, actor, "marketplace.seller_created", target=f"seller:{account.provider_account_id}")
        try:
            session.commit()
        except IntegrityError:  # the same seller started twice at once: the provider's idempotency gave one
            session.rollback()  # account, and the other request stored it
            account = find_account(session=session, owner_id=owner_id)
            if account is None:
                raise
    base = get_settings().app_url.rstrip("/")
    link = provider.create_account_link(account_id=account.provider_account_id,
                                        refresh_url=base + routes.SETTINGS, return_url=base + routes.SETTINGS)
    return link.url


def refresh(*, session: Session, actor: Actor) -> SellerAccount:
    """Read the seller's account from the provider now (after returning from onboarding)."""
    owner_id = actor.require_user()
    account = find_account(session=session, owner_id=owner_id)
    if account is None:
        raise NotFound("You have no seller account yet; start onboarding first.")
    obj = get_provider(session=session).retrieve_account(account.provider_account_id)
    if _apply_object(account, obj):
        session.add(account)
        audit.record(session, actor, "marketplace.seller_refreshed", target=f"seller:{account.provider_account_id}",
                     details={"charges_enabled": account.charges_enabled})
    session.commit()
    session.refresh(account)
    return account


def apply_account(*, session: Session, provider: str, obj: dict[str, Any], created: datetime) -> str:
    """An `account.updated` event (in billing's exactly-once transaction): newer than what we applied
    last → stored; an account we never created is ignored and changes nothing."""
    account_id = str(obj.get("id") or "")
    account = session.execute(select(SellerAccount).where(
        col(SellerAccount.provider) == provider,
        col(SellerAccount.provider_account_id) == account_id).with_for_update()).scalar_one_or_none()
    if account is None:
        return f"ignored: unknown seller account {account_id or '(none)'}"
    if account.last_event_created is not None and created < account.last_event_created:
        return f"ignored: older than the state of seller account {account_id}"
    _apply_object(account, obj)
    account.last_event_created = created
    session.add(account)
    audit.record(session, Actor.system("marketplace"), "marketplace.seller_updated", target=f"seller:{account_id}",
                 details={"charges_enabled": account.charges_enabled, "payouts_enabled": account.payouts_enabled})
    return f"seller account {account_id}: charges {'on' if account.charges_enabled else 'off'}"


def _next_step(account: SellerAccount | None) -> str:
    if account is None:
        return "Set up payouts to start selling: it takes a few minutes with your bank details."
    if account.banned_at is not None:
        return "Your seller account is suspended by a moderator."
    if not account.details_submitted:
        return "Continue onboarding: the payment provider still needs your details."
    if not account.charges_enabled:
        return "The payment provider is checking your details; refresh in a few minutes."
    if not account.payouts_enabled:
        return "You can sell; add or confirm your bank account to receive payouts."
    return "You're all set: publish listings and get paid."


def dashboard(*, session: Session, actor: Actor) -> SellerDashboard:
    """Onboarding state, balance and latest payouts of the acting seller (balance read from the provider)."""
    owner_id = actor.require_user()
    account = find_account(session=session, owner_id=owner_id)
    balance, payouts = None, []
    if account is not None and account.details_submitted:
        provider = get_provider(session=session)
        balance = provider.retrieve_balance(account.provider_account_id)
        payouts = provider.list_payouts(account.provider_account_id)
    return SellerDashboard(account=account, can_publish=can_be_paid(account), next_step=_next_step(account),
                           balance=balance, payouts=payouts, test_mode=_provider_key() == "sandbox")
