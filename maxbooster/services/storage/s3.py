"""The S3-compatible backend (chosen when S3_BUCKET is set): same contract as the local folder.

Writes hold at most one 8 MiB part in memory: a file that ends within the first part is one
PUT, anything longer is a multipart upload that is aborted on any failure (over the cap, a
broken stream, a refused part), so no half object ever appears under the key. Reads stream;
browsers get presigned URLs and fetch the bytes from the bucket themselves.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from maxbooster.integrations.s3 import MultipartUpload, ObjectMissing, S3Bucket, S3Unavailable
from maxbooster.services.errors import NotFound, StorageUnavailable
from maxbooster.services.storage.base import CHUNK, Disposition, Meter, check_key, check_prefix, file_chunks
from maxbooster.services.storage.names import content_disposition

PART_BYTES = 8 * 1024 * 1024  # S3 wants ≥ 5 MiB for every part but the last
MAX_PRESIGN_S = 7 * 24 * 3600  # SigV4's limit
log = logging.getLogger(__name__)


@contextmanager
def _translated(key: str) -> Iterator[None]:
    try:
        yield
    except ObjectMissing as exc:
        raise NotFound() from exc
    except S3Unavailable as exc:
        log.warning("storage: %s (key %s)", exc, key)
        raise StorageUnavailable() from exc


class S3Storage:
    """Keys of one bucket (under S3_PREFIX)."""

    def __init__(self, bucket: S3Bucket) -> None:
        self.bucket = bucket

    def write(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> tuple[int, str]:
        check_key(key)
        meter, part, upload = Meter(max_bytes), bytearray(), None
        with _translated(key):
            try:
                for chunk in meter.feed(chunks):
                    view = memoryview(chunk)
                    while view:
                        take = min(len(view), PART_BYTES - len(part))
                        part += view[:take]
                        view = view[take:]
                        if len(part) == PART_BYTES:
                            upload = upload or self.bucket.start_multipart(key)
                            upload.add_part(part)
                            part.clear()
                self._finish(key, upload, part)
            except BaseException:
                if upload is not None:
                    upload.abort()
                raise
        return meter.size, meter.sha256

    def _finish(self, key: str, upload: MultipartUpload | None, rest: bytearray) -> None:
        if upload is None:
            self.bucket.put(key, rest)
            return
        if rest:
            upload.add_part(rest)
        upload.complete()

    def put_file(self, key: str, path: Path) -> tuple[int, str]:
        return self.write(key, file_chunks(path), max_bytes=path.stat().st_size)

    def open(self, key: str) -> BinaryIO:
        with _translated(check_key(key)):
            return self.bucket.get(key)

    def size(self, key: str) -> int:
        with _translated(check_key(key)):
            return self.bucket.size(key)

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        with _translated(check_key(key)):
            self.bucket.delete(key)

    def delete_prefix(self, prefix: str) -> int:
        with _translated(check_prefix(prefix)):
            return self.bucket.delete_prefix(prefix)

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        """Downloads to a private temp folder (system temp dir, TMPDIR) removed after the block."""
        folder = Path(tempfile.mkdtemp(prefix="mb-s3-"))
        try:
            path = folder / key.rsplit("/", 1)[-1]
            with self.open(key) as body, open(path, "wb") as out:
                shutil.copyfileobj(body, out, CHUNK)
            yield path
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def presigned_get(self, key: str, *, filename: str, content_type: str, disposition: Disposition,
                      expires_s: int) -> str | None:
        overrides = {"ResponseContentDisposition": content_disposition(disposition, filename),
                     "ResponseContentType": content_type}
        with _translated(check_key(key)):
            return self.bucket.presign_get(key, expires_s=max(1, min(expires_s, MAX_PRESIGN_S)),
                                           response_headers=overrides)
