"""The real `newsbrief serve` process on 127.0.0.1: HTTP end to end, SIGTERM while a request is in
flight, the drain phase in every worker, metrics across workers, and readiness that tells the truth."""

from __future__ import annotations

import json
import re
import signal
import threading
import time

import httpx
import pytest

from tests.conftest import SEEDS
from tests.serving import RawConnection, assert_error, busy_request, serving, start_server

pytestmark = pytest.mark.slow

JSON = {"Content-Type": "application/json"}
ONE = json.dumps({"articles": [{"text": "Officials met on Monday and agreed to keep talking."}]}).encode()
DRAIN_S = 3


def json_logs(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def poll_until_draining(conn: RawConnection) -> None:
    """GET /ready on this keep-alive connection until it turns 503 (bounded)."""
    deadline = time.monotonic() + 30
    while True:
        reply = conn.request("GET", "/ready")
        if reply.status == 503:
            assert reply.json() == {"ready": False, "reason": "draining"}
            return
        assert reply.status == 200
        assert time.monotonic() < deadline, "/ready never turned 503"
        time.sleep(0.05)


def test_sigterm_drains_then_lets_the_request_in_flight_finish() -> None:
    with serving({"NEWSBRIEF_DRAIN_S": str(DRAIN_S)}) as served:
        base = served.base
        seeds = [{"text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]
        quick = httpx.post(f"{base}/v1/summaries", json={"articles": seeds}, timeout=30)
        assert quick.status_code == 200
        assert quick.json()["sentences"][0]["support"]

        big = busy_request(max_words=50)
        result: dict[str, httpx.Response] = {}
        worker = threading.Thread(
            target=lambda: result.update(r=httpx.post(f"{base}/v1/summaries", json=big, timeout=120))
        )
        with RawConnection(served.port) as probe:
            assert probe.request("GET", "/ready").status == 200
            worker.start()
            time.sleep(1.0)  # the request is being summarised now
            served.process.send_signal(signal.SIGTERM)
            poll_until_draining(probe)
            # the listener is still open and new work is refused while draining
            assert_error(probe.request("POST", "/v1/summaries", ONE, JSON), 503, "unavailable")
            assert probe.request("GET", "/health").status == 200
        worker.join(timeout=120)
        assert result["r"].status_code == 200
        assert result["r"].json()["budget"]["words"] <= 50
        # uvicorn re-raises the signal after its graceful shutdown, so -SIGTERM is a clean exit too
        assert served.process.wait(timeout=60) in (0, -signal.SIGTERM)
        logs = json_logs(served.output())
    requests = [entry for entry in logs if entry.get("event") == "request" and entry["path"] == "/v1/summaries"]
    assert [r["status"] for r in requests] == [200, 503, 200]
    assert all(r["request_id"] and r["duration_ms"] > 0 for r in requests)


def test_two_workers_share_metrics_and_all_drain_on_sigterm() -> None:
    with serving({"NEWSBRIEF_DRAIN_S": str(DRAIN_S)}, "--workers", "2") as served:
        assert len(served.workers()) == 2
        posts = 6
        for _ in range(posts):  # fresh connections: both workers take some
            with RawConnection(served.port) as conn:
                assert conn.request("POST", "/v1/summaries", ONE, JSON).status == 200
        counts = set()
        for _ in range(8):  # whichever worker answers, the counts are the pod's
            with RawConnection(served.port) as conn:
                text = conn.request("GET", "/metrics").body.decode()
            counts.add(re.search(r"^newsbrief_input_articles_count (\S+)$", text, re.M).group(1))  # type: ignore[union-attr]
        assert counts == {f"{posts:.1f}"}

        probes = [RawConnection(served.port) for _ in range(6)]
        try:
            for conn in probes:
                assert conn.request("GET", "/ready").status == 200
            served.process.send_signal(signal.SIGTERM)
            for conn in probes:
                poll_until_draining(conn)
                assert_error(conn.request("POST", "/v1/summaries", ONE, JSON), 503, "unavailable")
        finally:
            for conn in probes:
                conn.close()
        assert served.process.wait(timeout=60) == 0
        logs = json_logs(served.output())
    draining = {entry["pid"] for entry in logs if entry.get("event") == "draining"}
    assert len(draining) == 2, logs  # every worker drained, not only the ones the probes reached


@pytest.mark.parametrize("workers", ["1", "2"])
def test_rewrite_on_with_a_model_that_cannot_load_fails_at_start(workers: str) -> None:
    env = {
        "NEWSBRIEF_REWRITE": "on",
        "NEWSBRIEF_REWRITE_MODEL": "/nonexistent/model.gguf",
        "NEWSBRIEF_WORKERS": workers,
    }
    served = start_server(env)
    try:
        code = served.process.wait(timeout=120)
    finally:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait()
    output = served.output()
    assert code != 0
    assert "NEWSBRIEF_REWRITE=on, but the rewrite model cannot be used" in output
    assert "Traceback" not in output


def test_rewrite_auto_with_a_model_that_cannot_load_is_ready_and_says_why() -> None:
    env = {"NEWSBRIEF_REWRITE": "auto", "NEWSBRIEF_REWRITE_MODEL": "/nonexistent/model.gguf"}
    with serving(env) as served:
        assert httpx.get(f"{served.base}/ready").status_code == 200
        rewrite = httpx.get(f"{served.base}/info").json()["rewrite"]
        assert rewrite["mode"] == "auto"
        assert rewrite["loaded"] is False
        assert "extractive briefs are served" in rewrite["reason"]
        metrics = httpx.get(f"{served.base}/metrics").text
        assert re.search(r'^newsbrief_rewrite_available\{reason="\w+"\} 0\.0$', metrics, re.M), metrics
        body = httpx.post(f"{served.base}/v1/summaries", content=ONE, headers=JSON, timeout=30).json()
        assert body["mode"] == "extractive"
        assert body["fallback_reason"]


def test_served_docs_work_offline(live_server: str) -> None:
    """Every asset the Swagger UI and ReDoc pages load is served by the app itself."""
    for page in ("/docs", "/redoc"):
        html = httpx.get(f"{live_server}{page}").text
        assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", html)
        assert any(a.endswith(".js") for a in assets), html
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from elsewhere"
            assert httpx.get(f"{live_server}{asset}").status_code == 200, asset
