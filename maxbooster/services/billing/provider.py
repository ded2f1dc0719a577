"""The one payments interface and the configured adapter behind it.

`PaymentsProvider` is what billing and the marketplace need from a payments service: customers,
Checkout sessions in subscription mode, billing-portal sessions, reading a subscription back, and for
sellers connected accounts (Connect Express), onboarding links, reading an account, its balance
and payouts. Two adapters:
`SandboxProvider` (the embedded default: ids derived from their inputs, state in our own tables,
events fed to the same webhook path) and `StripeProvider` (the official `stripe` SDK). Objects come
back in Stripe's shapes (plain dicts), so the webhook code reads one format.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from sqlmodel import Session

from maxbooster.models.billing import PaymentsProviderKey
from maxbooster.services.billing.catalog import Price
from maxbooster.services.errors import DomainError, ErrorCode
from maxbooster.services.money import Money
from maxbooster.settings import get_settings


class PaymentsUnavailable(DomainError):
    """The payments provider refused the call or did not answer (details are logged)."""

    code = ErrorCode.PAYMENTS_UNAVAILABLE
    http_status = 503


class WebhookRefused(DomainError):
    """A webhook whose signature, timestamp or body is not valid (nothing is stored)."""

    code = ErrorCode.WEBHOOK_REFUSED
    http_status = 400


@dataclass(frozen=True)
class Balance:
    """A connected account's balance per currency, in minor units (available now / still pending)."""

    available: dict[str, int]
    pending: dict[str, int]


@dataclass(frozen=True)
class HostedSession:
    """A provider-hosted page the browser is sent to (Checkout or the billing portal)."""

    id: str
    url: str


@dataclass(frozen=True)
class PaymentStart:
    """A payment the buyer completes: Stripe's PaymentIntent (the page confirms it with `client_secret`);
    the sandbox gives `url`, its own pay page."""

    id: str
    client_secret: str
    url: str


class PaymentsProvider(Protocol):
    key: PaymentsProviderKey

    def create_customer(self, *, owner_id: uuid.UUID, email: str, name: str, idempotency_key: str) -> str:
        """The new customer's provider id."""
        ...

    def create_checkout_session(self, *, customer_id: str, owner_id: uuid.UUID, price: Price, success_url: str,
                                cancel_url: str, idempotency_key: str) -> HostedSession:
        """A Checkout session in subscription mode for one price."""
        ...

    def create_portal_session(self, *, customer_id: str, return_url: str) -> HostedSession:
        """A billing-portal session where the customer manages or cancels their subscription."""
        ...

    def retrieve_subscription(self, subscription_id: str) -> dict[str, Any]:
        """The subscription object as the provider has it now (Stripe's shape)."""
        ...

    def create_connected_account(self, *, owner_id: uuid.UUID, email: str, country: str,
                                 idempotency_key: str) -> dict[str, Any]:
        """A new Express connected account for a seller (Stripe's account object)."""
        ...

    def create_account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> HostedSession:
        """A one-time onboarding link for the account (the seller fills in their details there)."""
        ...

    def retrieve_account(self, account_id: str) -> dict[str, Any]:
        """The connected account as the provider has it now (Stripe's shape)."""
        ...

    def retrieve_balance(self, account_id: str) -> Balance:
        """The connected account's balance."""
        ...

    def list_payouts(self, account_id: str, *, limit: int = 10) -> list[dict[str, Any]]:
        """The connected account's latest payouts to its bank, newest first (Stripe's payout objects)."""
        ...

    # --- marketplace sales: one charge on the platform, then separate transfers to each seller -------

    def create_payment(self, *, amount: Money, order_id: uuid.UUID, buyer_email: str, transfer_group: str,
                       idempotency_key: str) -> PaymentStart:
        """A payment of `amount` for an order (metadata order_id; its transfers share `transfer_group`)."""
        ...

    def cancel_payment(self, payment_id: str) -> None:
        """Cancel a payment that was never completed (an expired checkout); nothing is charged."""
        ...

    def create_transfer(self, *, amount: Money, destination: str, transfer_group: str, source_charge: str,
                        idempotency_key: str, metadata: dict[str, str]) -> str:
        """Move `amount` from the platform to a connected account; the transfer's id."""
        ...

    def reverse_transfer(self, *, transfer_id: str, amount_minor: int, idempotency_key: str) -> str:
        """Take back part of a transfer (a refund or dispute); the reversal's id."""
        ...

    def create_refund(self, *, payment_id: str, amount_minor: int, idempotency_key: str,
                      metadata: dict[str, str]) -> dict[str, Any]:
        """Give `amount_minor` of a payment back to the buyer (Stripe's refund object: id, status)."""
        ...


def get_provider(*, session: Session) -> PaymentsProvider:
    """The adapter named by PAYMENTS_PROVIDER (the sandbox reads our own tables through `session`)."""
    settings = get_settings()
    if settings.payments_provider == PaymentsProviderKey.STRIPE:
        from maxbooster.services.billing.stripe_provider import StripeProvider

        return StripeProvider.from_settings(settings)
    from maxbooster.services.billing.sandbox import SandboxProvider

    return SandboxProvider(session=session)
