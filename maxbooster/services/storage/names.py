"""User file names as metadata: cleaned for display and made safe for Content-Disposition.

A user's name never becomes a key; it only travels in headers, where quotes, CR/LF, backslashes
and path separators could break the header or suggest a folder. The header carries an ASCII
fallback plus the exact name as RFC 6266/5987 `filename*=UTF-8''…`.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from maxbooster.services.errors import InvalidInput

MAX_NAME_CHARS = 255
MAX_HEADER_NAME_CHARS = 180  # long enough for real titles, short enough for any proxy's header limit
_UNSAFE_ASCII = re.compile(r'["\\/%;\x00-\x1f\x7f]')
_SPACES = re.compile(r"\s+")


def clean_filename(name: str) -> str:
    """A display-safe file name: no folders, no control characters, ≤ 255 chars."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    if not base:
        raise InvalidInput("file name is empty")
    return _shorten(base, MAX_NAME_CHARS)


def _shorten(name: str, limit: int) -> str:
    """Cut to `limit` characters, keeping a short extension ('…title.wav')."""
    if len(name) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and 0 < len(ext) <= 10:
        return stem[: limit - len(ext) - 1].rstrip() + "." + ext
    return name[:limit]


def ascii_filename(name: str) -> str:
    """An ASCII stand-in for `name` (accents dropped, no quotes/CR/LF/backslashes/slashes/%/;)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = _SPACES.sub(" ", _UNSAFE_ASCII.sub("", plain)).strip()
    stem, dot, ext = plain.rpartition(".")
    if dot and not stem.strip(" ."):  # nothing left but the extension ('🎵.flac' → '.flac')
        plain = f"file.{ext}" if ext.strip() else ""
    return _shorten(plain.strip(" .") or "file", MAX_HEADER_NAME_CHARS)


def content_disposition(disposition: str, filename: str) -> str:
    """`inline|attachment; filename="ascii"` plus `filename*=UTF-8''…` when the name is not plain ASCII."""
    if disposition not in {"inline", "attachment"}:
        raise InvalidInput("disposition must be inline or attachment")
    try:
        name = _shorten(clean_filename(filename), MAX_HEADER_NAME_CHARS)
    except InvalidInput:
        name = "file"
    fallback = ascii_filename(name)
    header = f'{disposition}; filename="{fallback}"'
    if name != fallback:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header
