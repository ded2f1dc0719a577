"""Connected accounts: connect (sandbox at once; Mastodon through OAuth with state and PKCE), tokens
encrypted at rest and refreshed before they expire, "reconnect" when the network revokes the grant,
disconnect (tokens deleted, revoked at the instance), key rotation.

`begin_mastodon_connect` returns the instance's authorization URL and a sealed transaction (state,
PKCE verifier, instance, owner; 10 minutes) that the caller keeps in an HttpOnly cookie until the
callback hands it to `complete_mastodon_connect`.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from maxbooster.models.base import utcnow
from maxbooster.models.social import (
    AccountState,
    SocialAccount,
    SocialApp,
    SocialNetwork,
    SocialPostVariant,
    VariantState,
)
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import ErrorCode, InvalidInput, NetworkUnavailable, PermissionDenied, RateLimited
from maxbooster.services.social import crypto
from maxbooster.services.social.netguard import check_public, normalise_instance_url
from maxbooster.services.social.providers import mastodon, provider_for
from maxbooster.services.social.providers.base import (
    AccountAccess,
    GrantRevoked,
    Profile,
    ProviderError,
    Rejected,
)
from maxbooster.services.social.providers.base import RateLimited as ProviderRateLimited
from maxbooster.services.social.providers.sandbox import sandbox_followers
from maxbooster.settings import get_settings

CONNECT_TTL_S = 600
REFRESH_MARGIN = timedelta(minutes=5)
RECONNECT = "Connect this account again: the network no longer accepts our access."


def domain_error(exc: ProviderError, network: str = "The network") -> Exception:
    """A provider failure as the domain error a user-facing call raises."""
    if isinstance(exc, ProviderRateLimited):
        wait = max(1, int((exc.retry_at - utcnow()).total_seconds()))
        return RateLimited(f"{network} asks us to wait {wait} s before the next request.", retry_after_s=wait)
    if isinstance(exc, GrantRevoked):
        return PermissionDenied(str(exc), code=ErrorCode.SOCIAL_RECONNECT)
    if isinstance(exc, Rejected):
        return InvalidInput(f"{network} refused: {exc.reason}")
    return NetworkUnavailable(str(exc))


def list_accounts(*, session: Session, actor: Actor) -> list[SocialAccount]:
    query = select(SocialAccount).where(col(SocialAccount.owner_id) == actor.require_user())
    return list(session.exec(query.order_by(col(SocialAccount.created_at))).all())


def connect_sandbox(*, session: Session, actor: Actor, handle: str = "") -> SocialAccount:
    """A sandbox account (no OAuth): posts stay in our database, engagement is simulated."""
    owner = actor.require_user()
    name = (handle or "").strip().lstrip("@") or "sandbox"
    if len(name) > 60 or not all(c.isalnum() or c in "_-." for c in name):
        raise InvalidInput("A sandbox handle is 1 to 60 letters, digits, '_', '-' or '.'.")
    account = SocialAccount(owner_id=owner, network=SocialNetwork.SANDBOX, remote_id=uuid.uuid4().hex,
                            handle=f"@{name}@sandbox", display_name=name)
    account.followers_count = sandbox_followers(str(account.id))
    session.add(account)
    audit.record(session, actor, "social.account.connect", target=f"social_accounts:{account.id}",
                 details={"network": account.network})
    session.commit()
    return account


def begin_mastodon_connect(*, session: Session, actor: Actor, instance_url: str, redirect_uri: str) -> tuple[str, str]:
    """(the instance's authorization URL, the sealed transaction to keep until the callback)."""
    owner = actor.require_user()
    instance = normalise_instance_url(instance_url)
    check_public(instance)
    app = _app(session, instance, redirect_uri)
    state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    try:
        url = mastodon.authorization_url(instance, _credentials(app), redirect_uri=redirect_uri, state=state,
                                         code_verifier=verifier)
    except ProviderError as exc:
        raise domain_error(exc, "Mastodon") from exc
    sealed = crypto.seal("social-connect", {"uid": str(owner), "instance": instance, "state": state,
                                            "cv": verifier, "redirect": redirect_uri})
    return url, sealed


def complete_mastodon_connect(*, session: Session, actor: Actor, transaction: str | None,
                              params: Mapping[str, str]) -> SocialAccount:
    """Check the callback (owner, state), trade the code for tokens, read the account and the instance's
    limits, and store the account with its tokens encrypted (connecting again updates the same row)."""
    owner = actor.require_user()
    data = crypto.unseal("social-connect", transaction, ttl_s=CONNECT_TTL_S)
    if data is None or data.get("uid") != str(owner):
        raise InvalidInput("The connection attempt expired or was already used; start again.")
    if not hmac.compare_digest(str(params.get("state", "")), str(data["state"])):
        raise InvalidInput("The connection attempt does not match (state mismatch); start again.")
    if params.get("error"):
        raise PermissionDenied("Mastodon did not approve the connection.")
    code = str(params.get("code") or "")
    if not code:
        raise InvalidInput("Mastodon's answer carried no authorization code; start again.")
    instance, redirect = str(data["instance"]), str(data["redirect"])
    app = _app(session, instance, redirect)
    try:
        tokens = mastodon.exchange_code(instance, _credentials(app), redirect_uri=redirect, code=code,
                                        code_verifier=str(data["cv"]))
        profile = mastodon.MastodonProvider().profile(AccountAccess("", instance, tokens.access_token))
        limits = mastodon.instance_limits(instance)
    except ProviderError as exc:
        raise domain_error(exc, "Mastodon") from exc
    account = _upsert(session, owner, instance, app, profile)
    account.access_token_enc = crypto.encrypt(tokens.access_token)
    account.refresh_token_enc = crypto.encrypt(tokens.refresh_token) if tokens.refresh_token else None
    account.token_expires_at, account.scopes, account.limits = tokens.expires_at, tokens.scope[:200], limits
    account.state, account.state_message, account.updated_at = AccountState.CONNECTED, "", utcnow()
    session.add(account)
    audit.record(session, actor, "social.account.connect", target=f"social_accounts:{account.id}",
                 details={"network": account.network, "instance": instance})
    session.commit()
    return account


def _upsert(session: Session, owner: uuid.UUID, instance: str, app: SocialApp, profile: Profile) -> SocialAccount:
    query = select(SocialAccount).where(
        col(SocialAccount.owner_id) == owner, col(SocialAccount.network) == SocialNetwork.MASTODON,
        col(SocialAccount.instance_url) == instance, col(SocialAccount.remote_id) == profile.remote_id)
    account = session.exec(query).first() or SocialAccount(
        owner_id=owner, network=SocialNetwork.MASTODON, instance_url=instance, remote_id=profile.remote_id,
        handle=profile.handle)
    account.app_id, account.handle, account.display_name = app.id, profile.handle, profile.display_name
    account.followers_count = profile.followers_count
    return account


def _app(session: Session, instance: str, redirect_uri: str) -> SocialApp:
    """Our registration at the instance for this redirect URI, made on first use."""
    def find() -> SocialApp | None:
        return session.exec(select(SocialApp).where(
            col(SocialApp.network) == SocialNetwork.MASTODON, col(SocialApp.instance_url) == instance,
            col(SocialApp.redirect_uri) == redirect_uri)).first()

    app = find()
    if app is not None:
        return app
    try:
        creds = mastodon.register_app(instance, redirect_uri=redirect_uri, website=get_settings().app_url)
    except ProviderError as exc:
        raise domain_error(exc, "Mastodon") from exc
    app = SocialApp(network=SocialNetwork.MASTODON, instance_url=instance, redirect_uri=redirect_uri,
                    client_id=creds.client_id, client_secret_enc=crypto.encrypt(creds.client_secret))
    try:
        session.add(app)
        session.commit()
    except IntegrityError:  # registered by a concurrent request: use that one
        session.rollback()
        app = find()
        if app is None:
            raise
    return app


def _credentials(app: SocialApp) -> mastodon.AppCredentials:
    return mastodon.AppCredentials(app.client_id, crypto.decrypt(app.client_secret_enc))


def access_for(*, session: Session, account: SocialAccount) -> AccountAccess:
    """The account's decrypted access, refreshed first when it expires within five minutes.
    Raises GrantRevoked (after marking the account "reconnect") when it cannot be used."""
    if account.state != AccountState.CONNECTED:
        raise GrantRevoked(account.state_message or RECONNECT)
    if account.network == SocialNetwork.SANDBOX:
        return AccountAccess(str(account.id), remote_id=account.remote_id)
    if not account.access_token_enc:
        mark_reconnect(session=session, account=account, reason=RECONNECT)
        raise GrantRevoked(RECONNECT)
    expires = account.token_expires_at
    if expires is not None and expires - utcnow() < REFRESH_MARGIN:
        _refresh(session, account)
    return AccountAccess(str(account.id), account.instance_url, crypto.decrypt(account.access_token_enc or ""),
                         account.remote_id)


def _refresh(session: Session, account: SocialAccount) -> None:
    """Trade the refresh token for new tokens, one refresher at a time (the row is locked)."""
    locked = session.exec(select(SocialAccount).where(col(SocialAccount.id) == account.id)
                          .with_for_update().execution_options(populate_existing=True)).first()
    if locked is None:
        raise GrantRevoked("The account was disconnected.")
    if locked.token_expires_at is not None and locked.token_expires_at - utcnow() >= REFRESH_MARGIN:
        session.commit()  # someone else refreshed while we waited for the lock
        return
    app = session.get(SocialApp, locked.app_id) if locked.app_id else None
    if not locked.refresh_token_enc or app is None:
        mark_reconnect(session=session, account=locked, reason="The access expired; connect the account again.")
        raise GrantRevoked("The access expired; connect the account again.")
    try:
        tokens = mastodon.refresh_tokens(locked.instance_url, _credentials(app), redirect_uri=app.redirect_uri,
                                         refresh_token=crypto.decrypt(locked.refresh_token_enc))
    except GrantRevoked as exc:
        mark_reconnect(session=session, account=locked, reason=str(exc))
        raise
    except ProviderError:
        session.rollback()
        raise
    locked.access_token_enc = crypto.encrypt(tokens.access_token)
    if tokens.refresh_token:
        locked.refresh_token_enc = crypto.encrypt(tokens.refresh_token)
    locked.token_expires_at, locked.updated_at = tokens.expires_at, utcnow()
    session.add(locked)
    session.commit()


def mark_reconnect(*, session: Session, account: SocialAccount, reason: str) -> None:
    """The network refused our grant: the account shows "reconnect" and its dead tokens are dropped."""
    account.state, account.state_message = AccountState.RECONNECT, reason[:500]
    account.access_token_enc = account.refresh_token_enc = None
    account.token_expires_at, account.updated_at = None, utcnow()
    session.add(account)
    session.commit()


def refresh_account(*, session: Session, actor: Actor, account_id: uuid.UUID) -> SocialAccount:
    """Read the account from its network again (handle, name, follower count)."""
    account = get_owned(session=session, model=SocialAccount, obj_id=account_id, actor=actor)
    try:
        profile = provider_for(account.network, session=session).profile(access_for(session=session, account=account))
    except GrantRevoked as exc:
        if account.state == AccountState.CONNECTED:
            mark_reconnect(session=session, account=account, reason=str(exc))
        raise domain_error(exc) from exc
    except ProviderError as exc:
        raise domain_error(exc) from exc
    account.handle, account.display_name = profile.handle or account.handle, profile.display_name
    account.followers_count, account.updated_at = profile.followers_count, utcnow()
    session.add(account)
    session.commit()
    return account


def disconnect(*, session: Session, actor: Actor, account_id: uuid.UUID) -> None:
    """Forget the account: its tokens are revoked at the instance (best effort) and deleted with the row;
    its posts that have not gone out yet fail with that reason; published ones keep their record."""
    account = get_owned(session=session, model=SocialAccount, obj_id=account_id, actor=actor)
    app = session.get(SocialApp, account.app_id) if account.app_id else None
    if app is not None and account.access_token_enc:
        # a token that cannot be read or a host that is refused: nothing to revoke from here
        with contextlib.suppress(crypto.TokenUnreadable, InvalidInput):
            mastodon.revoke(account.instance_url, _credentials(app), token=crypto.decrypt(account.access_token_enc))
    pending = session.exec(select(SocialPostVariant).where(
        col(SocialPostVariant.account_id) == account.id, col(SocialPostVariant.state) == VariantState.SCHEDULED)).all()
    for variant in pending:
        variant.state, variant.updated_at = VariantState.FAILED, utcnow()
        variant.failure_reason = "The account was disconnected before the post went out."
        session.add(variant)
    audit.record(session, actor, "social.account.disconnect", target=f"social_accounts:{account.id}",
                 details={"network": account.network, "handle": account.handle})
    session.delete(account)
    session.commit()


def rotate_tokens(*, session: Session) -> int:
    """Re-encrypt every stored token and client secret under the newest SOCIAL_TOKEN_KEYS key."""
    changed = 0
    for account in session.exec(select(SocialAccount)).all():
        for name in ("access_token_enc", "refresh_token_enc"):
            value = getattr(account, name)
            if value:
                setattr(account, name, crypto.reencrypt(value))
                changed += 1
        session.add(account)
    for app in session.exec(select(SocialApp)).all():
        app.client_secret_enc = crypto.reencrypt(app.client_secret_enc)
        session.add(app)
        changed += 1
    session.commit()
    return changed
