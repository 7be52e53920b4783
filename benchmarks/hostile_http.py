"""Hostile clients against the real `newsbrief serve` on 127.0.0.1 (bounded, loopback only):

(a) /health latency (p50, p99, max) while one maximal request (a ~10 MB article) is summarised by
    a single worker, so the probe cannot be answered by an idle sibling;
(b) floods of parallel maximal bodies (unauthenticated, then authorised) written whole before the
    reply is read: statuses, and per worker the resident set before, at its peak and after.

    python benchmarks/hostile_http.py --workers 2 --flood 40

The article is the seed reports repeated to NEWSBRIEF_MAX_ARTICLE_CHARS (no data needed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import httpx

from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-key"
DEFAULTS = Settings()
SAMPLE_S = 0.05  # RSS sampling and /health probing interval


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def maximal_body(article: Path | None) -> bytes:
    """One article: the given text file, or the seed reports repeated to NEWSBRIEF_MAX_ARTICLE_CHARS."""
    if article is not None:
        text = article.read_text(encoding="utf-8")
    else:
        seeds = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
        text = ((seeds + "\n\n") * (DEFAULTS.max_article_chars // len(seeds) + 1))[: DEFAULTS.max_article_chars]
    body = json.dumps({"articles": [{"text": text}]}).encode()
    assert len(body) <= DEFAULTS.max_body_bytes, "the article must fit the default body limit"
    return body


def start(workers: int) -> tuple[subprocess.Popen[str], int]:
    """A server whose every worker has logged `ready` (one worker's /ready says nothing of the others)."""
    port = free_port()
    env = {
        **os.environ,
        "NEWSBRIEF_HOST": "127.0.0.1",
        "NEWSBRIEF_PORT": str(port),
        "NEWSBRIEF_WORKERS": str(workers),
        "NEWSBRIEF_API_KEY": KEY,
        "NEWSBRIEF_DRAIN_S": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ready = 0
    assert server.stdout is not None
    for line in server.stdout:
        ready += line.startswith("{") and json.loads(line).get("event") == "ready"
        if ready == workers:
            break
    if ready < workers:
        raise SystemExit("the server did not start")
    while True:  # a single worker binds its port only after its warm-up
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    threading.Thread(target=drop, args=(server.stdout,), daemon=True).start()
    return server, port


def drop(lines: Iterable[str]) -> None:
    """Keep reading (and dropping) the server's log, so its workers never block on a full pipe."""
    for _ in lines:
        pass


def stop(server: subprocess.Popen[str]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=90)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def workers_of(server: subprocess.Popen[str]) -> list[int]:
    """The processes that serve: the server itself, or its spawned workers."""
    with open(f"/proc/{server.pid}/task/{server.pid}/children", encoding="ascii") as f:
        children = [int(pid) for pid in f.read().split()]
    spawned = [pid for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    return spawned or [server.pid]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def post_whole(port: int, body: bytes, authorised: bool, timeout_s: float) -> int | str:
    """Write the whole request before reading (as urllib does), then read the status line."""
    headers = [
        "POST /v1/summaries HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    if authorised:
        headers.append(f"Authorization: Bearer {KEY}")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
            sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
            status_line = sock.makefile("rb").readline()
        return int(status_line.split()[1]) if status_line else "closed"
    except OSError as exc:
        return type(exc).__name__


def health_under_load(body: bytes, timeout_s: float) -> None:
    server, port = start(1)
    try:
        outcome: dict[str, object] = {}

        def big() -> None:
            began = time.monotonic()
            outcome["status"] = post_whole(port, body, True, timeout_s)
            outcome["seconds"] = time.monotonic() - began

        worker = threading.Thread(target=big)
        worker.start()
        latencies = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            while worker.is_alive():
                began = time.perf_counter()
                assert client.get("/health").status_code == 200
                latencies.append(time.perf_counter() - began)
                time.sleep(SAMPLE_S)
        worker.join()
    finally:
        stop(server)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    print(f"## /health while one {len(body) / 1e6:.2f} MB request is summarised (1 worker)")
    print(f"- the big request: status {outcome['status']} after {outcome['seconds']:.1f} s")
    print(
        f"- /health: {len(latencies)} probes, p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
    )


def flood(port: int, pids: list[int], body: bytes, count: int, authorised: bool, timeout_s: float) -> None:
    idle = {pid: rss_mib(pid) for pid in pids}
    peak = dict(idle)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_S):
            for pid in pids:
                peak[pid] = max(peak[pid], rss_mib(pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    statuses: Counter[int | str] = Counter()
    lock = threading.Lock()

    def one() -> None:
        status = post_whole(port, body, authorised, timeout_s)
        with lock:
            statuses[status] += 1

    began = time.monotonic()
    clients = [threading.Thread(target=one) for _ in range(count)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    seconds = time.monotonic() - began
    wait_idle(port)
    time.sleep(2)  # let abandoned work (after a 504) end and memory be given back
    done.set()
    sampler.join()
    after = {pid: rss_mib(pid) for pid in pids}
    who = "authorised" if authorised else "unauthenticated"
    print(f"## {count} parallel {len(body) / 1e6:.1f} MB bodies, {who}, written whole before reading")
    print(f"- statuses: {dict(sorted(statuses.items(), key=str))} in {seconds:.1f} s")
    for pid in pids:
        print(
            f"- worker {pid}: RSS idle {idle[pid]:.0f} MiB, peak {peak[pid]:.0f} MiB, after {after[pid]:.0f} MiB "
            f"({after[pid] / idle[pid] - 1:+.0%} vs idle)"
        )


def wait_idle(port: int, limit_s: float = 300) -> None:
    """Until no request holds a slot (newsbrief_in_flight 0: abandoned work after a 504 has ended)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=60).text
        if re.search(r"^newsbrief_in_flight 0\.0$", metrics, re.M):
            return
        time.sleep(0.5)
    raise SystemExit("the server stayed busy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the floods")
    parser.add_argument("--flood", type=int, default=40, help="parallel maximal bodies per flood (0: no flood)")
    parser.add_argument("--timeout", type=float, default=300, help="per-client socket timeout, seconds")
    parser.add_argument("--skip-health", action="store_true", help="only the floods")
    parser.add_argument("--article", type=Path, help="a text file to use as the article of (a) (e.g. a reproducer)")
    args = parser.parse_args()
    body = maximal_body(None)
    if not args.skip_health:
        health_under_load(maximal_body(args.article), args.timeout)
    if args.flood == 0:
        return
    server, port = start(args.workers)
    try:
        pids = workers_of(server)
        for authorised in (False, True):
            flood(port, pids, body, args.flood, authorised, args.timeout)
    finally:
        stop(server)


if __name__ == "__main__":
    main()
