"""A model server that speaks OpenAI's chat-completions API (vLLM, TGI, llama.cpp server, Ollama).

One httpx client per process (connections reused), `stream: false`, greedy (temperature 0) with a
seed for servers that honour one. Every wait fits the rewrite's time budget (itself inside the
request's deadline): each attempt gets what is left, the body is read in chunks against the
clock and a size cap, and a 429, a 5xx or a lost connection is retried with doubling waits
(Retry-After honoured) while time is left. A circuit breaker answers at once while the server is
down. With the constraint on, the request carries a GBNF `grammar` (constraint.py), which the
llama.cpp server applies; set NEWSBRIEF_REWRITE_CONSTRAINT=off for servers that refuse the field.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from service.backends import INSTRUCTION, Rewrite, estimated_tokens, max_new_tokens, model_input
from service.backends.breaker import Breaker
from service.backends.constraint import grammar, units
from service.errors import Fallback, ModelError
from service.result import SelectedSentence
from service.settings import Settings

# a completion of a few hundred tokens is a few KB of JSON: an answer past 1 MiB is not one
MAX_RESPONSE_BYTES = 2**20
# first wait before a retry, doubled for each further one (0.25, 0.5, 1 s: a restarting server
# or a full queue gets a moment, the request's deadline still bounds the total)
_BACKOFF_S = 0.25
# the start-up check (GET /models) of a server that does not answer
_PROBE_TIMEOUT_S = 10.0
# how much of a refusal's body is quoted in the message
_QUOTED_CHARS = 200

T = TypeVar("T")


class _Retryable(Exception):
    """A 429 or 5xx: the server is there but cannot answer now."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float | None:
    """Delay-seconds only (an HTTP date or anything else is ignored: the backoff applies)."""
    value = response.headers.get("retry-after", "")
    return float(value) if value.isascii() and value.isdigit() else None  # "²".isdigit() is true too


class _Watchdog:
    """Shuts the response's socket at `deadline`, which ends a blocked read at once (as an error, or
    as the end of a body that runs to the connection's close); `fired` tells the two apart."""

    def __init__(self, response: httpx.Response, deadline: float) -> None:
        stream = response.extensions.get("network_stream")
        self._socket = stream.get_extra_info("socket") if stream is not None else None
        self.fired = threading.Event()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._shut)
        self._timer.daemon = True
        self._timer.start()

    def _shut(self) -> None:
        self.fired.set()
        if isinstance(self._socket, socket.socket):
            with contextlib.suppress(OSError):  # already closed
                self._socket.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


