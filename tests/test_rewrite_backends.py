"""The rewrite backends without a model: choosing one, the dummy backend end to end, the circuit
breaker, and the OpenAI-compatible backend against a small HTTP server on 127.0.0.1 that answers
as a broken model server would (down, slow, 5xx, 429, garbage, huge, wrong content, refusals).
The real llama.cpp server runs in tests/test_rewrite_llama.py."""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.util import find_spec
from pathlib import Path
from typing import Any, get_args

import httpx
import numpy as np
import pytest

from service import Article, Settings, Summarizer
from service.backends import BACKENDS, make_rewriter
from service.backends.breaker import Breaker
from service.backends.dummy import DummyRewriter
from service.backends.openai import MAX_RESPONSE_BYTES, OpenAIRewriter
from service.errors import Fallback, ModelError
from service.settings import BackendName
from tests.conftest import SEEDS
from tests.helpers import newsbrief

COPIED = "US Secretary of State Antony Blinken met Chinese Foreign Minister Qin Gang in Beijing."
INVENTED = "Premier Wen Jiabao met 42 officials in Japan."

Reply = Callable[[BaseHTTPRequestHandler], None]


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    def reply(handler: BaseHTTPRequestHandler) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        for name, value in {"content-type": "application/json", **(headers or {})}.items():
            handler.send_header(name, value)
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return reply


def completion(text: Any) -> Reply:
    return json_reply(
        {"choices": [{"message": {"role": "assistant", "content": text}}], "usage": {"prompt_tokens": 77}}
    )


MODELS = json_reply({"object": "list", "data": [{"id": "m"}, {"id": "other"}]})


class ModelServer:
    """A scripted OpenAI-compatible server: each POST takes the next reply (the last one repeats)."""

    def __init__(self, *replies: Reply, models: Reply = MODELS) -> None:
        self.replies, self.models = list(replies), models
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                server.models(self)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                server.requests.append(json.loads(self.rfile.read(length)))
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                reply = server.replies[min(len(server.requests), len(server.replies)) - 1]
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client stopped reading
                    reply(self)

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/v1"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[..., ModelServer]]:
    started: list[ModelServer] = []

    def start(*replies: Reply, models: Reply = MODELS) -> ModelServer:
        started.append(ModelServer(*replies, models=models))
        return started[-1]

    yield start
    for server in started:
        server.close()


def rewrite_with(url: str, articles: list[Article], **settings: Any) -> Any:
    chosen = {"rewrite_model": f"openai:{url}#m", "rewrite_retries": 1, "rewrite_timeout_s": 10, **settings}
    return Summarizer(Settings(**chosen)).summarize(articles, max_words=60, rewrite="on")


# -- choosing a backend


def test_backend_names_are_defined_once() -> None:
    assert set(BACKENDS) == set(get_args(BackendName))


@pytest.mark.parametrize(
    ("settings", "kind", "name"),
    [
        ({"rewrite_model": "dummy"}, "DummyRewriter", "dummy"),
        ({"rewrite_model": "openai:http://127.0.0.1:9/v1#qwen"}, "OpenAIRewriter", "openai:http://127.0.0.1:9/v1#qwen"),
        (
            {"rewrite_model": "qwen", "rewrite_backend": "openai", "rewrite_url": "http://u:secret@h:8000/v1"},
            "OpenAIRewriter",
            "openai:http://h:8000/v1#qwen",  # no credentials in the name /info and reports show
        ),
        ({"rewrite_model": "transformers:m.gguf"}, "TransformersRewriter", "m.gguf"),
        ({"rewrite_model": "llama:m.gguf"}, "LlamaRewriter", "m.gguf"),
        ({"rewrite_model": "facebook/bart-large-cnn"}, "TransformersRewriter", "facebook/bart-large-cnn"),
    ],
)
def test_the_spec_chooses_the_backend(settings: dict[str, Any], kind: str, name: str) -> None:
    rewriter = make_rewriter(Settings(**settings))
    assert type(rewriter).__name__ == kind
    assert rewriter is not None and rewriter.name == name


