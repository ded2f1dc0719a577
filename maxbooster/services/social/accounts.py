"""Connected accounts: connect (sandbox at once; Mastodon, X, Facebook/Instagram and YouTube through
OAuth with state and PKCE), tokens encrypted at rest and refreshed before they expire (tokens.py),
"reconnect" when the network revokes the grant, disconnect (tokens revoked and deleted), key rotation.

`begin_connect` keeps the attempt server-side (a `SocialConnect` row: the state's hash, the PKCE
verifier encrypted, 10 minutes) and returns the network's authorization URL; the callback hands the
query to `complete_connect`, which uses the attempt once (its row is deleted, whatever the outcome)
and stores the accounts the grant gives. `begin/complete_mastodon_connect` are the older variant that
keeps the attempt sealed in a cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from maxbooster.models.base import utcnow
from maxbooster.models.social import (
    AccountState,
    SocialAccount,
    SocialApp,
    SocialConnect,
    SocialNetwork,
    SocialPostVariant,
    VariantState,
)
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import ErrorCode, InvalidInput, NetworkUnavailable, PermissionDenied, RateLimited
from maxbooster.services.social import crypto, grants, oauth
from maxbooster.services.social.netguard import check_public, normalise_instance_url
from maxbooster.services.social.providers import mastodon, provider_for
from maxbooster.services.social.providers.base import (
    GrantRevoked,
    ProviderError,
    Rejected,
)
from maxbooster.services.social.providers.base import RateLimited as ProviderRateLimited
from maxbooster.services.social.providers.sandbox import sandbox_followers
from maxbooster.services.social.tokens import (  # access, reconnect and rotation live there; kept reachable here
    RECONNECT as RECONNECT,
)
from maxbooster.services.social.tokens import (
    access_for,
    app_credentials,
    mark_reconnect,
    revoke_at_network,
)
from maxbooster.services.social.tokens import (
    rotate_tokens as rotate_tokens,
)
from maxbooster.settings import get_settings

CONNECT_TTL_S = 600


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


def offered_networks() -> list[str]:
    """The networks an owner can connect here: the sandbox and Mastodon always, the others once the
    administrator has set their app's credentials."""
    always = (SocialNetwork.SANDBOX, SocialNetwork.MASTODON)
    return [str(n) for n in SocialNetwork if n in always or oauth.config_for(n) is not None]


def _oauth_network(network: str) -> SocialNetwork:
    known = {str(n) for n in SocialNetwork}
    if network not in known or network == SocialNetwork.SANDBOX:
        choices = ", ".join(sorted(known - {SocialNetwork.SANDBOX}))
        raise InvalidInput(f"{network[:40]!r} is not a network to connect through sign-in; choose one of {choices}.")
    if network != SocialNetwork.MASTODON and oauth.config_for(network) is None:
        raise NetworkUnavailable(f"{oauth.name_of(network)} is not set up on this server (its app credentials "
                                 "are missing); ask the administrator, or connect another network.")
    return SocialNetwork(network)


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


def begin_connect(*, session: Session, actor: Actor, network: str, redirect_uri: str, instance_url: str = "") -> str:
    """The network's authorization URL; the attempt (state, PKCE verifier) waits server-side for the callback."""
    owner = actor.require_user()
    net = _oauth_network(network)
    state, verifier, instance = secrets.token_urlsafe(32), secrets.token_urlsafe(64), ""
    try:
        if net == SocialNetwork.MASTODON:
            instance = normalise_instance_url(instance_url)
            check_public(instance)
            app = app_credentials(_app(session, instance, redirect_uri))
            url = mastodon.authorization_url(instance, app, redirect_uri=redirect_uri, state=state,
                                             code_verifier=verifier)
        else:
            config = oauth.config_for(net)
            assert config is not None  # checked by _oauth_network
            url = oauth.authorization_url(config, redirect_uri=redirect_uri, state=state, code_verifier=verifier)
    except ProviderError as exc:
        raise domain_error(exc, oauth.name_of(net)) from exc
    session.execute(delete(SocialConnect).where(col(SocialConnect.expires_at) < utcnow()))
    session.add(SocialConnect(owner_id=owner, network=net, state_hash=_state_hash(state), instance_url=instance,
                              code_verifier_enc=crypto.encrypt(verifier), redirect_uri=redirect_uri,
                              expires_at=utcnow() + timedelta(seconds=CONNECT_TTL_S)))
    session.commit()
    return url