class OpenAIRewriter:
    """`target` is `BASE_URL#MODEL` (BASE_URL ends in /v1), or MODEL with NEWSBRIEF_REWRITE_URL."""

    def __init__(self, target: str, settings: Settings) -> None:
        url, hash_mark, model = target.rpartition("#")
        if not hash_mark:
            url, model = settings.rewrite_url or "", target
        self.url, self.model = url.rstrip("/"), model
        parts = urlsplit(self.url)
        # the name is shown in /info and every report: no user:password from the URL
        self.name = f"openai:{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
        self.name += f"{parts.path}#{model}"
        self.key = settings.rewrite_api_key
        self.max_input_tokens = settings.rewrite_max_input_tokens
        self.seed, self.retries = settings.rewrite_seed, settings.rewrite_retries
        self.constrained = settings.rewrite_constraint == "on"
        self.breaker = Breaker(settings.rewrite_breaker_failures, settings.rewrite_breaker_reset_s)
        self._client: httpx.Client | None = None
        self._refused: str | None = None  # why the server can never serve this model (address, model name)

    @property
    def loaded(self) -> bool:
        """The server is not known to be down, nor to lack the model: a server that was down when
        this process started is tried again (rewrite=auto too) once the breaker lets a call through."""
        return self._refused is None and self.breaker.allows()

    def load(self) -> None:
        """Check the server once per process: it answers GET /models and serves the model."""
        self._set_up(time.monotonic() + _PROBE_TIMEOUT_S)

    def _set_up(self, deadline: float) -> None:
        if self._client is not None:
            return
        if self._refused is not None:
            raise ModelError(self._refused, reason=Fallback.LOAD_FAILED)
        try:
            self._connect(deadline)
        except ModelError as exc:
            if exc.reason == Fallback.LOAD_FAILED:
                self._refused = exc.message
            raise

    def _connect(self, deadline: float) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname or not self.model:
            raise ModelError(
                f"the model server needs a base URL and a model: {self.name!r} "
                "(openai:http://HOST:PORT/v1#MODEL, or NEWSBRIEF_REWRITE_URL and NEWSBRIEF_REWRITE_MODEL)",
                reason=Fallback.LOAD_FAILED,
            )
        headers = {"accept-encoding": "identity"}  # no compressed bodies: the size cap holds as read
        if self.key is not None:
            headers["authorization"] = f"Bearer {self.key.get_secret_value()}"
        client = httpx.Client(base_url=self.url, headers=headers, follow_redirects=False)
        served = self._call(lambda until: self._served(client, until), deadline)
        if self.model not in served:
            client.close()
            raise ModelError(
                f"the model server at {self.name} does not serve {self.model!r}; it serves "
                f"{', '.join(repr(s) for s in served[:10]) or 'nothing'}",
                reason=Fallback.LOAD_FAILED,
            )
        self._client = client  # threads that checked at once keep one client; the others are dropped

    def _served(self, client: httpx.Client, deadline: float) -> list[str]:
        data = self._json(client, "GET", "/models", None, deadline)
        models = data.get("data") if isinstance(data, dict) else None
        if not isinstance(models, list):
            raise ModelError("the model server's /models answer has no model list", reason=Fallback.BAD_RESPONSE)
        return [m["id"] for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)]

    def rewrite(self, sentences: Sequence[SelectedSentence], max_words: int, timeout_s: float) -> Rewrite:
        start = time.monotonic()
        self._set_up(start + timeout_s)
        instruction = INSTRUCTION.format(words=max_words)
        kept, cut = model_input(sentences, estimated_tokens, self.max_input_tokens - estimated_tokens(instruction))
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": instruction},
                {"role": "user", "content": " ".join(s.text for s in kept)},
            ],
            "max_tokens": max_new_tokens(max_words),
            "temperature": 0,
            "top_p": 1,
            "seed": self.seed,
            "n": 1,
            "stream": False,
        }
        if self.constrained:
            body["grammar"] = grammar(units([s.text for s in kept]))
        client = self._client
        assert client is not None, "load() sets the client"
        data = self._call(lambda until: self._json(client, "POST", "/chat/completions", body, until), start + timeout_s)
        text = _content(data)
        usage = data.get("usage")
        prompt_tokens = usage.get("prompt_tokens") if isinstance(usage, dict) else None
        tokens_in = prompt_tokens if isinstance(prompt_tokens, int) else estimated_tokens(str(body["messages"]))
        return Rewrite(" ".join(text.split()), tokens_in, cut, self.name, time.monotonic() - start)

    def _call(self, attempt: Callable[[float], T], deadline: float) -> T:
        """`attempt(deadline)` through the breaker, retried on 429/5xx and lost connections."""
        self.breaker.enter()
        try:
            result = self._retried(attempt, deadline)
        except ModelError as exc:
            if exc.reason in (Fallback.UNAVAILABLE, Fallback.TIMEOUT):
                self.breaker.failed()
            else:
                self.breaker.succeeded()
            raise
        except BaseException:
            self.breaker.failed()  # whatever went wrong, a trial call must end, or the circuit stays open
            raise
        self.breaker.succeeded()
        return result

    def _retried(self, attempt: Callable[[float], T], deadline: float) -> T:
        tries = self.retries + 1
        for number in range(tries):
            try:
                return attempt(deadline)
            except httpx.TimeoutException:
                if time.monotonic() < deadline:  # a timeout httpx counted from its own start
                    continue
                raise ModelError(
                    "the model server did not answer within the rewrite's time budget "
                    "(NEWSBRIEF_REWRITE_TIMEOUT_S, or the request's deadline)",
                    reason=Fallback.TIMEOUT,
                ) from None
            except (httpx.TransportError, _Retryable) as exc:
                wait = _BACKOFF_S * 2**number
                if isinstance(exc, _Retryable) and exc.retry_after is not None:
                    wait = max(wait, exc.retry_after)
                if number == tries - 1 or time.monotonic() + wait >= deadline:
                    raise ModelError(
                        f"the model server at {self.name} is unavailable ({_describe(exc)}; {number + 1} tries)",
                        reason=Fallback.UNAVAILABLE,
                    ) from None
                time.sleep(wait)
        raise ModelError(f"the model server at {self.name} timed out {tries} times", reason=Fallback.TIMEOUT)

    def _json(self, client: httpx.Client, method: str, path: str, body: Any, deadline: float) -> Any:
        """One request; its JSON answer. The body is read in chunks, within the deadline and the cap."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise httpx.TimeoutException("no time left")
        with client.stream(method, path, json=body, timeout=httpx.Timeout(left)) as response:
            if response.status_code == 429 or response.status_code >= 500:
                raise _Retryable(response.status_code, _retry_after(response))
            if response.headers.get("content-encoding", "identity") != "identity":
                raise ModelError("the model server sent a compressed answer", reason=Fallback.BAD_RESPONSE)
            data = bytearray()
            # httpx's read timeout restarts with every byte: a byte just before the deadline and then
            # silence would hold the read for another whole budget, so the socket is shut at the deadline
            watchdog = _Watchdog(response, deadline)
            try:
                for chunk in response.iter_raw():
                    data += chunk
                    if len(data) > MAX_RESPONSE_BYTES:
                        raise ModelError(
                            f"the model server's answer is over {MAX_RESPONSE_BYTES} bytes",
                            reason=Fallback.BAD_RESPONSE,
                        )
                    if time.monotonic() > deadline:
                        raise httpx.TimeoutException("the answer did not arrive in time")
            except httpx.TransportError:
                if not watchdog.fired.is_set():
                    raise
            finally:
                watchdog.cancel()
            if watchdog.fired.is_set():  # what was read may be cut short
                raise httpx.TimeoutException("the answer did not arrive in time")
            if response.status_code >= 400:
                quoted = data[:_QUOTED_CHARS].decode("utf-8", "replace")
                raise ModelError(
                    f"the model server refused the request: HTTP {response.status_code}: {quoted!r}",
                    reason=Fallback.REJECTED,
                )
            if response.status_code != 200:
                raise ModelError(f"the model server answered HTTP {response.status_code}", reason=Fallback.BAD_RESPONSE)
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            raise ModelError("the model server's answer is not JSON", reason=Fallback.BAD_RESPONSE) from None


def _content(data: Any) -> str:
    """The completion's text, or BAD_RESPONSE for anything that is not a chat completion."""
    choices = data.get("choices") if isinstance(data, dict) else None
    first = choices[0] if isinstance(choices, list) and choices else None
    message = first.get("message") if isinstance(first, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise ModelError("the model server's answer is not a chat completion", reason=Fallback.BAD_RESPONSE)
    return content
