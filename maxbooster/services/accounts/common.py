"""Small shared pieces of the accounts area: request context, token hashing, email rules."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from maxbooster.services.errors import DomainError, InvalidInput

# Deliberately simple: one @, a dot in the domain, no spaces; real proof is the verification email.
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class AuthenticationFailed(DomainError):
    """Wrong credentials or an invalid/expired session or token (same message for every cause)."""

    code = "invalid_credentials"
    http_status = 401


@dataclass(frozen=True)
class Client:
    """Who is calling: resolved client IP (see netaddr.client_ip) and user agent."""

    ip: str = ""
    user_agent: str = ""


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_token() -> str:
    """256 bits of randomness, URL-safe (session ids, refresh tokens, one-time tokens)."""
    return secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    """sha256 hex of a raw token: the only form that is stored server-side."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def invalid(code: str, message: str) -> InvalidInput:
    """An InvalidInput with a specific short code (used as ?error=<code> by the browser routes)."""
    err = InvalidInput(message)
    err.code = code
    return err


def normalise_email(raw: str) -> str:
    """Trim and lower-case an address and check its shape; raises InvalidInput(invalid_email)."""
    email = (raw or "").strip().lower()
    if len(email) > 320 or not _EMAIL_RE.match(email):
        raise invalid("invalid_email", "Enter a valid email address.")
    return email


def clean_display_name(raw: str) -> str:
    """Collapse whitespace; 1–100 characters."""
    name = " ".join((raw or "").split())
    if not 1 <= len(name) <= 100:
        raise invalid("invalid_display_name", "Display name must be 1 to 100 characters.")
    return name
