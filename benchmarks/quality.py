"""ROUGE, speed and memory of newsbrief side by side with its peers, in one run.

    NLTK_DATA=../shared/nltk_data python benchmarks/quality.py ../shared/data/duc2007_update.jsonl

The data path is an argument on purpose: the DUC sets are NIST material and never live in the repo.
Peers (sumy LexRank, TextRank, LSA, SumBasic; a lead baseline) read the articles concatenated,
as a user of those single-document tools would feed them, and are cut to the same word budget.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from service import Article, Settings, Summarizer
from service.evaluation import METRICS, Rouge, mean, query_text, rouge
from service.representation import clear_term_cache
from service.sets import parse_set


class Cluster(NamedTuple):
    articles: list[Article]
    references: list[str]
    query: str | None
    known: list[Article]  # DUC 2007 update: the earlier stages' articles, which the reader has read


System = Callable[[Cluster, int], str]


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


SYSTEMS: dict[str, Callable[[], System]] = {
    "newsbrief (query)": lambda: newsbrief(True),
    "newsbrief": lambda: newsbrief(False),
    # update briefs (DUC 2007 B and C clusters): the earlier stages' articles are given as known
    "newsbrief (update)": lambda: newsbrief(False, update=True),
    "newsbrief (update, query)": lambda: newsbrief(True, update=True),
    # ablation: the query without pseudo-relevance feedback
    "newsbrief (query, no feedback)": lambda: newsbrief(True, Settings(query_feedback=0)),
    # ablations: what sentence trimming and the recurring-terms part each add
    "newsbrief (light trimming)": lambda: newsbrief(False, Settings(trimming="light")),
    "newsbrief (no trimming)": lambda: newsbrief(False, Settings(trimming="off")),
    "newsbrief (no trimming, no terms part)": lambda: newsbrief(False, Settings(trimming="off", weights={"terms": 0})),
    # MiniLM cosines run higher than TF-IDF ones: thresholds recalibrated on the seeds
    "newsbrief (MiniLM)": lambda: newsbrief(
        False, Settings(representation="minilm", support_similarity=0.6, duplicate_similarity=0.8)
    ),
    "lead (first doc)": lambda: lead,
    "sumy LexRank": lambda: sumy("lexrank"),
    "sumy TextRank": lambda: sumy("textrank"),
    "sumy SumBasic": lambda: sumy("sumbasic"),
    "sumy LSA": lambda: sumy("lsa"),
}


def measure(
    system: System, clusters: list[Cluster], words: int, traced: int, repeats: int = 1
) -> tuple[Rouge, float, float]:
    """Mean ROUGE, ms per cluster (summarising only, after one warm-up call; the best of `repeats`
    passes, as timeit does on a noisy machine) and peak traced MiB.

    Memory is traced in a second pass over the first `traced` clusters: tracemalloc slows Python
    code down and would skew the times. newsbrief's cache of stemmed sentences is emptied before
    each pass, so no system gains from sentences an earlier one already read (within a call it is
    meant to help).
    """
    system(clusters[0], words)
    results, best = [], float("inf")
    for attempt in range(repeats):
        clear_term_cache()
        elapsed = 0.0
        for cluster in clusters:
            start = time.perf_counter()
            summary = system(cluster, words)
            elapsed += time.perf_counter() - start
            if attempt == 0:
                results.append(rouge(summary, cluster.references, words))
        best = min(best, elapsed)
    tracemalloc.start()
    for cluster in clusters[:traced]:
        system(cluster, words)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return mean(results), best * 1000 / len(clusters), peak


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
    parser.add_argument(
        "--systems",
        nargs="*",
        default=[name for name in SYSTEMS if "MiniLM" not in name],  # MiniLM needs the model extra
        choices=list(SYSTEMS),
    )
    args = parser.parse_args()

    clusters, words = read_clusters(args.data, args.limit)
    words = args.max_words or words
    print(
        f"{args.data.name}: {len(clusters)} clusters, {words} words; ROUGE recall / F1 (%), Porter stemming; "
        f"peak memory traced over {min(args.traced, len(clusters))} clusters; ms: best of {args.repeats} pass(es)\n"
    )
    print("| system | ROUGE-1 R / F | ROUGE-2 R / F | ROUGE-L R / F | ms per cluster | peak MiB |")
    print("|---|---|---|---|---|---|")
    for name in args.systems:
        score, ms, peak = measure(SYSTEMS[name](), clusters, words, args.traced, args.repeats)
        cells = " | ".join(f"{score.recall[m]:.2f} / {score.f1[m]:.2f}" for m in METRICS)
        print(f"| {name} | {cells} | {ms:.1f} | {peak:.1f} |", flush=True)


if __name__ == "__main__":
    main()
