"""Streaming multipart uploads: the file part's bytes go from the socket to storage chunk by
chunk (never held whole, never spooled to a temp file first).

`read_file_part` parses the request with python-multipart's push parser until the part named
`file` starts, and returns its filename and an async iterator over its bytes; `streams.blocking`
turns that into a plain iterator for a service running in a worker thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from maxbooster.services.errors import DomainError, ErrorCode

FIELD = b"file"
BATCH_BYTES = 4 * 1024 * 1024


class BadUpload(DomainError):
    code = ErrorCode.MALFORMED_REQUEST
    http_status = 400


@dataclass
class _PartState:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_field: bytes = b""
    header_value: bytes = b""
    in_file: bool = False
    filename: str | None = None
    file_done: bool = False
    pending: list[memoryview] = field(default_factory=list)
    pending_bytes: int = 0


def _parser(boundary: bytes, state: _PartState) -> MultipartParser:
    def on_part_begin() -> None:
        state.headers, state.in_file = {}, False

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.header_field += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.header_value += data[start:end]

    def on_header_end() -> None:
        state.headers[state.header_field.lower()] = state.header_value
        state.header_field, state.header_value = b"", b""

    def on_headers_finished() -> None:
        _, params = parse_options_header(state.headers.get(b"content-disposition", b""))
        if params.get(b"name") == FIELD and state.filename is None and not state.file_done:
            state.in_file = True
            state.filename = params.get(b"filename", b"upload").decode("utf-8", "replace")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state.in_file:  # a view of the received bytes (the one copy is the join below); the
            # parser's own look-behind buffer is mutable, so that one is copied
            piece = memoryview(data)[start:end] if isinstance(data, bytes) else memoryview(bytes(data[start:end]))
            state.pending.append(piece)
            state.pending_bytes += len(piece)

    def on_part_end() -> None:
        if state.in_file:
            state.in_file, state.file_done = False, True

    return MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data, "on_part_end": on_part_end,
    })


async def read_file_part(request: Request) -> tuple[str, AsyncIterator[bytes]]:
    """The uploaded file's name and its bytes; BadUpload when the body is not such a form."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise BadUpload("Send the file as multipart/form-data with a field named file.")
    state = _PartState()
    parser = _parser(boundary, state)
    body = request.stream().__aiter__()
    try:
        while state.filename is None:
            parser.write(await body.__anext__())
    except StopAsyncIteration as exc:
        raise BadUpload("The upload had no file in it. Choose a file and try again.") from exc
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001  (the multipart parser's errors have no common base)
        if type(exc).__name__ == "ClientDisconnect":
            raise
        raise BadUpload("The upload could not be read. Try again.") from exc

    async def chunks() -> AsyncIterator[bytes]:
        """The file's bytes in pieces of about BATCH_BYTES (fewer hops to the writing thread)."""
        while True:
            if state.file_done or state.pending_bytes >= BATCH_BYTES:
                if state.pending:
                    batch = b"".join(state.pending)
                    state.pending.clear()
                    state.pending_bytes = 0
                    yield batch
                if state.file_done:
                    return
            try:
                piece = await body.__anext__()
            except StopAsyncIteration as exc:
                raise BadUpload("The upload stopped before the whole file arrived. Try again.") from exc
            try:
                parser.write(piece)
            except Exception as exc:  # noqa: BLE001
                raise BadUpload("The upload could not be read. Try again.") from exc

    return state.filename, chunks()
