"""One error envelope for every failure: `{"error": {"type", "message", "param"?}}`; never a traceback."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import EmptyInputError, LimitExceededError, NewsbriefError

log = structlog.get_logger("newsbrief.api")


class ApiError(Exception):
    """An HTTP failure with its status, kind and (for 429/503) Retry-After."""

    def __init__(
        self, status: int, kind: str, message: str, *, param: str | None = None, retry_after: int | None = None
    ):
        super().__init__(message)
        self.status, self.kind, self.message, self.param, self.retry_after = status, kind, message, param, retry_after


def status_of(exc: NewsbriefError) -> int:
    if isinstance(exc, LimitExceededError):
        return 413
    if isinstance(exc, EmptyInputError):
        return 422
    return 422


def envelope(
    status: int, kind: str, message: str, param: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"type": kind, "message": message}
    if param is not None:
        body["param"] = param
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        return envelope(exc.status, exc.kind, exc.message, exc.param, headers)

    @app.exception_handler(NewsbriefError)
    async def input_error(request: Request, exc: NewsbriefError) -> JSONResponse:
        return envelope(status_of(exc), exc.kind, exc.message, exc.param)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first: dict[str, Any] = dict(exc.errors()[0]) if exc.errors() else {"loc": (), "msg": "invalid request"}
        if first.get("type") == "json_invalid":
            detail = dict(first.get("ctx") or {}).get("error", "parse error")
            return envelope(400, "invalid_json", f"the body is not valid JSON: {detail}")
        return envelope(
            422, "invalid_request", f"{_loc(tuple(first['loc']))}: {first['msg']}", _loc(tuple(first["loc"]))
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return envelope(exc.status_code, kind, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled_error", error=repr(exc), request_id=getattr(request.state, "request_id", None))
        return envelope(500, "internal_error", "the server failed to handle this request; it has been logged")
