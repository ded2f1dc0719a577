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

import asyncio
from collections.abc import AsyncIterator, Iterator

import anyio.from_thread
from fastapi import Request

READ_AHEAD = 2  # pieces received ahead of the thread's work: bounded memory, overlapped time

_END = object()


def blocking(chunks: AsyncIterator[bytes], *, read_ahead: int = READ_AHEAD) -> Iterator[bytes]:
    """Iterate an async byte stream from a worker thread started by anyio (FastAPI's threadpool).

    A task on the event loop receives up to `read_ahead` pieces ahead of the thread, so the
    network keeps flowing while the thread hashes and writes. A client that goes away raises
    ClientDisconnect (any error of the stream is raised here, in order), so the write fails and
    leaves nothing; a thread that stops early stops the task."""
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=max(1, read_ahead))
    task: asyncio.Task[None] | None = None
    loop: asyncio.AbstractEventLoop | None = None

    async def produce() -> None:
        try:
            async for chunk in chunks:
                if chunk:
                    await queue.put(chunk)
        except Exception as exc:  # noqa: BLE001  (handed to the thread, raised there)
            await queue.put(exc)
            return
        await queue.put(_END)

    async def start() -> None:
        nonlocal task, loop
        loop = asyncio.get_running_loop()
        task = loop.create_task(produce())

    def stop() -> None:
        if task is not None and not task.done():
            task.cancel()

    anyio.from_thread.run(start)
    try:
        while (item := anyio.from_thread.run(queue.get)) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:  # also when closed by garbage collection, from whatever thread
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop)


def body_chunks(request: Request) -> Iterator[bytes]:
    """The raw request body piece by piece, as the server hands it over (call from a worker thread)."""
    return blocking(request.stream())
