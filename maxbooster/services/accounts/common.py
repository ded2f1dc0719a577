"""Small shared pieces of the accounts area: token hashing, email and name rules."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime

from maxbooster.services.errors import ErrorCode, invalid

# Deliberately simple: one @, a dot in the domain, no spaces; real proof is the verification email.
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_token() -> str:
    """256 bits of randomness, URL-safe (session ids, refresh tokens, one-time tokens)."""
    return secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    """sha256 hex of a raw token: the only form that is stored server-side."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def is_text(value: str) -> bool:
    """True when `value` is valid Unicode text (no lone surrogates such as a JSON "\\ud800")."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def normalise_email(raw: str) -> str:
    """Trim and lower-case an address and check its shape; raises InvalidInput(invalid_email)."""
    email = (raw or "").strip().lower()
    if len(email) > 320 or not is_text(email) or not _EMAIL_RE.match(email):
        raise invalid(ErrorCode.INVALID_EMAIL)
    return email


def clean_display_name(raw: str) -> str:
    """Collapse whitespace; 1–100 characters."""
    name = " ".join((raw or "").split())
    if not 1 <= len(name) <= 100 or not is_text(name) or not name.isprintable():
        raise invalid(ErrorCode.INVALID_DISPLAY_NAME)
    return name


def is_local_path(value: str | None) -> bool:
    """A same-site path (`/…`, never `//host` or a backslash trick): safe as a post-login target."""
    return value is not None and value.startswith("/") and not value.startswith("//") and "\\" not in value