def _claim(session: Session, owner: uuid.UUID, network: str, state: str) -> SocialConnect | None:
    """This owner's attempt with this state, removed so that no second callback can use it."""
    if not state or len(state) > 200:
        return None
    attempt = session.exec(select(SocialConnect).where(
        col(SocialConnect.state_hash) == _state_hash(state), col(SocialConnect.owner_id) == owner,
        col(SocialConnect.network) == network)).first()
    if attempt is None:
        return None
    taken = session.execute(delete(SocialConnect).where(col(SocialConnect.id) == attempt.id))
    session.commit()
    return attempt if taken.rowcount == 1 else None  # type: ignore[attr-defined]


def complete_connect(*, session: Session, actor: Actor, network: str, params: Mapping[str, str]) -> list[SocialAccount]:
    """Use the attempt named by the callback's state (once), trade the code for tokens and store every
    account the grant gives, tokens encrypted; connecting again updates the same rows."""
    owner = actor.require_user()
    name = oauth.name_of(network)
    attempt = _claim(session, owner, network, str(params.get("state") or ""))
    if attempt is None or attempt.expires_at < utcnow():
        raise InvalidInput(f"This {name} connection attempt is unknown, expired or was already used; "
                           "start again from your social accounts.")
    if params.get("error"):
        raise PermissionDenied(f"{name} did not approve the connection, so nothing was connected; start again and "
                               "allow access to connect the account.")
    code = str(params.get("code") or "")
    if not code:
        raise InvalidInput(f"{name}'s answer carried no authorization code; start again.")
    try:
        verifier = crypto.decrypt(attempt.code_verifier_enc)
    except crypto.TokenUnreadable as exc:  # the key changed while the attempt waited
        raise InvalidInput(f"This {name} connection attempt can no longer be read; start again.") from exc
    app = _app(session, attempt.instance_url, attempt.redirect_uri) if network == SocialNetwork.MASTODON else None
    try:
        given = grants.from_code(network, code=code, code_verifier=verifier,
                                 redirect_uri=attempt.redirect_uri, instance_url=attempt.instance_url,
                                 app=app_credentials(app) if app else None)
    except ProviderError as exc:
        raise domain_error(exc, name) from exc
    stored = [_store(session, owner, grant, app) for grant in given]
    for account in stored:
        audit.record(session, actor, "social.account.connect", target=f"social_accounts:{account.id}",
                     details={"network": account.network, "instance": account.instance_url})
    session.commit()
    return stored


def _store(session: Session, owner: uuid.UUID, grant: grants.Grant, app: SocialApp | None) -> SocialAccount:
    query = select(SocialAccount).where(
        col(SocialAccount.owner_id) == owner, col(SocialAccount.network) == grant.network,
        col(SocialAccount.instance_url) == grant.instance_url, col(SocialAccount.remote_id) == grant.profile.remote_id)
    account = session.exec(query).first() or SocialAccount(
        owner_id=owner, network=grant.network, instance_url=grant.instance_url, remote_id=grant.profile.remote_id,
        handle=grant.profile.handle)
    account.app_id = app.id if app is not None else None
    account.handle, account.display_name = grant.profile.handle, grant.profile.display_name
    account.followers_count = grant.profile.followers_count
    account.access_token_enc = crypto.encrypt(grant.access_token)
    account.refresh_token_enc = crypto.encrypt(grant.refresh_token) if grant.refresh_token else None
    account.token_expires_at, account.scopes, account.limits = grant.expires_at, grant.scope[:200], grant.limits
    account.state, account.state_message, account.updated_at = AccountState.CONNECTED, "", utcnow()
    session.add(account)
    return account


def begin_mastodon_connect(*, session: Session, actor: Actor, instance_url: str, redirect_uri: str) -> tuple[str, str]:
    """(the instance's authorization URL, the sealed transaction to keep until the callback)."""
    owner = actor.require_user()
    instance = normalise_instance_url(instance_url)
    check_public(instance)
    app = _app(session, instance, redirect_uri)
    state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    try:
        url = mastodon.authorization_url(instance, app_credentials(app), redirect_uri=redirect_uri, state=state,
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
        (grant,) = grants.from_code(SocialNetwork.MASTODON, code=code, code_verifier=str(data["cv"]),
                                    redirect_uri=redirect, instance_url=instance, app=app_credentials(app))
    except ProviderError as exc:
        raise domain_error(exc, "Mastodon") from exc
    account = _store(session, owner, grant, app)
    audit.record(session, actor, "social.account.connect", target=f"social_accounts:{account.id}",
                 details={"network": account.network, "instance": instance})
    session.commit()
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
    revoke_at_network(session=session, account=account)
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
