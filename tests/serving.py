"""A real `newsbrief serve` seen from outside (a source checkout, an installed wheel, the container image):
a free port, the wait for /ready, the seeds request and the check of its answer."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import SEEDS
from tests.provenance import assert_traceable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base: str, gone: Callable[[], str | None], timeout_s: float = 180) -> None:
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
        time.sleep(0.2)


def seeds_request(**options: Any) -> dict[str, Any]:
    """The five seed reports, their file names as ids, so every sentence of the brief can be traced back."""
    articles = [{"id": p.stem, "text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]
    return {"articles": articles, "options": options}


def busy_request(max_words: int) -> dict[str, Any]:
    """One ~3 MB article made of a seed's paragraphs: it keeps the server busy for seconds."""
    seed = sorted(SEEDS.glob("*.txt"))[4].read_text(encoding="utf-8")
    paragraph = "\n".join(seed.splitlines()[:20]) + "\n"
    return {"articles": [{"text": paragraph * (3_000_000 // len(paragraph))}], "options": {"max_words": max_words}}


def assert_seeds_brief(body: dict[str, Any]) -> None:
    """An extractive brief of the seeds whose every sentence lies, at its offsets, in the seed it names."""
    assert body["mode"] == "extractive"
    assert body["brief"]
    assert body["sentences"]
    for sentence in body["sentences"]:
        assert sentence["doc_id"] in sentence["support"]
        assert_traceable(sentence, (SEEDS / f"{sentence['doc_id']}.txt").read_text(encoding="utf-8"))
