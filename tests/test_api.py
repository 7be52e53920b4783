"""Every route and every error of the HTTP API, in-process (httpx ASGI transport, lifespan run)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from service import Article, Settings, Summarizer, Summary
from service.api import create_app
from service.errors import NewsbriefError
from tests.conftest import SEEDS
from tests.provenance import assert_traceable
from tests.serving import client_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def seed_payload(**options: Any) -> dict[str, Any]:
    articles = [{"text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]
    return {"articles": articles, "options": options}


class SlowSummarizer(Summarizer):
    """The real pipeline, held back until released, to put requests in flight on purpose."""

    def __init__(self, settings: Settings, delay_s: float = 0.0) -> None:
        super().__init__(settings)
        self.delay_s = delay_s
        self.release = threading.Event()
        self.outcomes: list[str] = []  # per call: "brief", or the error kind the pipeline raised

    def summarize(self, articles: Sequence[Article], **kwargs: Any) -> Summary:
        if articles and articles[0].id.startswith("slow"):
            self.release.wait(self.delay_s)
        try:
            summary = super().summarize(articles, **kwargs)
        except NewsbriefError as exc:
            self.outcomes.append(exc.kind)
            raise
        self.outcomes.append("brief")
        return summary


class BrokenSummarizer(Summarizer):
    def summarize(self, articles: Sequence[Article], **kwargs: Any) -> Summary:
        if articles and articles[0].id == "boom":
            raise RuntimeError("secret internal detail")
        return super().summarize(articles, **kwargs)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async for c in client_for(create_app(Settings())):
        yield c


def assert_envelope(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["type"] == kind
    assert body["error"]["message"]
    assert "Traceback" not in response.text
    return dict(body["error"])


async def test_summary_of_the_seeds(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/summaries", json=seed_payload(max_words=80), headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "abc-123"
    body = response.json()
    assert body["id"] == "abc-123"
    assert body["mode"] == "extractive"
    assert body["fallback_reason"] is None
    assert 0 < body["budget"]["words"] <= 80
    assert set(body["timings"]) >= {"clean_segment", "represent", "score", "select"}
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for s in body["sentences"]:
        assert_traceable(s, texts[int(s["doc_id"])])  # ids default to positions
    assert "Comments (0)" not in body["brief"]


async def test_request_id_is_generated_when_absent(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.json() == {"status": "ok"}
    assert len(response.headers["x-request-id"]) == 32


async def test_rewrite_request_falls_back_with_a_reason(client: httpx.AsyncClient) -> None:
    body = (await client.post("/v1/summaries", json=seed_payload(rewrite="auto"))).json()
    assert body["mode"] == "extractive"
    assert body["fallback_reason"] == "unconfigured"
    assert any("no rewrite model is configured" in note for note in body["notes"])


async def test_operations_routes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/ready")).json() == {"ready": True, "reason": None}
    info = (await client.get("/info")).json()
    assert info["version"] and info["limits"]["max_articles"] == 100
    await client.post("/v1/summaries", json=seed_payload())
    metrics = (await client.get("/metrics")).text
    assert 'newsbrief_stage_seconds_count{stage="score"}' in metrics
    assert "newsbrief_input_articles_count 1.0" in metrics
    assert "http_requests_total" in metrics or "http_request_duration_seconds" in metrics
    assert (await client.get("/docs")).status_code == 200
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "newsbrief"


@pytest.mark.parametrize(
    ("payload", "status", "kind", "param"),
    [
        ({"articles": []}, 422, "invalid_request", "articles"),
        ({"articles": [{"title": "no text"}]}, 422, "invalid_request", "articles[0].text"),
        ({"articles": [{"text": "x"}], "options": {"max_words": 0}}, 422, "invalid_request", "options.max_words"),
        ({"articles": [{"text": "x"}], "options": {"rewrite": "maybe"}}, 422, "invalid_request", "options.rewrite"),
        ({"articles": [{"text": "  \n "}]}, 422, "empty_input", "articles"),
        ({"articles": [{"text": "Comments (0)\nRead More\nlink"}]}, 422, "empty_input", None),
        (
            {"articles": [{"id": "a", "text": "One."}, {"id": "a", "text": "Two."}]},
            422,
            "invalid_input",
            "articles[1].id",
        ),
        ({"articles": [{"text": "x"}], "surprise": 1}, 422, "invalid_request", "surprise"),
        # a well-formed code no article is in: a param error, not "empty input"
        ({"articles": [{"text": "The council met."}], "options": {"lang": "xx"}}, 422, "invalid_input", "options.lang"),
    ],
)
async def test_client_mistakes_get_4xx_envelopes(
    client: httpx.AsyncClient, payload: dict[str, Any], status: int, kind: str, param: str | None
) -> None:
    error = assert_envelope(await client.post("/v1/summaries", json=payload), status, kind)
    assert error.get("param") == param


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/summaries", content=b'{"articles": [', headers={"content-type": "application/json"}
    )
    assert_envelope(response, 400, "invalid_json")


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    assert_envelope(await client.get("/v2/nothing"), 404, "not_found")
    assert_envelope(await client.get("/v1/summaries"), 405, "method_not_allowed")


async def test_limits_give_413() -> None:
    settings = Settings(max_articles=2, max_article_chars=50, max_body_bytes=2048)
    async for client in client_for(create_app(settings)):
        three = {"articles": [{"text": "A."}, {"text": "B."}, {"text": "C."}]}
        assert (
            "NEWSBRIEF_MAX_ARTICLES"
            in assert_envelope(await client.post("/v1/summaries", json=three), 413, "limit_exceeded")["message"]
        )
        long = {"articles": [{"text": "word " * 20}]}
        assert_envelope(await client.post("/v1/summaries", json=long), 413, "limit_exceeded")
        big = json.dumps({"articles": [{"text": "x" * 5000}]}).encode()
        assert_envelope(
            await client.post("/v1/summaries", content=big, headers={"content-type": "application/json"}),
            413,
            "body_too_large",
        )

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit must hold while streaming
            for _ in range(10):
                yield b" " * 1000

        response = await client.post("/v1/summaries", content=chunks(), headers={"content-type": "application/json"})
        assert "content-length" not in response.request.headers
        assert_envelope(response, 413, "body_too_large")


async def test_batch_results_in_order_each_on_its_own(client: httpx.AsyncClient) -> None:
    sets = [seed_payload(max_words=40), {"articles": [{"text": " "}]}, {"articles": [{"text": "Just one fact here."}]}]
    body = (await client.post("/v1/summaries:batch", json={"sets": sets})).json()
    assert [r["status"] for r in body["results"]] == [200, 422, 200]
    assert body["results"][0]["result"]["budget"]["words"] <= 40
    assert body["results"][1]["error"]["type"] == "empty_input"
    assert body["results"][2]["result"]["brief"] == "Just one fact here."


async def test_batch_cap_is_413(client: httpx.AsyncClient) -> None:
    sets = [{"articles": [{"text": "A fact."}]}] * 9
    assert_envelope(await client.post("/v1/summaries:batch", json={"sets": sets}), 413, "limit_exceeded")


async def test_api_key() -> None:
    async for client in client_for(create_app(Settings(api_key="s3cret"))):
        payload = {"articles": [{"text": "A fact."}]}
        assert_envelope(await client.post("/v1/summaries", json=payload), 401, "unauthorized")
        wrong = {"Authorization": "Bearer nope"}
        assert_envelope(await client.post("/v1/summaries", json=payload, headers=wrong), 401, "unauthorized")
        right = {"Authorization": "Bearer s3cret"}
        assert (await client.post("/v1/summaries", json=payload, headers=right)).status_code == 200
        assert (await client.get("/health")).status_code == 200  # probes need no key


async def test_overload_is_429_with_retry_after() -> None:
    settings = Settings(max_in_flight=1)
    slow = SlowSummarizer(settings, delay_s=10)
    async for client in client_for(create_app(settings, slow)):
        first: list[httpx.Response] = []

        async def hold_the_only_slot(c: httpx.AsyncClient = client, out: list[httpx.Response] = first) -> None:
            out.append(await c.post("/v1/summaries", json={"articles": [{"id": "slow", "text": "A fact."}]}))

        async with anyio.create_task_group() as tg:
            tg.start_soon(hold_the_only_slot)
            await anyio.sleep(0.2)
            second = await client.post("/v1/summaries", json={"articles": [{"text": "Another fact."}]})
            slow.release.set()
        assert_envelope(second, 429, "overloaded")
        assert second.headers["retry-after"] == "1"
        assert first[0].status_code == 200
        metrics = (await client.get("/metrics")).text
        assert 'newsbrief_rejections_total{reason="overloaded"} 1.0' in metrics


async def test_in_flight_bytes_are_bounded_before_the_body_is_read() -> None:
    settings = Settings(max_in_flight_bytes=4096)
    slow = SlowSummarizer(settings, delay_s=10)
    async for client in client_for(create_app(settings, slow)):
        held: list[httpx.Response] = []
        big: dict[str, Any] = {"articles": [{"id": "slow", "text": "A fact. " * 400}]}  # 3.2 KB of the 4 KB

        async def hold(c: httpx.AsyncClient = client, out: list[httpx.Response] = held, body: Any = big) -> None:
            out.append(await c.post("/v1/summaries", json=body))

        async with anyio.create_task_group() as tg:
            tg.start_soon(hold)
            await anyio.sleep(0.2)
            refused = await client.post("/v1/summaries", json={"articles": [{"text": "Another fact. " * 100}]})
            small = await client.post("/v1/summaries", json={"articles": [{"text": "A small fact."}]})
            slow.release.set()
        assert_envelope(refused, 429, "overloaded")
        assert "NEWSBRIEF_MAX_IN_FLIGHT_BYTES" in refused.json()["error"]["message"]
        assert small.status_code == 200  # what fits the rest of the budget is let in
        assert held[0].status_code == 200


async def test_deadline_is_504_and_no_stage_runs_after_it() -> None:
    settings = Settings(request_timeout_s=0.2, max_in_flight=1)
    slow = SlowSummarizer(settings, delay_s=1.0)
    app = create_app(settings, slow)
    async for client in client_for(app):
        response = await client.post("/v1/summaries", json={"articles": [{"id": "slow", "text": "A fact."}]})
        assert_envelope(response, 504, "timeout")
        gate = app.state.newsbrief.gate
        assert gate.busy == 1  # the abandoned work still holds its slot until its thread ends
        with anyio.fail_after(60):
            while gate.busy:
                await anyio.sleep(0.05)
        assert slow.outcomes == ["timeout"]  # past the deadline the pipeline started no stage
        assert (await client.post("/v1/summaries", json={"articles": [{"text": "A fact."}]})).status_code == 200


async def test_a_batch_past_its_deadline_starts_no_later_set() -> None:
    settings = Settings(request_timeout_s=0.2)
    slow = SlowSummarizer(settings, delay_s=1.0)
    app = create_app(settings, slow)
    async for client in client_for(app):
        sets = [{"articles": [{"id": "slow", "text": "A fact."}]}, {"articles": [{"text": "Another fact."}]}]
        assert_envelope(await client.post("/v1/summaries:batch", json={"sets": sets}), 504, "timeout")
        with anyio.fail_after(60):
            while app.state.newsbrief.gate.busy:
                await anyio.sleep(0.05)
        assert slow.outcomes == ["timeout"]


async def test_unexpected_failure_is_500_without_details_and_the_app_raises_nothing() -> None:
    """Nothing is re-raised after the 500 (Starlette's outermost middleware would, and uvicorn then
    drops the keep-alive connection): this client fails on any exception the app lets out."""
    settings = Settings()
    app = create_app(settings, BrokenSummarizer(settings))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post("/v1/summaries", json={"articles": [{"id": "boom", "text": "A fact."}]})
            error = assert_envelope(response, 500, "internal_error")
            assert "secret" not in error["message"]
            assert (await client.get("/health")).status_code == 200


async def test_ready_is_503_before_warmup_and_while_draining() -> None:
    app = create_app(Settings())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/ready")
        assert response.status_code == 503
        assert response.json()["reason"] == "warming up"
    async for client in client_for(app):
        app.state.newsbrief.draining = True
        assert (await client.get("/ready")).json() == {"ready": False, "reason": "draining"}
        assert_envelope(await client.post("/v1/summaries", json={"articles": [{"text": "A."}]}), 503, "unavailable")


def test_openapi_snapshot() -> None:
    """The committed tests/openapi.json is the contract; regenerate with UPDATE_OPENAPI=1."""
    import os

    snapshot = Path(__file__).with_name("openapi.json")
    current = json.dumps(create_app(Settings()).openapi(), indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_OPENAPI") == "1":
        snapshot.write_text(current, encoding="utf-8")
    assert current == snapshot.read_text(encoding="utf-8"), "API changed: review, then run UPDATE_OPENAPI=1 pytest"


def test_slow_summarizer_is_the_real_pipeline() -> None:
    slow = SlowSummarizer(Settings())
    start = time.perf_counter()
    assert slow.summarize([Article(id="x", text="A fact.")]).brief == "A fact."
    assert time.perf_counter() - start < 30


async def test_the_warm_up_does_not_rewrite(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model is loaded once after the warm-up; a warm-up rewrite would load a second copy, or
    wait a whole rewrite budget on a model server that does not answer."""
    from service.backends.dummy import DummyRewriter

    calls: list[int] = []
    real = DummyRewriter.rewrite
    monkeypatch.setattr(DummyRewriter, "rewrite", lambda self, *a: calls.append(1) or real(self, *a))
    app = create_app(Settings(rewrite_model="dummy", rewrite="on"))
    async for client in client_for(app):
        assert (await client.get("/ready")).status_code == 200
        assert calls == []
        response = await client.post("/v1/summaries", json=seed_payload(rewrite="on"))
        assert response.status_code == 200 and calls == [1]


def test_the_warm_up_runs_every_stage(summarizer: Summarizer) -> None:
    """Conflicts and quotes load what they need on first use: the warm-up must reach them."""
    from service.api.app import WARMUP

    summary = summarizer.summarize(WARMUP)
    assert summary.conflicts and summary.quotes
    assert len(summary.sentences) >= 2
