"""Request bodies into storage without buffering them: `StorageBackend.write` is synchronous
and pulls chunks, so it runs in a worker thread that fetches each chunk from the event loop.

    @router.post(routes.SOMETHING_UPLOAD)
    def upload(request: Request, ...):           # a sync route runs in a worker thread
        size, sha = get_storage().write(key, body_chunks(request), max_bytes=cap)

(or `await run_in_threadpool(store.write, key, body_chunks(request), max_bytes=cap)` from an
async route). Add the path to `middleware.UPLOAD_PATHS` so the body cap is UPLOAD_MAX_BYTES.
Multipart uploads use `api.uploads.read_file_part` and `blocking` on its file stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio.from_thread
from fastapi import Request


def blocking(chunks: AsyncIterator[bytes]) -> Iterator[bytes]:
    """Iterate an async byte stream from a worker thread started by anyio (FastAPI's threadpool).
    A client that goes away raises ClientDisconnect, so the write fails and leaves nothing."""
    stream = chunks.__aiter__()

    async def pull() -> bytes | None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return None

    while (chunk := anyio.from_thread.run(pull)) is not None:
        if chunk:
            yield chunk


def body_chunks(request: Request) -> Iterator[bytes]:
    """The raw request body piece by piece, as the server hands it over (call from a worker thread)."""
    return blocking(request.stream())
