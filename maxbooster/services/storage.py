"""File storage: a backend interface, the local-folder default, and the upload use case.

Keys are `<owner uuid>/<random hex>`; the user's filename is kept only as metadata, so no
filename can place bytes outside the owner's folder. Writes stream to a temp file with a
size cap and are moved into place only when complete (a failed upload leaves nothing).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlmodel import Session

from maxbooster.models.storage import StoredFile
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.settings import get_settings

CHUNK = 1024 * 1024


class StorageBackend(Protocol):
    """What an S3-compatible adapter implements too."""

    def write(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> tuple[int, str]: ...
    def open(self, key: str) -> BinaryIO: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...


class LocalStorage:
    """Blobs in a local folder, one sub-folder per owner."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise InvalidInput("storage key escapes the storage folder")
        return path

    def write(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> tuple[int, str]:
        """Stream chunks to `key`; returns (size, sha256). Over `max_bytes` → InvalidInput, no file."""
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}.part")
        digest, size = hashlib.sha256(), 0
        try:
            with open(tmp, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise InvalidInput(f"file is larger than the {max_bytes // (1024 * 1024)} MB limit")
                    digest.update(chunk)
                    out.write(chunk)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return size, digest.hexdigest()

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        if not path.is_file():
            raise NotFound("file not found")
        return open(path, "rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


def get_storage() -> StorageBackend:
    return LocalStorage(get_settings().storage_dir)


def clean_filename(name: str) -> str:
    """A display-safe file name: no folders, no control characters, ≤ 255 chars."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    if not base:
        raise InvalidInput("file name is empty")
    return base[:255]


def iter_stream(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def save_upload(*, session: Session, actor: Actor, filename: str, chunks: Iterable[bytes],
                content_type: str = "application/octet-stream", max_bytes: int | None = None,
                storage: StorageBackend | None = None) -> StoredFile:
    """Store an upload for `owner_id` and record it; nothing is kept if any step fails."""
    owner_id = actor.require_user()
    name = clean_filename(filename)
    store = storage or get_storage()
    key = f"{owner_id}/{secrets.token_hex(16)}"
    size, sha = store.write(key, chunks, max_bytes=max_bytes or get_settings().upload_max_bytes)
    if size == 0:
        store.delete(key)
        raise InvalidInput("file is empty")
    record = StoredFile(owner_id=owner_id, key=key, original_name=name,
                        content_type=content_type[:120], size_bytes=size, sha256=sha)
    try:
        session.add(record)
        session.commit()
    except Exception:
        session.rollback()
        store.delete(key)
        raise
    session.refresh(record)
    return record


def open_file(*, session: Session, actor: Actor, file_id: uuid.UUID,
              storage: StorageBackend | None = None) -> tuple[StoredFile, BinaryIO]:
    """Open a stored file of the acting user (someone else's id reads as not found)."""
    record = get_owned(session, StoredFile, file_id, actor)
    return record, (storage or get_storage()).open(record.key)
