"""Batch throughput and memory: newsbrief batch (1 and 2 workers) beside sumy LexRank on the same
sets in the same run; the memory of a long run over synthetic sets resampled from seeds/; and the
local engine against the Ray engine with 1, 2 and 4 processes / actors (--scaling N sets).

    NLTK_DATA=../shared/nltk_data python benchmarks/batch.py ../shared/data/duc2007_update.jsonl \
        ../shared/data/duc2006.jsonl --synthetic 20000
    RAY_AUTH_MODE=token python benchmarks/batch.py --synthetic 0 --scaling 2000 --ray-address 127.0.0.2:6391

--scaling runs on the Ray cluster at --ray-address (its token as for `newsbrief batch`), or on a
Ray started in this process when none is given. The DUC files are NIST material: read from the
given path, never copied into the repo.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from service import Settings
from service.batch import run_batch
from service.sets import parse_set

ROOT = Path(__file__).resolve().parent.parent


def sumy_lexrank_rate(source: Path, words: int) -> float:
    from quality import Cluster, sumy  # the same peer set-up as the quality benchmark

    run = sumy("lexrank")
    lines = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    start = time.perf_counter()
    for number, line in enumerate(lines, start=1):
        run(Cluster(parse_set(line, number).articles, [], None, []), words)
    return len(lines) / (time.perf_counter() - start)


def throughput(data: Path) -> None:
    words = json.loads(data.open(encoding="utf-8").readline())["budget"]["words"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        one = run_batch(Settings(), str(data), out, workers=1, max_words=words).rate
        two = run_batch(Settings(), str(data), out, workers=2, max_words=words).rate
        peer = sumy_lexrank_rate(data, words)
    print(f"| {data.name} | {one:.2f} | {two:.2f} | {peer:.2f} |", flush=True)


def synthetic(path: Path, count: int) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    rng = random.Random(0)
    with gzip.open(path, "wt", encoding="utf-8") as sink:
        for i in range(count):
            chosen = rng.sample(range(len(texts)), rng.randint(2, 5))
            docs = [{"id": f"d{j}", "text": texts[j]} for j in chosen]
            sink.write(json.dumps({"id": f"set-{i}", "documents": docs}) + "\n")


def tree_rss_mib(pid: int) -> float:
    out = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return sum(int(v) for v in out.stdout.split()) / 1024


def memory(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "sets.jsonl.gz", Path(tmp) / "out.jsonl"
        synthetic(source, count)
        cmd = [sys.executable, "-m", "service", "batch", str(source), "-o", str(out), "--workers", "2", "--no-progress"]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
        samples: list[tuple[int, float]] = []
        while proc.poll() is None:
            done = out.read_bytes().count(b"\n") if out.exists() else 0
            samples.append((done, tree_rss_mib(proc.pid)))
            time.sleep(1.0)
        seconds = time.perf_counter() - start
        summary = proc.stderr.read().strip().splitlines()[-1] if proc.stderr else ""
    print(f"\n{count} synthetic sets (gzip), --workers 2: {seconds:.0f} s; {summary}")
    print("| records written | RSS of the process tree (MiB) |")
    print("|---|---|")
    for fraction in (0.1, 0.25, 0.5, 0.75, 0.95):
        done, rss = min(samples, key=lambda s: abs(s[0] - fraction * count))
        print(f"| {done} | {rss:.0f} |")
    print(f"peak: {max(rss for _, rss in samples):.0f} MiB")


def scaling(count: int, address: str | None) -> None:
    """Sets per second over `count` synthetic sets, start-up of the processes / actors included (on
    Ray: actors started and ready; the cluster is already up and connected, as for a user)."""
    import ray

    from service.ray_engine import ray_lines

    sizes = (1, 2, 4)
    ray.init(address=address, num_cpus=None if address else max(sizes), include_dashboard=False, log_to_driver=False)
    cpus = ray.cluster_resources().get("CPU", 0)
    print(f"\n{count} synthetic sets (gzip), sets per second, start-up included; Ray cluster: {cpus:g} CPUs")
    print("| processes / actors | local engine | Ray engine |\n|---|---|---|")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source, out, local = Path(tmp) / "sets.jsonl.gz", Path(tmp) / "ray.jsonl", Path(tmp) / "local.jsonl"
            synthetic(source, count)
            for size in sizes:
                start = time.perf_counter()
                run_batch(Settings(), str(source), local, workers=size)
                local_rate = count / (time.perf_counter() - start)
                start = time.perf_counter()
                with ray_lines(Settings(), actors=size) as work:
                    run_batch(Settings(), str(source), out, work=work)
                ray_rate = count / (time.perf_counter() - start)
                same = "" if out.read_bytes() == local.read_bytes() else " (OUTPUT DIFFERS)"
                print(f"| {size} | {local_rate:.1f} | {ray_rate:.1f}{same} |", flush=True)
    finally:
        ray.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, nargs="*", help="DUC-style JSON Lines sets")
    parser.add_argument("--synthetic", type=int, default=20000, help="sets in the memory run (0: skip)")
    parser.add_argument("--scaling", type=int, default=0, help="sets in the local-vs-Ray run (0: skip)")
    parser.add_argument("--ray-address", help="the Ray cluster of the scaling run; default: Ray in this process")
    args = parser.parse_args()
    if args.data:
        print("sets per second (higher is better), same sets, same machine, same run\n")
        print("| data | newsbrief, 1 worker | newsbrief, 2 workers | sumy LexRank |")
        print("|---|---|---|---|")
        for data in args.data:
            throughput(data)
    if args.synthetic:
        memory(args.synthetic)
    if args.scaling:
        scaling(args.scaling, args.ray_address)


if __name__ == "__main__":
    main()
