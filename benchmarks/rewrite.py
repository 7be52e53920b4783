"""The abstractive stage measured: load time, rewrite latency, peak memory, how many rewrites pass
the faithfulness check, and ROUGE of the rewrite against the extractive brief.

    python benchmarks/rewrite.py --model PATH/TO/SmolLM2-135M-Instruct.Q4_1.gguf \
        --data ../shared/data/duc2007_update.jsonl [--limit 10]

Without --data only the seeds set is run. The DUC files are read from the given path, never copied.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from service import Article, Settings, Summarizer
from service.evaluation import METRICS, mean, rouge
from service.sets import parse_set

ROOT = Path(__file__).resolve().parent.parent


def seeds() -> list[tuple[list[Article], list[str]]]:
    articles = [Article(id=p.stem, text=p.read_text(encoding="utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    return [(articles, [])]


def clusters(path: Path, limit: int | None) -> tuple[list[tuple[list[Article], list[str]]], int]:
    out, words = [], 100
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            record = json.loads(line)
            words = record["budget"]["words"]
            out.append((parse_set(line, number).articles, record["references"]))
            if limit and len(out) >= limit:
                break
    return out, words


def run(summarizer: Summarizer, sets: list[tuple[list[Article], list[str]]], words: int, name: str) -> None:
    latencies, passed, fallbacks = [], 0, {}
    rewritten, extractive = [], []
    for articles, references in sets:
        summary = summarizer.summarize(articles, max_words=words, rewrite="on")
        report = summary.rewrite
        if report is None:
            fallbacks[summary.fallback_reason] = fallbacks.get(summary.fallback_reason, 0) + 1
            continue
        latencies.append(report.seconds)
        passed += report.faithful
        if references:
            plain = " ".join(s.text for s in summary.sentences)
            rewritten.append(rouge(report.text, references, words))
            extractive.append(rouge(plain, references, words))
    print(f"\n### {name}: {len(sets)} sets, {words} words")
    if latencies:
        print(
            f"- rewrite latency: median {statistics.median(latencies):.1f} s, max {max(latencies):.1f} s "
            f"over {len(latencies)} rewrites"
        )
        print(f"- faithfulness check passed: {passed}/{len(latencies)} ({100 * passed / len(latencies):.0f} %)")
    if fallbacks:
        print(f"- no rewrite at all: {fallbacks}")
    if rewritten:
        r, e = mean(rewritten), mean(extractive)
        cells = ", ".join(f"{m} R {r.recall[m]:.2f} vs {e.recall[m]:.2f}" for m in METRICS)
        print(f"- ROUGE recall, every rewrite (even rejected ones) vs its extractive brief: {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="hub id, folder or .gguf file")
    parser.add_argument("--data", type=Path, nargs="*", default=[])
    parser.add_argument("--limit", type=int, help="first N clusters of each data file")
    args = parser.parse_args()

    summarizer = Summarizer(Settings(rewrite_model=args.model, faithfulness="strict"))
    assert summarizer.rewriter is not None
    start = time.perf_counter()
    summarizer.rewriter.load()
    load_s = time.perf_counter() - start
    print(f"model: {args.model}\n- load (incl. GGUF de-quantisation): {load_s:.1f} s")
    run(summarizer, seeds(), 100, "seeds")
    for path in args.data:
        sets, words = clusters(path, args.limit)
        run(summarizer, sets, words, path.name)
    print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
