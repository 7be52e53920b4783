"""ROUGE, speed and memory of newsbrief side by side with its peers, in one run.

    NLTK_DATA=../shared/nltk_data python benchmarks/quality.py ../shared/data/duc2007_update.jsonl \
        --held-out-model /tmp/salience-duc2006.json

`--held-out-model` is a salience model trained without this file's clusters (benchmarks/
train_salience.py on the other DUC set): the "held-out" rows use it; the other newsbrief rows use
the shipped model, which was trained on both sets (in-set).

The data path is an argument on purpose: the DUC sets are NIST material and never live in the repo.
Peers (sumy LexRank, TextRank, LSA, SumBasic; a lead baseline) read the articles concatenated,
as a user of those single-document tools would feed them, and are cut to the same word budget.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from service import Article, Settings, Summarizer, textcache
from service.evaluation import METRICS, Rouge, mean, query_text, rouge
from service.sets import parse_set


class Cluster(NamedTuple):
    articles: list[Article]
    references: list[str]
    query: str | None
    known: list[Article]  # DUC 2007 update: the earlier stages' articles, which the reader has read


System = Callable[[Cluster, int], str]
HeldOut = Path | None  # the model trained without this data, for the held-out rows


def newsbrief(query_focused: bool, settings: Settings | None = None, update: bool = False) -> System:
    summarizer = Summarizer(settings or Settings())

    def run(cluster: Cluster, words: int) -> str:
        query = cluster.query if query_focused else None
        known = cluster.known if update else []
        return summarizer.summarize(cluster.articles, max_words=words, query=query, known=known).brief

    return run


def lead(cluster: Cluster, words: int) -> str:
    return cluster.articles[0].text


def sumy(name: str) -> System:
    from sumy.nlp.stemmers import Stemmer
    from sumy.nlp.tokenizers import Tokenizer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    cls = {
        "lexrank": LexRankSummarizer,
        "textrank": TextRankSummarizer,
        "lsa": LsaSummarizer,
        "sumbasic": SumBasicSummarizer,
    }
    summarizer = cls[name](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = Tokenizer("english")

    def run(cluster: Cluster, words: int) -> str:
        parser = PlaintextParser.from_string("\n\n".join(a.text for a in cluster.articles), tokenizer)
        # enough sentences to fill the budget; the evaluation cuts to `words`
        return " ".join(str(s) for s in summarizer(parser.document, max(3, words // 12)))

    return run


def held_out(model: HeldOut, **settings: object) -> Settings:
    if model is None:
        raise SystemExit("the held-out rows need --held-out-model (a model trained on the other data set)")
    return Settings(salience_model=model, **settings)  # type: ignore[arg-type]


# the previous release: weighted mean of the parts, MMR
RELEASE = Settings(salience="weights", selection="mmr")

SYSTEMS: dict[str, Callable[[HeldOut], System]] = {
    "newsbrief (query)": lambda _: newsbrief(True),
    "newsbrief": lambda _: newsbrief(False),
    # update briefs (DUC 2007 B and C clusters): the earlier stages' articles are given as known
    "newsbrief (update)": lambda _: newsbrief(False, update=True),
    "newsbrief (update, query)": lambda _: newsbrief(True, update=True),
    # the learned model trained on the other data set only
    "newsbrief (held-out)": lambda m: newsbrief(False, held_out(m)),
    "newsbrief (held-out, query)": lambda m: newsbrief(True, held_out(m)),
    "newsbrief (held-out, update)": lambda m: newsbrief(False, held_out(m), update=True),
    "newsbrief (held-out, update, query)": lambda m: newsbrief(True, held_out(m), update=True),
    # each of this round's two changes alone, with the held-out model
    "newsbrief (held-out, learned, MMR)": lambda m: newsbrief(False, held_out(m, selection="mmr")),
    "newsbrief (held-out, weights, coverage)": lambda m: newsbrief(False, held_out(m, salience="weights")),
    # the previous release, and each of this round's two changes alone
    "newsbrief (weights, MMR)": lambda _: newsbrief(False, RELEASE),
    "newsbrief (weights, MMR, query)": lambda _: newsbrief(True, RELEASE),
    "newsbrief (learned, MMR)": lambda _: newsbrief(False, Settings(selection="mmr")),
    "newsbrief (weights, coverage)": lambda _: newsbrief(False, Settings(salience="weights")),
    # ablation: the query without pseudo-relevance feedback
    "newsbrief (query, no feedback)": lambda _: newsbrief(True, Settings(query_feedback=0)),
    # ablations: what sentence trimming adds
    "newsbrief (light trimming)": lambda _: newsbrief(False, Settings(trimming="light")),
    "newsbrief (no trimming)": lambda _: newsbrief(False, Settings(trimming="off")),
    # MiniLM cosines run higher than TF-IDF ones: thresholds recalibrated on the seeds
    "newsbrief (MiniLM)": lambda _: newsbrief(
        False, Settings(representation="minilm", support_similarity=0.6, duplicate_similarity=0.8)
    ),
    "lead (first doc)": lambda _: lead,
    "sumy LexRank": lambda _: sumy("lexrank"),
    "sumy TextRank": lambda _: sumy("textrank"),
    "sumy SumBasic": lambda _: sumy("sumbasic"),
    "sumy LSA": lambda _: sumy("lsa"),
}


def measure(
    system: System, clusters: list[Cluster], words: int, traced: int, repeats: int = 1
) -> tuple[list[Rouge], float, float, float]:
    """ROUGE per cluster, ms per cluster (summarising only, after one warm-up call; the best of `repeats`
    passes, as timeit does on a noisy machine), CPU ms per cluster (process time, the best pass:
    on a shared machine wall time also counts the other tenants' load) and peak traced MiB.

    Memory is traced in a second pass over the first `traced` clusters: tracemalloc slows Python
    code down and would skew the times. newsbrief's cache of stemmed sentences is emptied before
    each pass, so no system gains from sentences an earlier one already read (within a call it is
    meant to help).
    """
    system(clusters[0], words)
    results, best, best_cpu = [], float("inf"), float("inf")
    for attempt in range(repeats):
        textcache.forget()
        elapsed = cpu = 0.0
        for cluster in clusters:
            start, start_cpu = time.perf_counter(), time.process_time()
            summary = system(cluster, words)
            elapsed += time.perf_counter() - start
            cpu += time.process_time() - start_cpu
            if attempt == 0:
                results.append(rouge(summary, cluster.references, words))
        best, best_cpu = min(best, elapsed), min(best_cpu, cpu)
    tracemalloc.start()
    for cluster in clusters[:traced]:
        system(cluster, words)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return results, best * 1000 / len(clusters), best_cpu * 1000 / len(clusters), peak


def read_clusters(path: Path, limit: int | None) -> tuple[list[Cluster], int]:
    """The clusters and their word budget; an update stage ("D0703A-B") knows its topic's earlier stages."""
    clusters, words, read = [], 100, {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            parsed = parse_set(line, number)
            record = parsed.record
            words = record["budget"]["words"]
            topic = str(record["id"]).rsplit("-", 1)[0] if record.get("update_stage") else None
            known = read.get(topic, []) if topic else []
            clusters.append(Cluster(parsed.articles, record["references"], query_text(record.get("query")), known))
            if topic:
                read[topic] = known + parsed.articles
            if limit and len(clusters) >= limit:
                break
    return clusters, words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="JSON Lines clusters with documents, references, budget")
    parser.add_argument("--max-words", type=int, help="budget (default: the budget in the data)")
    parser.add_argument("--limit", type=int, help="only the first N clusters")
    parser.add_argument("--traced", type=int, default=5, help="clusters to trace for peak memory")
    parser.add_argument("--repeats", type=int, default=1, help="timed passes per system; the best one counts")
    parser.add_argument("--held-out-model", type=Path, help="salience model trained without this data")
    parser.add_argument("--scores", type=Path, help="also write each system's recall per cluster (for margin.py)")
    parser.add_argument(
        "--systems",
        nargs="*",
        # MiniLM needs the model extra; the held-out rows a model
        default=[name for name in SYSTEMS if "MiniLM" not in name and "held-out" not in name],
        choices=list(SYSTEMS),
    )
    args = parser.parse_args()

    clusters, words = read_clusters(args.data, args.limit)
    words = args.max_words or words
    print(
        f"{args.data.name}: {len(clusters)} clusters, {words} words; ROUGE recall / F1 (%), Porter stemming; "
        f"peak memory traced over {min(args.traced, len(clusters))} clusters; ms: best of {args.repeats} pass(es)\n"
    )
    print("| system | ROUGE-1 R / F | ROUGE-2 R / F | ROUGE-L R / F | ms per cluster | CPU ms | peak MiB |")
    print("|---|---|---|---|---|---|---|")
    per_cluster = {}
    for name in args.systems:
        system = SYSTEMS[name](args.held_out_model)
        results, ms, cpu, peak = measure(system, clusters, words, args.traced, args.repeats)
        per_cluster[name] = [r.recall for r in results]
        if args.scores:
            args.scores.write_text(json.dumps(per_cluster), encoding="utf-8")
        score = mean(results)
        cells = " | ".join(f"{score.recall[m]:.2f} / {score.f1[m]:.2f}" for m in METRICS)
        print(f"| {name} | {cells} | {ms:.1f} | {cpu:.1f} | {peak:.1f} |", flush=True)


if __name__ == "__main__":
    main()
