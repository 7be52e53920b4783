"""The abstractive stage measured, with and without the copy constraint: load time, rewrite
latency (wall, and the CPU time it added to the brief: on a shared machine the wall time measures
the neighbours too), how many rewrites pass the faithfulness check, their length, ROUGE of the
passing rewrites against their extractive briefs, the fallbacks by reason, peak memory. Any
backend: a .gguf (llama.cpp in process), transformers:FILE, openai:http://127.0.0.1:8080/v1#MODEL
(a model server), dummy.

    python benchmarks/rewrite.py --model PATH/TO/SmolLM2-135M-Instruct.Q4_1.gguf \
        --data ../shared/data/duc2007_update.jsonl ../shared/data/duc2006.jsonl --limit 10

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
    latencies, cpu, lengths, passed, reasons = [], [], [], 0, {}
    rewritten, extractive = [], []
    for articles, references in sets:
        start = time.process_time()
        summarizer.summarize(articles, max_words=words, rewrite="off")
        middle = time.process_time()
        summary = summarizer.summarize(articles, max_words=words, rewrite="on")
        cpu.append(time.process_time() - middle - (middle - start))
        report = summary.rewrite
        if summary.fallback_reason is not None:
            reasons[summary.fallback_reason] = reasons.get(summary.fallback_reason, 0) + 1
        if report is None:
            continue
        latencies.append(report.seconds)
        lengths.append((len(report.text.split()), len(" ".join(s.text for s in summary.sentences).split())))
        passed += report.faithful
        if references and report.faithful:
            plain = " ".join(s.text for s in summary.sentences)
            rewritten.append(rouge(report.text, references, words))
            extractive.append(rouge(plain, references, words))
    cells = [name, str(len(sets)), str(words), f"{passed}/{len(sets)} ({100 * passed / len(sets):.0f} %)"]
    cells.append(f"{statistics.median(latencies):.1f} / {max(latencies):.1f}" if latencies else "-")
    cells.append(f"{statistics.median(cpu):.1f} / {max(cpu):.1f}")
    cells.append(" / ".join(f"{statistics.mean(x):.0f}" for x in zip(*lengths, strict=True)) if lengths else "-")
    if rewritten:
        r, e = mean(rewritten), mean(extractive)
        cells.append(", ".join(f"{r.recall[m]:.1f} vs {e.recall[m]:.1f}" for m in METRICS))
    else:
        cells.append("-")
    cells.append(", ".join(f"{reason} {count}" for reason, count in sorted(reasons.items())) or "-")
    print("| " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="any --model spec: hub id, folder, .gguf, openai:URL#MODEL")
    parser.add_argument("--data", type=Path, nargs="*", default=[])
    parser.add_argument("--limit", type=int, help="first N clusters of each data file")
    parser.add_argument("--constraint", nargs="+", choices=["on", "off"], default=["on", "off"])
    args = parser.parse_args()

    for constraint in args.constraint:
        settings = Settings(
            rewrite_model=args.model, faithfulness="strict", rewrite_constraint=constraint, rewrite_timeout_s=600
        )
        summarizer = Summarizer(settings)
        assert summarizer.rewriter is not None
        start = time.perf_counter()
        summarizer.rewriter.load()
        load_s = time.perf_counter() - start
        print(f"\n### {summarizer.rewriter.name}, constraint {constraint}: load {load_s:.1f} s\n")
        print(
            "| set | clusters | words | passed the check | rewrite s (median / max) | rewrite CPU s (median / max) "
            "| words, rewrite / extractive (mean) | ROUGE-1/2/L recall of passing rewrites vs their extractive briefs "
            "| fallbacks |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        run(summarizer, seeds(), 100, "seeds")
        for path in args.data:
            sets, words = clusters(path, args.limit)
            run(summarizer, sets, words, path.name)
    print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
