"""What every storage backend offers, and the rules they share (key shape, size cap, sha256).

Keys are ours, never a user's file name: `<owner uuid>/<random hex>` for uploads and
`<owner uuid>/<track id>/<name>` for files derived from them, so `delete_prefix("<owner>/<track>/")`
removes all of a track's files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Literal, Protocol

from maxbooster.services.errors import ErrorCode, invalid

CHUNK = 1024 * 1024
MAX_KEY_CHARS = 300  # StoredFile.key
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=-]*$")

Disposition = Literal["inline", "attachment"]


class StorageBackend(Protocol):
    """Where bytes live: a local folder (default) or an S3-compatible bucket."""

    def write(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> tuple[int, str]:
        """Stream `chunks` to `key`; returns (size, sha256 hex). Over `max_bytes` → InvalidInput and
        nothing stored; any failure leaves no object behind. Holds at most one part in memory."""
        ...

    def put_file(self, key: str, path: Path) -> tuple[int, str]:
        """Store a file produced on disk (peaks, masters); returns (size, sha256 hex)."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The stored bytes as a stream (close it); NotFound when missing."""
        ...

    def size(self, key: str) -> int:
        """Size in bytes; NotFound when missing."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove `key`; nothing happens when it is already gone."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every key under `prefix` (which ends with '/'); returns how many were removed."""
        ...

    def local_path(self, key: str) -> AbstractContextManager[Path]:
        """A local file with the bytes of `key` while the block runs (read-only use: DSP code)."""
        ...

    def presigned_get(self, key: str, *, filename: str, content_type: str, disposition: Disposition,
                      expires_s: int) -> str | None:
        """A URL the browser can GET directly for `expires_s` seconds, or None (serve it yourself)."""
        ...


def check_key(key: str) -> str:
    """A key is 'a/b/c' of plain segments (a letter or digit, then letters, digits, . _ = -), ≤ 300
    characters: no '..', no absolute path, no hidden names (the local backend's temp files)."""
    parts = key.split("/")
    if not key or len(key) > MAX_KEY_CHARS or any(
            not _SEGMENT.match(p) for p in parts):
        raise invalid(ErrorCode.INVALID_INPUT, "storage key escapes the storage folder or is not a plain path")
    return key


def check_prefix(prefix: str) -> str:
    """A prefix is a key ending in '/' (a folder): 'owner/' or 'owner/track/'."""
    if not prefix.endswith("/"):
        raise invalid(ErrorCode.INVALID_INPUT, "a storage prefix must end with '/'")
    check_key(prefix[:-1])
    return prefix


class Meter:
    """Counts and hashes chunks on their way through; InvalidInput as soon as the cap is passed."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.size, self._digest = max_bytes, 0, hashlib.sha256()

    def feed(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            if not chunk:
                continue
            self.size += len(chunk)
            if self.size > self.max_bytes:
                raise too_large(self.max_bytes)
            self._digest.update(chunk)
            yield chunk

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


def too_large(max_bytes: int) -> Exception:
    limit = f"{max_bytes // (1024 * 1024)} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes} byte"
    return invalid(ErrorCode.FILE_TOO_LARGE, f"The file is larger than the {limit} limit.")


def file_chunks(path: Path) -> Iterator[bytes]:
    """A file's bytes in CHUNK-sized pieces."""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk
