"""One error envelope for every failure: `{"error": {"type", "message", "param"?}}`; never a traceback.

`param` points into the request body in one syntax: `articles[1].text`, `options.max_words`,
`sets[0].articles[2].id`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import DeadlineError, LimitExceededError, NewsbriefError

# a param echoes the caller's own key names: cut, so a 10 MB key is not sent back
PARAM_CHARS = 200

# what the library calls a field (summarizer.py) → where it sits in a request body
_LIBRARY_FIELDS = {
    "known": "known_articles",
    "query": "options.query",
    "max_words": "options.max_words",
    "lang": "options.lang",
}
_HEAD = re.compile(r"[a-z_]+")


class ApiError(StarletteHTTPException):
    """An HTTP failure with its status, kind, param and (for 429/503) Retry-After.

    An HTTPException, so FastAPI passes it through unchanged when body parsing raises it."""

    def __init__(
        self, status: int, kind: str, message: str, *, param: str | None = None, retry_after: int | None = None
    ):
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        super().__init__(status_code=status, detail=message, headers=headers)
        self.status, self.kind, self.message, self.param = status, kind, message, param


def status_of(exc: NewsbriefError) -> int:
    if isinstance(exc, LimitExceededError):
        return 413
    if isinstance(exc, DeadlineError):
        return 504
    return 422


def safe(text: str) -> str:
    """`text` with lone surrogates written as `\\udxxx`, so every message can be encoded as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def param_of(loc: Sequence[str | int]) -> str | None:
    """A validation error's location as a param: ("articles", 1, "text") → "articles[1].text"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return safe(out[:PARAM_CHARS]) or None


def request_param(param: str | None, prefix: str = "") -> str | None:
    """A library error's param in request terms ("known[0].text" → "known_articles[0].text"),
    under `prefix` (a batch item's "sets[2].")."""
    if param is None:
        return None
    head = _HEAD.match(param)
    if head is None:
        return prefix + param
    return prefix + _LIBRARY_FIELDS.get(head.group(), head.group()) + param[head.end() :]


def error_json(kind: str, message: str, param: str | None = None) -> bytes:
    body: dict[str, Any] = {"type": kind, "message": safe(message)}
    if param is not None:
        body["param"] = safe(param)
    return json.dumps({"error": body}, ensure_ascii=False).encode("utf-8")


def envelope(
    status: int, kind: str, message: str, param: str | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(error_json(kind, message, param), status, headers, media_type="application/json")


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return envelope(exc.status, exc.kind, exc.message, exc.param, exc.headers)

    @app.exception_handler(NewsbriefError)
    async def input_error(request: Request, exc: NewsbriefError) -> Response:
        return envelope(status_of(exc), exc.kind, exc.message, request_param(exc.param))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first: dict[str, Any] = dict(errors[0]) if errors else {"loc": (), "msg": "invalid request"}
        loc = tuple(first["loc"])
        param = param_of(loc[1:] if loc[:1] == ("body",) else loc)
        return envelope(422, "invalid_request", f"{param or 'the body'}: {first['msg']}", param)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        kind = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return envelope(exc.status_code, kind, str(exc.detail), headers=getattr(exc, "headers", None))
