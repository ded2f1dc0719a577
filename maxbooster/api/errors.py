"""One error body for every API reply: {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from maxbooster.services.errors import MESSAGES, DomainError, ErrorCode, RateLimited

log = logging.getLogger("maxbooster.api")
_HTTP_CODES = {400: ErrorCode.MALFORMED_REQUEST, 401: ErrorCode.UNAUTHORIZED, 403: ErrorCode.FORBIDDEN,
               404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED, 413: ErrorCode.BODY_TOO_LARGE}


def error_body(code: str, message: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": str(code), "message": message}}, status_code=status,
                        headers={"Cache-Control": "no-store", **(headers or {})})


def domain_error_response(exc: DomainError) -> JSONResponse:
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, RateLimited) else None
    return error_body(exc.code, exc.message, exc.http_status, headers)


def install_error_handlers(api: FastAPI) -> None:
    """Map domain errors, HTTP errors and validation errors to the common body."""

    @api.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return domain_error_response(exc)

    @api.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.INVALID_INPUT)
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail else MESSAGES[code]
        return error_body(code, detail, exc.status_code, dict(exc.headers or {}))

    @api.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ())[1:]) or "body"
            parts.append(f"{where}: {e.get('msg', 'invalid')}")
        return error_body(ErrorCode.INVALID_INPUT, "; ".join(parts)[:500] or "invalid request", 422)

    @api.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled API error")
        return error_body(ErrorCode.INTERNAL_ERROR, MESSAGES[ErrorCode.INTERNAL_ERROR], 500)
