"""A connected account's tokens in use: decrypted for one call, refreshed before they expire (one
refresher at a time), dropped when the network refuses them ("reconnect"), re-encrypted on rotation.

Mastodon refreshes at the account's instance with our app there; X and YouTube with our app's
credentials from settings. Facebook page tokens do not expire and have nothing to refresh.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from sqlmodel import Session, col, select

from maxbooster.models.base import utcnow
from maxbooster.models.social import AccountState, SocialAccount, SocialApp, SocialNetwork, SocialPostVariant
from maxbooster.services.errors import InvalidInput
from maxbooster.services.social import crypto, oauth
from maxbooster.services.social.providers import mastodon
from maxbooster.services.social.providers.base import AccountAccess, GrantRevoked, ProviderError

REFRESH_MARGIN = timedelta(minutes=5)
RECONNECT = "Connect this account again: the network no longer accepts our access."
EXPIRED = "The access expired; connect the account again."


def app_credentials(app: SocialApp) -> mastodon.AppCredentials:
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
    try:
        tokens = _refreshed(session, locked)
    except GrantRevoked as exc:
        mark_reconnect(session=session, account=locked, reason=str(exc))
        raise
    except ProviderError:
        session.rollback()
        raise
    locked.access_token_enc = crypto.encrypt(tokens.access_token)
    if tokens.refresh_token:  # X rotates it; Google and Mastodon may keep the old one valid
        locked.refresh_token_enc = crypto.encrypt(tokens.refresh_token)
    locked.token_expires_at, locked.updated_at = tokens.expires_at, utcnow()
    session.add(locked)
    session.commit()


def _refreshed(session: Session, locked: SocialAccount) -> oauth.TokenSet | mastodon.TokenSet:
    if not locked.refresh_token_enc:
        raise GrantRevoked(EXPIRED)
    refresh = crypto.decrypt(locked.refresh_token_enc)
    if locked.network == SocialNetwork.MASTODON:
        app = session.get(SocialApp, locked.app_id) if locked.app_id else None
        if app is None:
            raise GrantRevoked(EXPIRED)
        return mastodon.refresh_tokens(locked.instance_url, app_credentials(app), redirect_uri=app.redirect_uri,
                                       refresh_token=refresh)
    config = oauth.config_for(locked.network)
    if config is None:
        raise GrantRevoked(f"{oauth.name_of(locked.network)} is no longer configured on this server; "
                           "ask the administrator, then connect the account again.")
    return oauth.refresh_tokens(config, refresh_token=refresh)


def mark_reconnect(*, session: Session, account: SocialAccount, reason: str) -> None:
    """The network refused our grant: the account shows "reconnect" and its dead tokens are dropped."""
    account.state, account.state_message = AccountState.RECONNECT, reason[:500]
    account.access_token_enc = account.refresh_token_enc = None
    account.token_expires_at, account.updated_at = None, utcnow()
    session.add(account)
    session.commit()


def revoke_at_network(*, session: Session, account: SocialAccount) -> None:
    """Best effort: ask the network to forget the account's token (nothing raised, nothing waited for)."""
    if not account.access_token_enc:
        return
    try:
        token = crypto.decrypt(account.access_token_enc)
    except crypto.TokenUnreadable:
        return
    if account.network == SocialNetwork.MASTODON:
        app = session.get(SocialApp, account.app_id) if account.app_id else None
        if app is not None:
            with contextlib.suppress(InvalidInput):  # the instance's address is refused now: nothing to send
                mastodon.revoke(account.instance_url, app_credentials(app), token=token)
        return
    config = oauth.config_for(account.network)
    if config is not None:
        oauth.revoke(config, token=token)


def rotate_tokens(*, session: Session) -> int:
    """Re-encrypt every stored token, client secret and upload session URL under the newest
    SOCIAL_TOKEN_KEYS key."""
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
    uploading = select(SocialPostVariant).where(col(SocialPostVariant.upload_session_enc).is_not(None))
    for variant in session.exec(uploading).all():
        variant.upload_session_enc = crypto.reencrypt(variant.upload_session_enc or "")
        session.add(variant)
        changed += 1
    session.commit()
    return changed
