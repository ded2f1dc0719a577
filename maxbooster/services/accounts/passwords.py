"""Password policy and hashing: argon2id (OWASP m=19 MiB, t=2, p=1 by default), no composition rules.

Policy (NIST SP 800-63B style): 8–256 characters of any Unicode, not in the shipped list of
common passwords (case-insensitive). Hashing parameters come from Settings so tests can lower
them; a login with a hash made under other parameters is re-hashed (see `needs_rehash`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from maxbooster.services.accounts.common import is_text
from maxbooster.services.errors import ErrorCode, invalid
from maxbooster.settings import get_settings

MIN_LENGTH = 8
MAX_LENGTH = 256
_COMMON_FILE = Path(__file__).parent / "data" / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-cased."""
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def check_policy(password: str) -> None:
    """Raise InvalidInput (password_too_short / password_too_long / common_password) or return."""
    if len(password) < MIN_LENGTH:
        raise invalid(ErrorCode.PASSWORD_TOO_SHORT, f"Use at least {MIN_LENGTH} characters for your password.")
    if len(password) > MAX_LENGTH:
        raise invalid(ErrorCode.PASSWORD_TOO_LONG, f"Use at most {MAX_LENGTH} characters for your password.")
    if not is_text(password):
        raise invalid(ErrorCode.INVALID_INPUT, "Your password contains characters that cannot be stored.")
    if password.strip().lower() in common_passwords():
        raise invalid(ErrorCode.COMMON_PASSWORD)


@lru_cache(maxsize=4)
def _hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism,
        hash_len=32, salt_len=16, type=Type.ID,
    )


def hasher() -> PasswordHasher:
    s = get_settings()
    return _hasher(s.password_hash_memory_kib, s.password_hash_time_cost, s.password_hash_parallelism)


def hash_password(password: str) -> str:
    """An argon2id PHC string for `password` under the configured parameters."""
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no stored hash, burn a dummy verify so timing matches."""
    ph = hasher()
    if not is_text(password):
        password = password.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    try:
        if stored_hash is None:
            ph.verify(_dummy_hash(ph), password + "\x00not-it")
            return False
        return ph.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the stored hash was made with other parameters than the configured ones."""
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def _dummy_hash(ph: PasswordHasher) -> str:
    return _dummy_for(ph.memory_cost, ph.time_cost, ph.parallelism)


@lru_cache(maxsize=4)
def _dummy_for(memory_kib: int, time_cost: int, parallelism: int) -> str:
    return _hasher(memory_kib, time_cost, parallelism).hash("dummy password for timing parity")
