"""Google login: OpenID Connect authorization code flow with state, nonce and PKCE (S256).

`begin_login` builds the authorization URL and a `LoginTransaction` that the caller keeps in
an encrypted, HttpOnly cookie (10 minutes, cleared at the callback; the code it pairs with is
single-use at the provider). `complete_login` checks state, exchanges the code with Authlib's
OAuth2Client, verifies the ID token (see `google_tokens`) and maps (issuer, subject) to a user.
An existing local account with the same email is linked only when Google says the address is
verified and the owner then confirms with their password (`confirm_link`).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from maxbooster.models.accounts import ExternalIdentity, User
from maxbooster.services import audit
from maxbooster.services.accounts import google_tokens as tokens
from maxbooster.services.accounts import users
from maxbooster.services.accounts.common import normalise_email, utcnow
from maxbooster.services.accounts.google_tokens import FAILED
from maxbooster.services.accounts.passwords import verify_password
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from maxbooster.settings import Settings, get_settings

TRANSACTION_TTL = timedelta(minutes=10)
PENDING_LINK_TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class LoginTransaction:
    """What the callback must match; travels only sealed (JWE) in an HttpOnly cookie."""

    state: str
    nonce: str
    code_verifier: str
    created_at: datetime

    def seal(self, settings: Settings) -> str:
        """Encrypt and authenticate for the transaction cookie."""
        payload = {"state": self.state, "nonce": self.nonce, "cv": self.code_verifier,
                   "iat": int(self.created_at.timestamp())}
        return tokens.seal(settings, "login-transaction", payload)

    @classmethod
    def unseal(cls, settings: Settings, sealed: str | None) -> LoginTransaction | None:
        """The transaction from a cookie value, or None when missing or tampered with."""
        data = tokens.unseal(settings, "login-transaction", sealed)
        if data is None:
            return None
        try:
            return cls(state=str(data["state"]), nonce=str(data["nonce"]),
                       code_verifier=str(data["cv"]),
                       created_at=datetime.fromtimestamp(int(data["iat"]), tz=UTC))
        except (TypeError, KeyError, ValueError):  # sealed by another version of this code
            return None


@dataclass(frozen=True)
class GoogleLoginResult:
    """`signed_in` carries the user; `link_required` carries a pending-link token instead."""

    kind: Literal["signed_in", "link_required"]
    user: User | None = None
    pending_token: str | None = None
    email: str = ""
    created: bool = False


def google_enabled(settings: Settings) -> bool:
    """True when a Google client is configured (the UI shows "Continue with Google")."""
    return bool(settings.google_client_id.strip() and settings.google_client_secret.strip())


def begin_login(
    *, settings: Settings, redirect_uri: str, http_client: httpx.Client | None = None
) -> tuple[str, LoginTransaction]:
    """The provider's authorization URL and the transaction to keep until the callback."""
    _require_enabled(settings)
    metadata = tokens.provider_metadata(settings.google_issuer, http_client)
    transaction = LoginTransaction(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),  # 86 chars, inside RFC 7636's 43..128
        created_at=utcnow(),
    )
    with tokens.oauth_client(settings, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], state=transaction.state,
            code_verifier=transaction.code_verifier, nonce=transaction.nonce,
        )
    return url, transaction


def complete_login(
    *,
    session: Session,
    settings: Settings,
    transaction: LoginTransaction | None,
    params: Mapping[str, str],
    redirect_uri: str,
    http_client: httpx.Client | None = None,
    actor: Actor | None = None,
) -> GoogleLoginResult:
    """Check the callback, exchange the code, verify the ID token and find/create the user.

    Every refusal is a domain error, stores no user or identity, and is audited on its own
    connection as `login.failure` (method google) with the reason only.
    """
    actor = actor or Actor.anonymous()
    try:
        _require_enabled(settings)
        transaction, code = _check_callback(transaction, params)
        metadata = tokens.provider_metadata(settings.google_issuer, http_client)
        token = tokens.exchange_code(settings=settings, metadata=metadata, code=code,
                                     code_verifier=transaction.code_verifier,
                                     redirect_uri=redirect_uri)
        claims = tokens.verify_id_token(settings=settings, metadata=metadata, token=token,
                                        nonce=transaction.nonce, http_client=http_client)
        return _resolve_account(session=session, settings=settings, claims=claims, actor=actor)
    except DomainError as exc:
        session.rollback()
        audit.record_detached(session=session, actor=actor, action="login.failure",
                              details={"method": "google", "reason": exc.message})
        raise


def pending_link_email(*, settings: Settings, pending_token: str) -> str | None:
    """The address a pending link is for (to prefill the confirm form), None when expired."""
    data = _open_pending(settings, pending_token)
    return str(data["email"]) if data else None