def test_a_gguf_file_goes_to_llama_cpp_when_it_is_installed() -> None:
    expected = "LlamaRewriter" if find_spec("llama_cpp") else "TransformersRewriter"
    assert type(make_rewriter(Settings(rewrite_model="models/x.gguf"))).__name__ == expected


# -- the dummy backend


def test_dummy_rewrites_are_checked_and_deterministic(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    summary = Summarizer(Settings(rewrite_model="dummy")).summarize(seed_articles, max_words=100, rewrite="on")
    assert summary.mode == "abstractive"
    assert summary.rewrite is not None and summary.rewrite.faithful
    assert summary.brief == summary.rewrite.text
    picked = summarizer.summarize(seed_articles, max_words=100).sentences
    assert DummyRewriter().rewrite(picked, 100, 1.0).text == summary.brief  # deterministic


def test_dummy_fusion_rule() -> None:
    from service.backends.dummy import fuse
    from service.result import ScoreParts, SelectedSentence

    def sentence(doc: str, text: str) -> SelectedSentence:
        return SelectedSentence(
            doc_id=doc,
            index=0,
            char_start=0,
            char_end=len(text),
            spans=[(0, len(text))],
            text=text,
            score=ScoreParts({}),
            support=[doc],
        )

    fused = fuse(
        [
            sentence("a", "Officials met in Beijing."),
            sentence("a", "They agreed to talk again."),
            sentence("b", "The talks were candid."),
            sentence("b", "I was there."),
        ]
    )
    assert fused == "Officials met in Beijing; they agreed to talk again. The talks were candid. I was there."


def test_dummy_through_the_cli_is_byte_identical_and_needs_no_torch() -> None:
    flags = ["summarize", str(SEEDS), "--rewrite", "on", "--model", "dummy", "--format", "json"]
    first, second = newsbrief(*flags), newsbrief(*flags)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    record = json.loads(first.stdout)
    assert record["mode"] == "abstractive"
    assert "seconds" not in record["rewrite"]  # timings only with --timings
    probe = (
        "import sys; from service import Summarizer, Settings; from service.reading import read_paths; "
        f"s = Summarizer(Settings(rewrite_model='dummy')).summarize(read_paths([{str(SEEDS)!r}]), rewrite='on'); "
        "assert s.mode == 'abstractive'; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.anyio
async def test_dummy_through_the_api() -> None:
    from service.api import create_app

    app = create_app(Settings(rewrite="on", rewrite_model="dummy"))
    articles = [{"text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            info = (await client.get("/info")).json()
            body = (await client.post("/v1/summaries", json={"articles": articles})).json()
    assert info["rewrite"] == {"mode": "on", "model": "dummy", "loaded": True, "reason": None}
    assert body["mode"] == "abstractive"
    assert body["rewrite"]["faithful"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# -- the circuit breaker


def test_breaker_opens_after_failures_and_lets_one_trial_through() -> None:
    now = [0.0]
    breaker = Breaker(failures=2, reset_s=10, clock=lambda: now[0])
    breaker.enter()
    breaker.failed()
    assert breaker.allows()
    breaker.failed()
    assert not breaker.allows()
    with pytest.raises(ModelError, match="tried again in 10 s") as refused:
        breaker.enter()
    assert refused.value.reason == Fallback.UNAVAILABLE
    now[0] = 10.0
    assert breaker.allows()
    breaker.enter()  # the trial
    assert not breaker.allows()  # one trial at a time
    with pytest.raises(ModelError):
        breaker.enter()
    breaker.failed()  # the trial failed: open again, for another 10 s
    now[0] = 15.0
    assert not breaker.allows()
    now[0] = 20.0
    breaker.enter()
    breaker.succeeded()
    assert breaker.allows()
    breaker.enter()


# -- the OpenAI-compatible backend against a scripted server


def test_a_faithful_completion_is_the_brief(serve: Callable[..., ModelServer], seed_articles: list[Article]) -> None:
    server = serve(completion(f"  {COPIED}\n"))
    summary = rewrite_with(server.url, seed_articles, rewrite_api_key="sk-test", rewrite_seed=7)
    assert summary.mode == "abstractive", summary.notes
    assert summary.brief == COPIED
    assert summary.rewrite.tokens_in == 77
    assert summary.rewrite.model == f"openai:{server.url}#m"
    request = server.requests[0]
    assert (request["model"], request["temperature"], request["seed"], request["stream"]) == ("m", 0, 7, False)
    assert request["max_tokens"] > 60
    assert "root ::=" in request["grammar"]  # the copy constraint, as a GBNF grammar
    assert server.headers[0]["authorization"] == "Bearer sk-test"
    assert server.headers[0]["accept-encoding"] == "identity"
    off = rewrite_with(serve(completion(COPIED)).url, seed_articles, rewrite_constraint="off")
    assert off.mode == "abstractive"


def test_the_same_request_each_time(serve: Callable[..., ModelServer], seed_articles: list[Article]) -> None:
    server = serve(completion(COPIED))
    rewrite_with(server.url, seed_articles)
    rewrite_with(server.url, seed_articles)
    assert server.requests[0] == server.requests[1]


def test_an_invented_completion_falls_back(serve: Callable[..., ModelServer], seed_articles: list[Article]) -> None:
    summary = rewrite_with(serve(completion(INVENTED)).url, seed_articles)
    assert summary.mode == "extractive"
    assert summary.fallback_reason == Fallback.UNFAITHFUL


@pytest.mark.parametrize(
    "replies",
    [
        (json_reply({"error": "busy"}, 500), completion(COPIED)),
        (json_reply({"error": "slow down"}, 429, {"retry-after": "0"}), completion(COPIED)),
        (json_reply(b"", 502), completion(COPIED)),
    ],
)
def test_429_and_5xx_are_retried(
    serve: Callable[..., ModelServer], seed_articles: list[Article], replies: tuple[Reply, ...]
) -> None:
    server = serve(*replies)
    summary = rewrite_with(server.url, seed_articles)
    assert summary.mode == "abstractive", summary.notes
    assert len(server.requests) == 2


def test_a_server_that_stays_down_opens_the_circuit(
    serve: Callable[..., ModelServer], seed_articles: list[Article]
) -> None:
    server = serve(json_reply({"error": "down"}, 503))
    summarizer = Summarizer(
        Settings(rewrite_model=f"openai:{server.url}#m", rewrite_retries=1, rewrite_breaker_failures=2)
    )
    reasons = [summarizer.summarize(seed_articles, rewrite="on").fallback_reason for _ in range(3)]
    assert reasons == [Fallback.UNAVAILABLE] * 3
    assert len(server.requests) == 4  # two calls of two tries; the third is refused without a request
    third = summarizer.summarize(seed_articles, rewrite="on")
    assert any("tried again in" in note for note in third.notes)
    assert summarizer.rewriter is not None and not summarizer.rewriter.loaded  # rewrite=auto skips it
    assert summarizer.summarize(seed_articles, rewrite="auto").fallback_reason == Fallback.NOT_LOADED


def test_a_trial_call_that_fails_oddly_still_ends(
    serve: Callable[..., ModelServer], seed_articles: list[Article]
) -> None:
    """A Retry-After of "²" (a digit to str.isdigit, not to float) once escaped the breaker's
    bookkeeping as a ValueError, leaving the trial in flight and the circuit open for good."""
    server = serve(json_reply({}, 429, {"retry-after": "²"}), completion(COPIED))
    settings = {"rewrite_retries": 0, "rewrite_breaker_failures": 1, "rewrite_breaker_reset_s": 0.1}
    summarizer = Summarizer(Settings(rewrite_model=f"openai:{server.url}#m", **settings))
    assert summarizer.summarize(seed_articles, rewrite="on").fallback_reason == Fallback.UNAVAILABLE
    time.sleep(0.2)
    assert summarizer.summarize(seed_articles, rewrite="on").mode == "abstractive"


def test_the_circuit_closes_when_the_server_is_back(
    serve: Callable[..., ModelServer], seed_articles: list[Article]
) -> None:
    server = serve(json_reply({}, 500), completion(COPIED))
    # reset after 2 s: the second brief must come within it even on a loaded machine (0.2 s did not)
    settings = {"rewrite_retries": 0, "rewrite_breaker_failures": 1, "rewrite_breaker_reset_s": 2.0}
    summarizer = Summarizer(Settings(rewrite_model=f"openai:{server.url}#m", **settings))
    assert summarizer.summarize(seed_articles, rewrite="on").fallback_reason == Fallback.UNAVAILABLE
    assert summarizer.summarize(seed_articles, rewrite="on").fallback_reason == Fallback.UNAVAILABLE  # open
    time.sleep(2.1)
    assert summarizer.summarize(seed_articles, rewrite="on").mode == "abstractive"  # the trial closes it


def test_a_server_that_is_not_there(seed_articles: list[Article]) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket closes
    start = time.monotonic()
    summary = rewrite_with(f"http://127.0.0.1:{port}/v1", seed_articles)
    assert summary.fallback_reason == Fallback.UNAVAILABLE
    assert any("unavailable" in note for note in summary.notes)
    assert time.monotonic() - start < 30  # hang guard


def slow(seconds: float) -> Reply:
    def reply(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        completion(COPIED)(handler)

    return reply


def dripping(handler: BaseHTTPRequestHandler) -> None:
    """Headers at once, then the body one byte at a time, forever (until the client leaves)."""
    handler.send_response(200)
    handler.send_header("content-type", "application/json")
    handler.end_headers()
    for _ in range(10_000):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.05)


@pytest.mark.parametrize("reply", [slow(5), dripping])
def test_slow_servers_time_out_within_the_budget(
    serve: Callable[..., ModelServer], seed_articles: list[Article], reply: Reply
) -> None:
    server = serve(reply)
    start = time.monotonic()
    summary = rewrite_with(server.url, seed_articles, rewrite_timeout_s=1)
    assert summary.fallback_reason == Fallback.TIMEOUT
    assert time.monotonic() - start < 30  # hang guard: the budget is 1 s


def late_byte(handler: BaseHTTPRequestHandler) -> None:
    """Headers at once, one byte just before a 6 s budget ends, then silence (httpx's read timeout
    restarts with each byte, so without the watchdog the read would wait a whole budget more)."""
    handler.send_response(200)
    handler.send_header("content-type", "application/json")
    handler.end_headers()
    handler.wfile.flush()
    time.sleep(5.7)
    handler.wfile.write(b" ")
    handler.wfile.flush()
    time.sleep(60)


def test_a_byte_at_the_end_of_the_budget_does_not_extend_it(
    serve: Callable[..., ModelServer], seed_articles: list[Article]
) -> None:
    server = serve(late_byte)
    settings = Settings(rewrite_model=f"openai:{server.url}#m", rewrite_retries=0, rewrite_timeout_s=6)
    summarizer = Summarizer(settings)
    summarizer.summarize(seed_articles)  # the pipeline warm: the clock below is the rewrite's
    start = time.monotonic()
    summary = summarizer.summarize(seed_articles, max_words=60, rewrite="on")
    assert summary.fallback_reason == Fallback.TIMEOUT
    # a 6 s budget; without the watchdog ~11.7 s (the byte at 5.7 s restarts a 6 s read timeout)
    assert time.monotonic() - start < 9.5


def test_the_request_deadline_bounds_the_rewrite(
    serve: Callable[..., ModelServer], seed_articles: list[Article]
) -> None:
    server = serve(slow(5))
    summarizer = Summarizer(Settings(rewrite_model=f"openai:{server.url}#m", rewrite_timeout_s=60))
    summary = summarizer.summarize(seed_articles, rewrite="on", deadline=time.monotonic() + 2)
    assert summary.fallback_reason == Fallback.TIMEOUT


def huge(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("content-type", "application/json")
    handler.end_headers()
    chunk = b"x" * 65536
    for _ in range(2 * MAX_RESPONSE_BYTES // len(chunk) + 50):
        handler.wfile.write(chunk)


def nested(depth: int) -> bytes:
    return b'{"choices": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    ("reply", "reason", "words"),
    [
        (json_reply(b"<html>502 Bad Gateway</html>"), Fallback.BAD_RESPONSE, "not JSON"),
        (json_reply(b'{"choices": [{"message": {"content": "cut'), Fallback.BAD_RESPONSE, "not JSON"),
        (json_reply(nested(100_000)), Fallback.BAD_RESPONSE, "not"),
        (huge, Fallback.BAD_RESPONSE, f"over {MAX_RESPONSE_BYTES} bytes"),
        (json_reply({"choices": []}), Fallback.BAD_RESPONSE, "not a chat completion"),
        (json_reply({"choices": [{"message": {"content": None}}]}), Fallback.BAD_RESPONSE, "not a chat completion"),
        (completion(42), Fallback.BAD_RESPONSE, "not a chat completion"),
        (json_reply(["not", "an", "object"]), Fallback.BAD_RESPONSE, "not a chat completion"),
        (
            json_reply(gzip.compress(json.dumps({"choices": []}).encode()), headers={"content-encoding": "gzip"}),
            Fallback.BAD_RESPONSE,
            "compressed",
        ),
        (json_reply({}, 202), Fallback.BAD_RESPONSE, "HTTP 202"),
        (completion(""), Fallback.UNFAITHFUL, "empty"),
        (completion(COPIED + " \ud800"), Fallback.BAD_RESPONSE, "not Unicode text"),
        (completion("word " * 5000), Fallback.UNFAITHFUL, "not faithful"),
        (json_reply({"error": {"message": "bad key"}}, 401), Fallback.REJECTED, "HTTP 401"),
        (json_reply({"error": "grammar not supported"}, 400), Fallback.REJECTED, "grammar not supported"),
    ],
)
def test_broken_answers_fall_back_with_their_reason(
    serve: Callable[..., ModelServer], seed_articles: list[Article], reply: Reply, reason: Fallback, words: str
) -> None:
    summary = rewrite_with(serve(reply).url, seed_articles, rewrite_api_key="sk-secret")
    assert summary.mode == "extractive"
    assert summary.fallback_reason == reason
    unsupported = summary.rewrite.unsupported if summary.rewrite else []
    notes = " ".join([*summary.notes, *(u.reason for u in unsupported)])
    assert words in notes
    assert "sk-secret" not in json.dumps(summary.model_dump(mode="json"))


@pytest.mark.parametrize(
    ("models", "words"),
    [
        (json_reply({"data": [{"id": "other"}]}), "does not serve 'm'; it serves 'other'"),
        (json_reply({"data": "nope"}), "no model list"),
        (json_reply({}, 404), "HTTP 404"),
    ],
)
def test_a_server_without_the_model(
    serve: Callable[..., ModelServer], seed_articles: list[Article], models: Reply, words: str
) -> None:
    summary = rewrite_with(serve(completion(COPIED), models=models).url, seed_articles)
    assert summary.mode == "extractive"
    assert any(words in note for note in summary.notes), summary.notes


def test_a_server_down_at_start_is_used_once_it_answers(
    serve: Callable[..., ModelServer], seed_articles: list[Article]
) -> None:
    down = iter([json_reply({"error": "starting"}, 503)])

    def models(handler: BaseHTTPRequestHandler) -> None:
        next(down, MODELS)(handler)

    server = serve(completion(COPIED), models=models)
    summarizer = Summarizer(Settings(rewrite_model=f"openai:{server.url}#m", rewrite_retries=0))
    assert summarizer.rewriter is not None
    with pytest.raises(ModelError) as warm_up:
        summarizer.rewriter.load()
    assert warm_up.value.reason == Fallback.UNAVAILABLE
    assert summarizer.rewriter.loaded  # down once is not down for good: rewrite=auto tries it
    assert summarizer.summarize(seed_articles, rewrite="auto").mode == "abstractive"


def test_a_server_without_the_model_is_not_asked_again(
    serve: Callable[..., ModelServer], seed_articles: list[Article]
) -> None:
    server = serve(completion(COPIED), models=json_reply({"data": [{"id": "other"}]}))
    summarizer = Summarizer(Settings(rewrite_model=f"openai:{server.url}#m"))
    first = summarizer.summarize(seed_articles, rewrite="on")
    assert summarizer.rewriter is not None and not summarizer.rewriter.loaded
    second = summarizer.summarize(seed_articles, rewrite="on")
    assert first.notes == second.notes and first.fallback_reason == Fallback.LOAD_FAILED
    assert summarizer.summarize(seed_articles, rewrite="auto").fallback_reason == Fallback.NOT_LOADED
    assert server.requests == []


@pytest.mark.parametrize("target", ["ftp://h/v1#m", "http:///v1#m", "http://h/v1#", "m"])
def test_a_bad_server_address_fails_to_load(target: str) -> None:
    with pytest.raises(ModelError, match="needs a base URL and a model") as failed:
        OpenAIRewriter(target, Settings()).load()
    assert failed.value.reason == Fallback.LOAD_FAILED


@pytest.mark.anyio
async def test_rewrite_on_with_a_server_that_is_down_fails_the_start() -> None:
    from service.api import create_app

    app = create_app(Settings(rewrite="on", rewrite_model="openai:http://127.0.0.1:9/v1#m", rewrite_retries=0))
    with pytest.raises(ModelError, match="cannot be used"):
        async with app.router.lifespan_context(app):
            pass


def test_server_models_are_listed_not_pulled() -> None:
    from service.model_registry import SERVED, entries, pull

    models = Path(__file__).resolve().parent.parent / "models"
    served = {e.name for e in entries(models) if e.kind == SERVED}
    assert {"qwen2_5-7b-instruct", "llama-3_1-8b-instruct", "mistral-7b-instruct"} <= served
    with pytest.raises(ModelError, match="runs behind a model server") as refused:
        pull("qwen2_5-7b-instruct", models)
    assert refused.value.reason == Fallback.LOAD_FAILED
    listed = newsbrief("models", "list", cwd=models.parent)
    assert listed.returncode == 0 and "Qwen/Qwen2.5-7B-Instruct" in listed.stdout


class WordLlama:
    """A llama_cpp.Llama double: one token per word (with its leading space) or mark, and a model
    that would end the text at once, else at the next full stop: what the logits processor allows
    decides the rest (greedy; the lowest id wins a tie)."""

    END = 0

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def tokenize(self, text: bytes, add_bos: bool = False, special: bool = False) -> list[int]:
        pieces = re.findall(r" ?[^ ]+", text.decode("utf-8"))
        return [self.ids.setdefault(p, len(self.ids) + 1) for p in pieces]

    def detokenize(self, tokens: list[int]) -> bytes:
        pieces = {i: p for p, i in self.ids.items()}
        return "".join(pieces[t] for t in tokens if t != self.END).encode("utf-8")

    def token_eos(self) -> int:
        return self.END

    def create_chat_completion(self, messages: list[dict[str, str]], **options: Any) -> dict[str, Any]:
        prompt = self.tokenize(" ".join(m["content"] for m in messages).encode("utf-8"))
        generated: list[int] = []
        while len(generated) < options["max_tokens"]:
            scores = np.zeros(len(self.ids) + 1, dtype=np.float32)
            scores[self.END] = 2.0
            scores[self.ids.get(".", self.END)] = max(scores[self.ids.get(".", self.END)], 1.0)
            for process in options["logits_processor"]:
                scores = process(np.array(prompt + generated), scores)
            token = int(np.argmax(scores))
            if token == self.END:
                break
            generated.append(token)
        text = self.detokenize(generated).decode("utf-8")
        return {"choices": [{"message": {"content": text}}], "usage": {"prompt_tokens": len(prompt)}}


@pytest.mark.parametrize("share", [0.0, 0.5, 0.9])
def test_a_constrained_llama_rewrite_keeps_writing_to_its_floor(
    share: float, summarizer: Summarizer, seed_articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model that would stop at once writes `rewrite_min_share` of the picked sentences' words:
    the floor reaches the copy constraint of the llama.cpp backend."""
    import types

    from service.backends.llama import LlamaRewriter

    monkeypatch.setitem(sys.modules, "llama_cpp", types.SimpleNamespace(LogitsProcessorList=list))
    picked = summarizer.summarize(seed_articles, max_words=100).sentences
    rewriter = LlamaRewriter("fake.gguf", Settings(rewrite_min_share=share))
    rewriter._model = WordLlama()
    words = len(rewriter.rewrite(picked, 100, 60.0).text.split())
    floor = min(100, int(share * sum(len(s.text.split()) for s in picked)))
    assert floor <= words <= 100
    if share == 0.0:
        assert words < 10  # without a floor, the first full stop ends it
