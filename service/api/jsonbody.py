"""Request bodies read as JSON strictly, each failure a named 400 instead of FastAPI's generic one."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from service.api.envelope import ApiError
from service.errors import NestingError, ReadError
from service.reading import decode, load_json


class StrictJsonRequest(Request):
    """UTF-8 only (a JSON body is UTF-8, RFC 8259), nesting and number length bounded (reading.load_json)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                text = decode(await self.body(), "the body")
            except ReadError as exc:
                raise ApiError(400, "invalid_encoding", exc.message) from None
            try:
                self._json = load_json(text, "the body")
            except NestingError as exc:
                raise ApiError(400, exc.kind, exc.message) from None
            except ReadError as exc:
                raise ApiError(400, "invalid_json", exc.message) from None
        return self._json


class StrictJsonRoute(APIRoute):
    """FastAPI's documented hook for a custom Request class; the OpenAPI document is unchanged. An
    empty body is no JSON (FastAPI would report each required field missing instead)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_body = self.body_field is not None

        async def strict(request: Request) -> Response:
            strict_request = StrictJsonRequest(request.scope, request.receive)
            if takes_body and not await strict_request.body():
                raise ApiError(400, "invalid_json", "the body is empty; send a JSON object")
            return await handler(strict_request)

        return strict
