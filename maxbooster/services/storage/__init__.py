"""File storage: one backend interface (local folder by default, an S3-compatible bucket when
S3_BUCKET is set) and the upload use case.

Library, mastering and later features call `get_storage()` and never care where bytes live.
Keys are `<owner uuid>/<random hex>` (uploads) or `<owner uuid>/<track id>/<name>` (derived
files); the user's filename is kept only as metadata, so no filename can place bytes outside
the owner's folder.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import BinaryIO

from sqlmodel import Session

from maxbooster.integrations.s3 import S3Bucket, S3Config
from maxbooster.models.storage import StoredFile
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import ErrorCode, invalid
from maxbooster.services.storage.base import CHUNK, Disposition, StorageBackend, check_key, check_prefix
from maxbooster.services.storage.local import LocalStorage
from maxbooster.services.storage.names import ascii_filename, clean_filename, content_disposition
from maxbooster.services.storage.s3 import S3Storage
from maxbooster.settings import get_settings

__all__ = [
    "CHUNK", "Disposition", "LocalStorage", "S3Storage", "StorageBackend", "ascii_filename", "check_key",
    "check_prefix", "clean_filename", "content_disposition", "get_storage", "iter_stream", "media_origins",
    "open_file", "save_upload",
]


def get_storage() -> StorageBackend:
    """The configured backend: S3 when S3_BUCKET is set, else the local folder under the data dir."""
    settings = get_settings()
    if settings.storage_is_s3:
        return _s3_backend(S3Config.from_settings(settings))
    return LocalStorage(settings.storage_dir)


@lru_cache(maxsize=4)
def _s3_backend(config: S3Config) -> StorageBackend:
    """One backend (and so one boto3 client with its connection pool) per configuration."""
    return S3Storage(S3Bucket(config))


def media_origins() -> tuple[str, ...]:
    """Origins outside ours that serve stored files to browsers (the bucket of presigned URLs)."""
    settings = get_settings()
    if not settings.storage_is_s3:
        return ()
    return (S3Config.from_settings(settings).public_origin,)


def iter_stream(stream: BinaryIO, chunk_size: int = CHUNK) -> Iterator[bytes]:
    """A stream's bytes in pieces (to hand an open file or request body to `write`)."""
    while chunk := stream.read(chunk_size):
        yield chunk


def save_upload(*, session: Session, actor: Actor, filename: str, chunks: Iterable[bytes],
                content_type: str = "application/octet-stream", max_bytes: int | None = None,
                storage: StorageBackend | None = None) -> StoredFile:
    """Store an upload of the acting user and record it; nothing is kept if any step fails."""
    owner_id = actor.require_user()
    name = clean_filename(filename)
    store = storage or get_storage()
    key = f"{owner_id}/{secrets.token_hex(16)}"
    size, sha = store.write(key, chunks, max_bytes=max_bytes or get_settings().upload_max_bytes)
    if size == 0:
        store.delete(key)
        raise invalid(ErrorCode.FILE_EMPTY, "file is empty")
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
    record = get_owned(session=session, model=StoredFile, obj_id=file_id, actor=actor)
    return record, (storage or get_storage()).open(record.key)
