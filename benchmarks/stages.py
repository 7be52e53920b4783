"""CPU time of each pipeline stage per warm call, on the seeds and (optionally) a DUC set.

    python benchmarks/stages.py [--calls 50] [--repeats 5] [--set ../shared/data/duc2007_update.jsonl [--set-calls 1]]

CPU time (`time.process_time`), not wall time: the development machine is shared, and other
processes stretch wall time more than this. After one warm-up call per input (caches filled, as in
a long-lived server), each stage of `Summarizer.stages` is timed on every call; "rest" is the
summary's assembly after the stages (provenance, quotes featured, result record). Each figure is
the lowest of `--repeats` passes' means: on a shared machine a pass is only ever slowed down.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from service import Article, Settings, Summarizer
from service.reading import read_paths
from service.summarizer import Work

ROOT = Path(__file__).resolve().parent.parent


def timed(summarizer: Summarizer, cpu: dict[str, float]) -> None:
    """Wrap every stage of `summarizer` so that its CPU seconds add up in `cpu`."""

    def wrap(name: str, stage: Callable[[Work], Work]) -> Callable[[Work], Work]:
        def run(work: Work) -> Work:
            start = time.process_time()
            try:
                return stage(work)
            finally:
                cpu[name] += time.process_time() - start

        return run

    summarizer.stages = tuple((name, wrap(name, stage)) for name, stage in summarizer.stages)


def measure(inputs: Sequence[tuple[list[Article], int]], calls: int, repeats: int) -> dict[str, float]:
    """CPU ms per call of each stage and in total: the lowest over `repeats` passes of the mean
    over `calls` rounds of `inputs`."""
    summarizer = Summarizer(Settings())
    for articles, words in inputs:  # warm-up: per-language resources and caches
        summarizer.summarize(articles, max_words=words)
    cpu: dict[str, float] = defaultdict(float)
    timed(summarizer, cpu)
    best: dict[str, float] = {}
    for _ in range(repeats):
        cpu.clear()
        for _ in range(calls):
            for articles, words in inputs:
                start = time.process_time()
                summarizer.summarize(articles, max_words=words)
                cpu["total"] += time.process_time() - start
        ms = {name: seconds * 1000 / (calls * len(inputs)) for name, seconds in cpu.items()}
        ms["rest"] = ms["total"] - sum(v for k, v in ms.items() if k != "total")
        best = {name: min(v, best.get(name, v)) for name, v in ms.items()}
    return best


def duc(path: Path, limit: int | None) -> list[tuple[list[Article], int]]:
    """The clusters of a DUC JSON Lines file (generic briefs at the set's word budget)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines()[:limit]:
        c = json.loads(line)
        docs = [Article(id=str(d.get("id", i)), text=d["text"]) for i, d in enumerate(c["documents"])]
        out.append((docs, int(c.get("budget", {}).get("words", 100))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="calls per pass on the seeds")
    parser.add_argument("--set-calls", type=int, default=1, help="rounds of the set's clusters per pass")
    parser.add_argument("--repeats", type=int, default=5, help="passes; each figure is the lowest pass mean")
    parser.add_argument("--set", type=Path, help="a DUC-style JSON Lines file, read by path")
    parser.add_argument("--clusters", type=int, help="only the first N clusters of --set")
    args = parser.parse_args()
    runs = [("seeds", [(read_paths([str(ROOT / "seeds")]), Settings().max_words)], args.calls)]
    if args.set:
        runs.append((args.set.name, duc(args.set, args.clusters), args.set_calls))
    for name, inputs, calls in runs:
        ms = measure(inputs, calls, args.repeats)
        parts = ", ".join(f"{k} {v:.2f}" for k, v in sorted(ms.items(), key=lambda kv: -kv[1]) if k != "total")
        print(f"{name}: {ms['total']:.2f} CPU ms per call ({len(inputs)} inputs x {calls} x {args.repeats}); {parts}")


if __name__ == "__main__":
    main()
