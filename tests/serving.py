"""Test helpers for a real `newsbrief serve` (a source checkout, an installed wheel, the container image): a free
port, the wait for /ready, the seeds request and the check of its answer; and a raw HTTP/1.1 client over one socket
(it writes a whole request before it reads, keeps the connection, and can stall or cut a body on purpose)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import SEEDS
from tests.provenance import assert_traceable

START_S = 90  # generous: warm-up on a loaded 2-core machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        """Everything the server wrote (stdout and stderr), once it has exited."""
        out, _ = self.process.communicate(timeout=60)
        return out

    def gone(self) -> str | None:
        """The server's output once it has exited, None while it runs."""
        return None if self.process.poll() is None else self.output()

    def workers(self) -> list[int]:
        """Worker process ids with several workers (the supervisor's spawned children, not its
        multiprocessing helpers)."""
        with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children", encoding="ascii") as f:
            children = [int(pid) for pid in f.read().split()]
        return [pid for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def start_server(env: Mapping[str, str], *args: str) -> Served:
    port = free_port()
    full = {**os.environ, "PYTHONUNBUFFERED": "1", "NEWSBRIEF_HOST": "127.0.0.1", "NEWSBRIEF_PORT": str(port), **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", *args],
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return Served(process, port)


def wait_ready(base: str, gone: Callable[[], str | None], timeout_s: float = START_S) -> None:
    """Poll /ready until it answers 200; `gone()` tells (with the server's output) when the server has died."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        death = gone()
        assert death is None, f"the server died before it was ready:\n{death}"
        assert time.monotonic() < deadline, f"{base} was not ready within {timeout_s} s"
        time.sleep(0.1)


@contextmanager
def serving(env: Mapping[str, str], *args: str) -> Iterator[Served]:
    """A ready server; stopped (SIGTERM, then SIGKILL after 60 s) when the block ends."""
    served = start_server(env, *args)
    try:
        wait_ready(served.base, served.gone)
        yield served
    finally:
        if served.process.poll() is None:
            served.process.send_signal(signal.SIGTERM)
            try:
                served.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                served.process.kill()
                served.process.wait()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RawConnection:
    """One keep-alive HTTP/1.1 connection driven by hand."""

    port: int
    timeout_s: float = 30.0
    sock: socket.socket = field(init=False)
    buffer: bytes = field(init=False, default=b"")

    def __post_init__(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout_s)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send_head(self, method: str, path: str, headers: Mapping[str, str]) -> None:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None) -> Reply:
        """Write the whole request (Content-Length set), then read the reply."""
        self.send_head(method, path, {"Content-Length": str(len(body)), **(headers or {})})
        self.send(body)
        return self.reply()

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def reply(self) -> Reply:
        while b"\r\n\r\n" not in self.buffer:
            assert self._fill(), f"connection closed before a reply: {self.buffer[:200]!r}"
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            assert self._fill(), "connection closed inside a reply body"
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Reply(int(status_line.split()[1]), headers, body)

    def closed_by_server(self, wait_s: float = 10.0) -> bool:
        """True when the server closes the connection within `wait_s` (with nothing more to read)."""
        self.sock.settimeout(wait_s)
        try:
            return not self._fill()
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
        finally:
            self.sock.settimeout(self.timeout_s)


def assert_error(reply: Reply, status: int, kind: str) -> dict[str, Any]:
    """The envelope `{"error": {"type", "message", "param"?}}` with this status and type; no traceback."""
    assert reply.status == status, (reply.status, reply.body[:500])
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= {"type", "message", "param"}, error
    assert error["type"] == kind, error
    assert error["message"] and "Traceback" not in error["message"], error
    return dict(error)


async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of `app`, its lifespan (warm-up) run first."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def seeds_request(**options: Any) -> dict[str, Any]:
    """The five seed reports, their file names as ids, so every sentence of the brief can be traced back."""
    articles = [{"id": p.stem, "text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]
    return {"articles": articles, "options": options}


def busy_request(max_words: int) -> dict[str, Any]:
    """One ~3 MB article made of a seed's paragraphs, each copy's lines numbered so that no line
    repeats (cleaning reads a repeated line once): it keeps the server busy for seconds."""
    seed = sorted(SEEDS.glob("*.txt"))[4].read_text(encoding="utf-8")
    lines = [line for line in seed.splitlines()[:20] if line.strip()]
    size = sum(map(len, lines)) + len(lines)
    copies = (f"Report {n}: {line}\n" for n in range(3_000_000 // size) for line in lines)
    return {"articles": [{"text": "".join(copies)}], "options": {"max_words": max_words}}


def assert_seeds_brief(body: dict[str, Any]) -> None:
    """An extractive brief of the seeds whose every sentence lies, at its offsets, in the seed it names."""
    assert body["mode"] == "extractive"
    assert body["brief"]
    assert body["sentences"]
    for sentence in body["sentences"]:
        assert sentence["doc_id"] in sentence["support"]
        assert_traceable(sentence, (SEEDS / f"{sentence['doc_id']}.txt").read_text(encoding="utf-8"))
