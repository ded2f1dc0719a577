"""Tokens at rest: Fernet (AES-128-CBC + HMAC-SHA256) under SOCIAL_TOKEN_KEYS.

The first key encrypts, every key decrypts (MultiFernet), so a key is rotated by putting a new one
first, running `rotate_tokens` and, once it has run, dropping the old key. Short-lived values that
travel through the browser (the OAuth connect transaction) are sealed with the same keys and a TTL.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from maxbooster.settings import Settings, get_settings


class TokenUnreadable(Exception):
    """A stored token no configured key can decrypt (a key was dropped from SOCIAL_TOKEN_KEYS too soon)."""


def _cipher(settings: Settings | None = None) -> MultiFernet:
    keys = (settings or get_settings()).social_token_keys
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: str, *, settings: Settings | None = None) -> str:
    """The Fernet token of `value` under the newest key."""
    return _cipher(settings).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, settings: Settings | None = None) -> str:
    """The plain value of a stored token, under whichever configured key made it."""
    try:
        return _cipher(settings).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise TokenUnreadable("a stored social token cannot be decrypted with SOCIAL_TOKEN_KEYS") from exc


def reencrypt(token: str, *, settings: Settings | None = None) -> str:
    """The same value under the newest key (MultiFernet.rotate); unchanged bytes are never assumed."""
    try:
        return _cipher(settings).rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise TokenUnreadable("a stored social token cannot be decrypted with SOCIAL_TOKEN_KEYS") from exc


def seal(purpose: str, payload: dict[str, Any], *, settings: Settings | None = None) -> str:
    """Encrypt and authenticate a small JSON payload for one purpose (checked when opened)."""
    body = json.dumps({"p": purpose, **payload}, separators=(",", ":"))
    return encrypt(body, settings=settings)


def unseal(purpose: str, sealed: str | None, *, ttl_s: int, settings: Settings | None = None) -> dict[str, Any] | None:
    """The payload sealed for `purpose` at most `ttl_s` ago, else None (tampered, expired, other use)."""
    if not sealed or len(sealed) > 8192:
        return None
    try:
        raw = _cipher(settings).decrypt(sealed.encode("ascii"), ttl=ttl_s)
        data = json.loads(raw)
    except (InvalidToken, ValueError, UnicodeError):
        return None
    if not isinstance(data, dict) or data.get("p") != purpose:
        return None
    return data