def confirm_link(
    *, session: Session, pending_token: str, email: str, password: str,
    settings: Settings | None = None, actor: Actor | None = None,
) -> User:
    """Link the Google identity in `pending_token` once its owner logs in with their password.

    The password check is the accounts login check (`users.authenticate`: IP limit, account
    lockout, audited failures), so a pending token is no way around the lockout.
    """
    settings, actor = settings or get_settings(), actor or Actor.anonymous()
    data = _open_pending(settings, pending_token)
    if data is None:
        raise InvalidInput(f"{FAILED}: the link request expired; sign in with Google again.")
    vouched = False
    try:
        user = users.authenticate(session=session, actor=actor, email=email, password=password)
    except users.EmailNotVerified:
        # Right password, and Google has just vouched for the address: that verifies it.
        found = users.find_by_email(session=session, email=(email or "").strip().lower())
        # authenticate checks the password first today; re-check so that never becomes load-bearing
        if found is None or not verify_password(found.password_hash, password):
            raise
        user, vouched = found, True
    if str(user.id) != data["uid"]:
        raise PermissionDenied(f"{FAILED}: log in with the account for {data['email']} to link it.")
    user.email_verified = user.email_verified or vouched
    existing = _identity(session, data["iss"], data["sub"])
    if existing is not None and existing.user_id != user.id:
        raise Conflict("This Google account is already linked to another Max Booster account.")
    if existing is None:
        session.add(ExternalIdentity(user_id=user.id, issuer=data["iss"], subject=data["sub"],
                                     email=data["email"]))
        _commit(session, flush_only=True)
        _audit(session, "identity.link", user, actor, {"issuer": data["iss"]})
    _audit(session, "login.success", user, actor, {"method": "google_link"})
    _commit(session)
    return user


def _open_pending(settings: Settings, pending_token: str) -> dict[str, Any] | None:
    data = tokens.unseal(settings, "pending-link", pending_token)
    if data is None or int(data.get("exp", 0)) < int(utcnow().timestamp()):
        return None
    return data


def _require_enabled(settings: Settings) -> None:
    if not google_enabled(settings):
        raise InvalidInput("Google sign-in is not configured on this server.")


def _check_callback(
    transaction: LoginTransaction | None, params: Mapping[str, str]
) -> tuple[LoginTransaction, str]:
    """The live transaction and the authorization code, once state and age are right."""
    if transaction is None or utcnow() - transaction.created_at > TRANSACTION_TTL:
        raise InvalidInput(f"{FAILED}: the sign-in attempt expired or was already used; "
                           "please try again.")
    if not hmac.compare_digest(str(params.get("state", "")), transaction.state):
        raise InvalidInput(f"{FAILED}: state mismatch")
    if params.get("error"):
        raise PermissionDenied(f"{FAILED}: Google did not approve the sign-in "
                               f"({tokens.safe_code(params['error'])}).")
    code = params.get("code")
    if not code:
        raise InvalidInput(f"{FAILED}: the callback carried no authorization code")
    return transaction, str(code)


def _resolve_account(
    *, session: Session, settings: Settings, claims: Mapping[str, Any], actor: Actor
) -> GoogleLoginResult:
    """Identity by (issuer, subject) first; email only ever leads to a confirmed link."""
    issuer, subject = settings.google_issuer, str(claims["sub"])
    email = _claimed_email(claims)
    identity = _identity(session, issuer, subject)
    if identity is not None:
        user = session.get(User, identity.user_id)
        if user is None or not user.is_active:
            raise PermissionDenied(f"{FAILED}: this account is disabled.")
        if email and identity.email != email:
            identity.email = email  # Google addresses change; the subject does not
        _audit(session, "login.success", user, actor, {"method": "google"})
        _commit(session)
        return GoogleLoginResult(kind="signed_in", user=user, email=email)
    if not email:
        raise PermissionDenied(f"{FAILED}: Google did not share an email address.")
    verified = claims.get("email_verified") in (True, "true")
    local = session.exec(select(User).where(col(User.email) == email)).first()
    if local is not None:
        if not verified:
            raise PermissionDenied(
                f"{FAILED}: an account for {email} already exists and Google has not verified "
                "that this address is yours, so it cannot be linked. Log in with your password."
            )
        pending = tokens.seal(settings, "pending-link", {
            "uid": str(local.id), "iss": issuer, "sub": subject, "email": email,
            "exp": int((utcnow() + PENDING_LINK_TTL).timestamp()),
        })
        return GoogleLoginResult(kind="link_required", pending_token=pending, email=email)
    if not verified:
        # Creating an account for an unproven address would let someone squat it.
        raise PermissionDenied(f"{FAILED}: Google has not verified the address {email}.")
    user = User(email=email, display_name=tokens.display_name(claims, email), email_verified=True)
    session.add(user)
    _commit(session, flush_only=True)  # no relationship() orders the inserts, so flush first
    session.add(ExternalIdentity(user_id=user.id, issuer=issuer, subject=subject, email=email))
    _commit(session, flush_only=True)
    _audit(session, "signup", user, actor, {"method": "google"})
    _audit(session, "login.success", user, actor, {"method": "google"})
    _commit(session)
    return GoogleLoginResult(kind="signed_in", user=user, email=email, created=True)


def _claimed_email(claims: Mapping[str, Any]) -> str:
    raw = str(claims.get("email") or "")
    if not raw:
        return ""
    try:
        return normalise_email(raw)
    except InvalidInput as exc:
        raise PermissionDenied(f"{FAILED}: Google sent an unusable email address.") from exc


def _audit(session: Session, action: str, user: User, actor: Actor, details: dict[str, Any]) -> None:
    audit.record(session, actor.as_user(user.id, user.role), action, target=f"user:{user.id}", details=details)


def _identity(session: Session, issuer: str, subject: str) -> ExternalIdentity | None:
    query = select(ExternalIdentity).where(
        col(ExternalIdentity.issuer) == issuer, col(ExternalIdentity.subject) == subject
    )
    return session.exec(query).first()


def _commit(session: Session, *, flush_only: bool = False) -> None:
    """Commit; a concurrent login that created the same rows first becomes a clear Conflict."""
    try:
        if flush_only:
            session.flush()
        else:
            session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"{FAILED}: this account changed at the same moment; "
                       "please try again.") from exc
