"""Pure ASGI intake, in front of body parsing.

A summary request is admitted (API key, draining, content type and encoding, declared size, a
gate slot) before one byte of its body is read, so a refused flood costs no body memory. Every
body is read under a stall timeout (408, connection closed) and the size limit (413). A refused
body that the client is still writing is read and dropped (up to a bound) before the answer
completes: a client that writes its whole body before it reads (urllib, which also asks for
`Connection: close`) gets the 4xx instead of a reset, and a keep-alive connection stays usable.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import anyio
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.deps import AppState
from service.api.envelope import ApiError, error_json

TICKET = "newsbrief.ticket"  # the scope["state"] key under which a route finds its gate slot

# a refused body up to this many times NEWSBRIEF_MAX_BODY_BYTES is read and dropped so its client
# reads the answer (urllib writes a 30 MB body whole before reading; the default limit is 10 MiB);
# past that the connection is closed
_DRAIN_FACTOR = 4

_DISCONNECT: Message = {"type": "http.disconnect"}


class Body:
    """One request's body as it arrives: each read waits at most `timeout_s`; bytes are counted."""

    def __init__(self, receive: Receive, headers: Headers, timeout_s: float) -> None:
        self._receive, self.timeout_s = receive, timeout_s
        length = headers.get("content-length", "")
        self.declared = int(length) if length.isdigit() else None
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        self.expect_continue = headers.get("expect", "").lower() == "100-continue"
        self.received = 0
        self.complete = not chunked and not self.declared  # no body at all: nothing to wait for
        self.gone = False

    async def read(self) -> Message:
        if self.complete:  # after the body only http.disconnect can come, whenever it does
            return await self._receive()
        with anyio.fail_after(self.timeout_s):
            message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            self.complete = not message.get("more_body", False)
        else:
            self.complete = self.gone = True
        return message

    async def drain(self, limit: int) -> bool:
        """Read and drop the rest of the body, `limit` bytes in all at most: True when all of it came."""
        if self.expect_continue and self.received == 0:
            return self.complete  # the client waits for our word before it sends the body
        if self.declared is not None and self.declared > limit:
            return False
        while not self.complete and self.received <= limit:
            try:
                await self.read()
            except TimeoutError:
                return False
        return self.complete and not self.gone


async def answer(send: Send, status: int, body: bytes, headers: Iterable[tuple[bytes, bytes]], close: bool) -> None:
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]
    if close:
        head.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


def _is_json(content_type: str) -> bool:
    """application/json or application/*+json, in UTF-8 (the only charset JSON has, RFC 8259)."""
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        return False
    charset = next((p.split("=", 1)[1] for p in params.lower().replace(" ", "").split(";") if "=" in p), "utf-8")
    return charset.strip('"') in ("utf-8", "utf8")


class Intake:
    def __init__(self, app: ASGIApp, state: AppState, admitted: frozenset[str]) -> None:
        """`admitted`: the paths whose POSTs need the API key and a gate slot (the summary routes)."""
        self.app, self.state, self.admitted = app, state, admitted

    def _refusal(self, headers: Headers) -> ApiError | None:
        settings = self.state.settings
        if settings.api_key is not None:
            scheme, _, given = headers.get("authorization", "").partition(" ")
            expected = settings.api_key.get_secret_value().encode()
            if scheme.lower() != "bearer" or not secrets.compare_digest(given.encode(), expected):
                return ApiError(401, "unauthorized", "a valid API key is required: send `Authorization: Bearer <key>`")
        if self.state.draining:
            return ApiError(503, "unavailable", "the server is shutting down; retry on another instance", retry_after=1)
        encoding = headers.get("content-encoding", "").strip().lower()
        if encoding not in ("", "identity"):
            return ApiError(
                415,
                "unsupported_encoding",
                f"Content-Encoding {encoding[:40]!r} is not accepted: send the JSON body uncompressed",
            )
        if not _is_json(headers.get("content-type", "")):
            return ApiError(
                415, "unsupported_media_type", "send the body as JSON with `Content-Type: application/json` (UTF-8)"
            )
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings, metrics = self.state.settings, self.state.metrics
        headers = Headers(scope=scope)
        body = Body(receive, headers, settings.body_timeout_s)
        drain_limit = _DRAIN_FACTOR * settings.max_body_bytes
        too_large = ApiError(
            413,
            "body_too_large",
            f"the request body is larger than {settings.max_body_bytes} bytes (NEWSBRIEF_MAX_BODY_BYTES)",
        )

        async def refuse(error: ApiError) -> None:
            metrics.rejections.labels(error.kind).inc()
            kept = await body.drain(drain_limit)
            extra = [(k.lower().encode(), v.encode()) for k, v in (error.headers or {}).items()]
            await answer(send, error.status, error_json(error.kind, error.message, error.param), extra, not kept)

        refusal = too_large if body.declared is not None and body.declared > settings.max_body_bytes else None
        ticket = None
        if refusal is None and scope["method"] == "POST" and scope["path"] in self.admitted:
            refusal = self._refusal(headers)
            if refusal is None:
                ticket = self.state.gate.admit(settings.max_body_bytes if body.declared is None else body.declared)
                if ticket is None:
                    refusal = ApiError(
                        429,
                        "overloaded",
                        "the server is busy (NEWSBRIEF_MAX_IN_FLIGHT requests or NEWSBRIEF_MAX_IN_FLIGHT_BYTES of "
                        "bodies in flight); retry shortly",
                        retry_after=1,
                    )
        if refusal is not None:
            await refuse(refusal)
            return
        scope.setdefault("state", {})[TICKET] = ticket
        refused = started = False

        async def guarded_receive() -> Message:
            nonlocal refused
            if refused:
                return _DISCONNECT
            try:
                message = await body.read()
            except TimeoutError:
                refused = True
                metrics.rejections.labels("body_timeout").inc()
                if not started:
                    stalled = f"no byte of the body came for {settings.body_timeout_s:g} s (NEWSBRIEF_BODY_TIMEOUT_S)"
                    await answer(send, 408, error_json("body_timeout", stalled), (), close=True)
                return _DISCONNECT
            if body.received > settings.max_body_bytes:
                refused = True
                if not started:
                    await refuse(too_large)
                return _DISCONNECT  # the app stops reading; whatever it answers is dropped
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            elif not message.get("more_body", False) and not body.complete:
                # answered before the body was read (404, 405, …): read it first, so the client
                # reads the answer even if it writes everything before reading
                await body.drain(drain_limit)
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except Exception:
            if not refused:
                raise
        finally:
            if ticket is not None:
                ticket.release()
