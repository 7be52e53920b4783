"""Pure ASGI middleware: request ids + one JSON log line per request; clean start-up failures."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.envelope import envelope
from service.errors import INTERNAL_ERROR, NewsbriefError

log = structlog.get_logger("newsbrief.access")


class CleanStartupFailure:
    """A failed start (warm-up, or rewrite=on with a model that cannot load) reported to uvicorn as
    the exception's one-line message, where Starlette sends the traceback text; uvicorn then exits
    non-zero."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        failed = False

        async def held_send(message: Message) -> None:
            nonlocal failed
            if message["type"] == "lifespan.startup.failed":
                failed = True  # sent below, once the exception that follows says why
                return
            await send(message)

        try:
            await self.app(scope, receive, held_send)
        except Exception as exc:
            if not failed:
                raise
            reason = exc.message if isinstance(exc, NewsbriefError) else f"warm-up failed: {type(exc).__name__}: {exc}"
            await send({"type": "lifespan.startup.failed", "message": reason})


class RequestContext:
    """Take X-Request-ID (or make one), echo it, and log one structured line per request.

    A failure no handler knows (a bug) is logged and answered 500 here, not by Starlette's
    outermost middleware: that one re-raises after answering, and uvicorn then drops the
    keep-alive connection under the client's next request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if 0 < len(given) <= 128 and given.isprintable() else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        start = time.perf_counter()
        status = 500
        started = False
        sent = 0
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            msg = await receive()
            received += len(msg.get("body", b""))
            return msg

        async def stamping_send(msg: Message) -> None:
            nonlocal status, started, sent
            if msg["type"] == "http.response.start":
                status, started = msg["status"], True
                msg["headers"] = [*msg.get("headers", []), (b"x-request-id", request_id.encode())]
            elif msg["type"] == "http.response.body":
                sent += len(msg.get("body", b""))
            await send(msg)

        try:
            await self.app(scope, counting_receive, stamping_send)
        except Exception as exc:
            log.error("unhandled_error", error=repr(exc), request_id=request_id)
            if started:  # too late to answer: the server closes the connection
                raise
            await envelope(500, INTERNAL_ERROR, "the server failed to handle this request; it has been logged")(
                scope, counting_receive, stamping_send
            )
        finally:
            extra: dict[str, Any] = scope["state"].get("log", {})
            log.info(
                "request",
                request_id=request_id,
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - start) * 1000, 2),
                bytes_in=received,
                bytes_out=sent,
                **extra,
            )
