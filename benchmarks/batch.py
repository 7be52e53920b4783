"""Batch throughput and memory: newsbrief batch (1 and 2 workers, Ray) beside sumy LexRank on the
same sets in the same run, and the memory of a long run over synthetic sets resampled from seeds/.

    NLTK_DATA=../shared/nltk_data python benchmarks/batch.py ../shared/data/duc2007_update.jsonl \
        ../shared/data/duc2006.jsonl --synthetic 20000

The DUC files are NIST material: read from the given path, never copied into the repo.
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


def ray_rate(source: Path, output: Path, words: int) -> float | None:
    try:
        import ray
    except ImportError:
        return None
    from service.ray_engine import run_ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        stats = run_ray(Settings(), str(source), output, actors=2, max_words=words)
    finally:
        ray.shutdown()
    return stats.rate


def throughput(data: Path) -> None:
    words = json.loads(data.open(encoding="utf-8").readline())["budget"]["words"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        one = run_batch(Settings(), str(data), out, workers=1, max_words=words).rate
        two = run_batch(Settings(), str(data), out, workers=2, max_words=words).rate
        distributed = ray_rate(data, out, words)
        peer = sumy_lexrank_rate(data, words)
    ray_cell = f"{distributed:.2f}" if distributed is not None else "not installed"
    print(f"| {data.name} | {one:.2f} | {two:.2f} | {ray_cell} | {peer:.2f} |", flush=True)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, nargs="*", help="DUC-style JSON Lines sets")
    parser.add_argument("--synthetic", type=int, default=20000, help="sets in the memory run (0: skip)")
    args = parser.parse_args()
    if args.data:
        print("sets per second (higher is better), same sets, same machine, same run\n")
        print("| data | newsbrief, 1 worker | newsbrief, 2 workers | newsbrief, Ray (2 actors) | sumy LexRank |")
        print("|---|---|---|---|---|")
        for data in args.data:
            throughput(data)
    if args.synthetic:
        memory(args.synthetic)


if __name__ == "__main__":
    main()
