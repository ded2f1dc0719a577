"""Request bodies into storage without buffering them: `StorageBackend.write` is synchronous
and pulls chunks, so it runs in a worker thread that fetches each chunk from the event loop.

    @router.post(routes.SOMETHING_UPLOAD)
    def upload(request: Request, ...):           # a sync route runs in a worker thread
        size, sha = get_storage().write(key, body_chunks(request), max_bytes=cap)

(or `await run_in_threadpool(store.write, key, body_chunks(request), max_bytes=cap)` from an
async route). Add the path to `middleware.UPLOAD_PREFIXES` so the body cap is UPLOAD_MAX_BYTES.
"""

from __future__ import annotations

from collections.abc import Iterator

import anyio.from_thread
from fastapi import Request


def body_chunks(request: Request) -> Iterator[bytes]:
    """The request body piece by piece, as the server hands it over; call it from a worker thread
    (run_in_threadpool / a sync route). A client that goes away raises ClientDisconnect, so the
    write fails and leaves nothing."""
    stream = request.stream().__aiter__()

    async def pull() -> bytes | None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return None

    while (chunk := anyio.from_thread.run(pull)) is not None:
        if chunk:
            yield chunk
