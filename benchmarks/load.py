"""Load test of the real `newsbrief serve` on 127.0.0.1 with wrk: throughput, latency percentiles,
status codes, and peak RSS of the server processes. Bounded: fixed duration per run, loopback only.

    python benchmarks/load.py --workers 2 --duration 10
    python benchmarks/load.py --rewrite dummy     # every request rewritten (rewrite=on) by that model

Needs `wrk` (Debian package `wrk`). The body is the five seed articles.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
JSON = {"content-type": "application/json"}

LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open(os.getenv("NB_BODY"), "rb"):read("*a")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do merged[code] = (merged[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(merged) do table.insert(parts, string.format('"%d": %d', code, n)) end
  local fmt = 'RESULT {"requests": %d, "seconds": %.3f, "p50": %.2f, "p95": %.2f, "p99": %.2f, '
    .. '"max": %.2f, "errors": %d, "statuses": {%s}}\n'
  io.write(string.format(fmt,
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ", ")))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree_peak_rss_mib(pid: int) -> float:
    """Sum of VmHWM (peak resident set) over the server process and its children."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                pids.append(int(entry.name))
    total = 0
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        total += int(match.group(1)) if match else 0
    return total / 1024


def wrk(url: str, body: Path, script: Path, connections: int, duration: int) -> dict[str, object]:
    threads = 1  # the load generator shares the 2 cores with the server: keep it to one
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True,
        text=True,
        env={**os.environ, "NB_BODY": str(body)},
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result: dict[str, object] = json.loads(line[len("RESULT ") :])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--clients", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--overload", type=int, default=128, help="clients in the overload run")
    parser.add_argument("--rewrite", metavar="MODEL", help="rewrite=on with this --model spec (e.g. dummy)")
    args = parser.parse_args()

    port = free_port()
    env = {
        **os.environ,
        "NEWSBRIEF_PORT": str(port),
        "NEWSBRIEF_WORKERS": str(args.workers),
        "NEWSBRIEF_LOG_LEVEL": "warning",
    }
    if args.rewrite:
        env |= {"NEWSBRIEF_REWRITE": "on", "NEWSBRIEF_REWRITE_MODEL": args.rewrite}
    server = subprocess.Popen([sys.executable, "-m", "service", "serve"], env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        with tempfile.TemporaryDirectory() as tmp:
            body = Path(tmp) / "body.json"
            seeds = [{"text": p.read_text(encoding="utf-8")} for p in sorted((ROOT / "seeds").glob("*.txt"))]
            options = {"max_words": 100, "rewrite": "on" if args.rewrite else "off"}
            body.write_text(json.dumps({"articles": seeds, "options": options}), encoding="utf-8")
            script = Path(tmp) / "post.lua"
            script.write_text(LUA, encoding="utf-8")
            url = f"{base}/v1/summaries"
            wrk(url, body, script, 4, 2)  # warm-up, not reported
            mode = httpx.post(url, content=body.read_bytes(), headers=JSON, timeout=60).json()["mode"]
            print(
                f"server: newsbrief serve, {args.workers} worker(s), rewrite {args.rewrite or 'off'} "
                f"(a brief: {mode}); body: seeds (5 articles, {body.stat().st_size} bytes)\n"
            )
            print("| clients | summaries/s | p50 ms | p95 ms | p99 ms | statuses |")
            print("|---|---|---|---|---|---|")
            for clients in [*args.clients, args.overload]:
                r = wrk(url, body, script, clients, args.duration)
                statuses = r["statuses"]
                assert isinstance(statuses, dict)
                ok = int(statuses.get("200", 0))
                rate = ok / float(str(r["seconds"]))
                label = f"{clients} (overload)" if clients == args.overload else str(clients)
                codes = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
                if r["errors"]:
                    codes += f", socket errors: {r['errors']}"
                print(
                    f"| {label} | {rate:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {codes} |", flush=True
                )
            print(f"\npeak RSS of the server processes: {tree_peak_rss_mib(server.pid):.0f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
