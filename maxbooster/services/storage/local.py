"""The default backend: files in a local folder (MAXBOOSTER_DATA_DIR/files), one sub-folder per owner.

Writes stream to a hidden temp file beside the target and are renamed into place only when
complete, so a failed or over-cap write leaves nothing and readers never see half a file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.storage.base import Disposition, Meter, check_key, check_prefix, file_chunks


class LocalStorage:
    """Blobs in a local folder, one sub-folder per owner."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        check_key(key)
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise InvalidInput("storage key escapes the storage folder")
        return path

    def write(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> tuple[int, str]:
        """Stream to a temp file, then rename. Each chunk is written on a helper thread while the
        next one is hashed and received (both release the GIL), so the disk and the hash overlap."""
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}.part")
        meter = Meter(max_bytes)
        try:
            with open(tmp, "wb") as out, ThreadPoolExecutor(1, thread_name_prefix="storage-write") as pool:
                writing: Future[int] | None = None
                for chunk in meter.feed(chunks):
                    if writing is not None:
                        writing.result()
                    writing = pool.submit(out.write, chunk)
                if writing is not None:
                    writing.result()
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return meter.size, meter.sha256

    def put_file(self, key: str, path: Path) -> tuple[int, str]:
        return self.write(key, file_chunks(path), max_bytes=path.stat().st_size)

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        if not path.is_file():
            raise NotFound()
        return open(path, "rb")

    def size(self, key: str) -> int:
        path = self._path(key)
        if not path.is_file():
            raise NotFound()
        return path.stat().st_size

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        folder = self._path(check_prefix(prefix)[:-1])
        if not folder.is_dir():
            return 0
        count = sum(1 for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        shutil.rmtree(folder)
        return count

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise NotFound()
        yield path

    def presigned_get(self, key: str, *, filename: str, content_type: str, disposition: Disposition,
                      expires_s: int) -> str | None:
        return None  # the app streams local files itself (see services/media.py)
