"""The real `newsbrief serve` process on 127.0.0.1: HTTP end to end, and SIGTERM while a request is in flight."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.conftest import SEEDS
from tests.serving import busy_request, free_port, wait_ready


@pytest.mark.slow
def test_sigterm_lets_the_request_in_flight_finish() -> None:
    port = free_port()
    env = {**os.environ, "NEWSBRIEF_PORT": str(port), "NEWSBRIEF_HOST": "127.0.0.1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, lambda: None if server.poll() is None else server.stdout.read() if server.stdout else "")

        seeds = [{"text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]
        quick = httpx.post(f"{base}/v1/summaries", json={"articles": seeds}, timeout=30)
        assert quick.status_code == 200
        assert quick.json()["sentences"][0]["support"]

        big = busy_request(max_words=50)
        result: dict[str, httpx.Response] = {}
        worker = threading.Thread(
            target=lambda: result.update(r=httpx.post(f"{base}/v1/summaries", json=big, timeout=120))
        )
        worker.start()
        time.sleep(1.0)  # the request is being summarised now
        server.send_signal(signal.SIGTERM)
        worker.join(timeout=120)
        assert result["r"].status_code == 200
        assert result["r"].json()["budget"]["words"] <= 50
        # uvicorn re-raises the signal after its graceful shutdown, so -SIGTERM is a clean exit too
        assert server.wait(timeout=60) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    logs = [
        json.loads(line)
        for line in (server.stdout.read() if server.stdout else "").splitlines()
        if line.startswith("{")
    ]
    requests = [entry for entry in logs if entry.get("event") == "request" and entry["path"] == "/v1/summaries"]
    assert [r["status"] for r in requests] == [200, 200]
    assert all(r["request_id"] and r["duration_ms"] > 0 for r in requests)
