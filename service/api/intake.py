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
from collections.abc import Callable, Iterable

import anyio
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.deps import AppState
from service.api.envelope import ApiError, error_json
from service.api.gate import Ticket

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
    def __init__(self, app: ASGIApp, state: AppState, admitted: Callable[[str, str], bool]) -> None:
        """`admitted(method, path)`: the requests that need the API key and a gate slot (the work routes)."""
        self.app, self.state, self.admitted = app, state, admitted

    def _refusal(self, headers: Headers, has_body: bool) -> ApiError | None:
        settings = self.state.settings
        if settings.api_key is not None:
            scheme, _, given = headers.get("authorization", "").partition(" ")
            expected = settings.api_key.get_secret_value().encode()
            if scheme.lower() != "bearer" or not secrets.compare_digest(given.encode(), expected):
                return ApiError(401, "unauthorized", "a valid API key is required: send `Authorization: Bearer <key>`")
        if self.state.draining:
            return ApiError(503, "unavailable", "the server is shutting down; retry on another instance", retry_after=1)
        if not has_body:
            return None
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

    def too_large(self) -> ApiError:
        limit = self.state.settings.max_body_bytes
        return ApiError(
            413, "body_too_large", f"the request body is larger than {limit} bytes (NEWSBRIEF_MAX_BODY_BYTES)"
        )

    def _admit(self, scope: Scope, headers: Headers, body: Body) -> tuple[ApiError | None, Ticket | None]:
        """Refuse (413, 401, 503, 415, 429) or admit before any byte of the body is read."""
        settings = self.state.settings
        if body.declared is not None and body.declared > settings.max_body_bytes:
            return self.too_large(), None
        if not self.admitted(scope["method"], scope["path"]):
            return None, None
        refusal = self._refusal(headers, scope["method"] == "POST")
        if refusal is not None:
            return refusal, None
        ticket = self.state.gate.admit(settings.max_body_bytes if body.declared is None else body.declared)
        if ticket is None:
            busy = (
                "the server is busy (NEWSBRIEF_MAX_IN_FLIGHT requests or NEWSBRIEF_MAX_IN_FLIGHT_BYTES of "
                "bodies in flight); retry shortly"
            )
            return ApiError(429, "overloaded", busy, retry_after=1), None
        return None, ticket

    async def refuse(self, send: Send, body: Body, error: ApiError) -> None:
        """Answer `error`, after reading and dropping what the client still sends (up to a bound)."""
        self.state.metrics.rejections.labels(error.kind).inc()
        kept = await body.drain(_DRAIN_FACTOR * self.state.settings.max_body_bytes)
        extra = [(k.lower().encode(), v.encode()) for k, v in (error.headers or {}).items()]
        await answer(send, error.status, error_json(error.kind, error.message, error.param), extra, not kept)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        body = Body(receive, headers, self.state.settings.body_timeout_s)
        refusal, ticket = self._admit(scope, headers, body)
        if refusal is not None:
            await self.refuse(send, body, refusal)
            return
        scope.setdefault("state", {})[TICKET] = ticket
        guarded = _Guarded(self, body, send, ticket)
        try:
            await self.app(scope, guarded.receive, guarded.send)
        except Exception:
            if not guarded.refused:
                raise
        finally:
            if ticket is not None:
                ticket.release()


class _Guarded:
    """The receive and send an admitted request's app gets: a stalled body is answered 408 and one
    over the limit 413 (the app then sees a disconnect, and what it answers is dropped); an answer
    given before the body was read waits until the body is drained."""

    def __init__(self, intake: Intake, body: Body, send: Send, ticket: Ticket | None) -> None:
        self.intake, self.body, self._send, self.ticket = intake, body, send, ticket
        self.refused = self.started = False

    async def receive(self) -> Message:
        if self.refused:
            return _DISCONNECT
        settings = self.intake.state.settings
        try:
            message = await self.body.read()
        except TimeoutError:
            self.refused = True
            self.intake.state.metrics.rejections.labels("body_timeout").inc()
            if not self.started:
                stalled = f"no byte of the body came for {settings.body_timeout_s:g} s (NEWSBRIEF_BODY_TIMEOUT_S)"
                await answer(self._send, 408, error_json("body_timeout", stalled), (), close=True)
            return _DISCONNECT
        if self.body.received > settings.max_body_bytes:
            self.refused = True
            if not self.started:
                await self.intake.refuse(self._send, self.body, self.intake.too_large())
            return _DISCONNECT
        if self.body.complete and self.ticket is not None:
            self.ticket.size = self.body.received  # a chunked body was admitted as a maximal one
        return message

    async def send(self, message: Message) -> None:
        if self.refused:
            return
        if message["type"] == "http.response.start":
            self.started = True
        elif not message.get("more_body", False) and not self.body.complete:
            # answered before the body was read (404, 405, …): read it first, so the client reads
            # the answer even if it writes everything before reading
            await self.body.drain(_DRAIN_FACTOR * self.intake.state.settings.max_body_bytes)
        await self._send(message)
