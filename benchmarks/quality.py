"""ROUGE, speed and memory of newsbrief side by side with its peers, in one run.

    NLTK_DATA=../shared/nltk_data python benchmarks/quality.py ../shared/data/duc2007_update.jsonl

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

from service import Article, Settings, Summarizer
from service.batch import parse_set
from service.evaluation import METRICS, Rouge, mean, query_text, rouge
from service.representation import stemmed_terms

System = Callable[[list[Article], int, str | None], str]


def newsbrief(query_focused: bool, settings: Settings | None = None) -> System:
    summarizer = Summarizer(settings or Settings())

    def run(articles: list[Article], words: int, query: str | None) -> str:
        return summarizer.summarize(articles, max_words=words, query=query if query_focused else None).brief

    return run


def lead(articles: list[Article], words: int, query: str | None) -> str:
    return articles[0].text


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

    def run(articles: list[Article], words: int, query: str | None) -> str:
        parser = PlaintextParser.from_string("\n\n".join(a.text for a in articles), tokenizer)
        # enough sentences to fill the budget; the evaluation cuts to `words`
        return " ".join(str(s) for s in summarizer(parser.document, max(3, words // 12)))

    return run


SYSTEMS: dict[str, Callable[[], System]] = {
    "newsbrief (query)": lambda: newsbrief(True),
    "newsbrief": lambda: newsbrief(False),
    # ablations: what sentence trimming and the recurring-terms part each add
    "newsbrief (light trimming)": lambda: newsbrief(False, Settings(compression="light")),
    "newsbrief (no trimming)": lambda: newsbrief(False, Settings(compression="off")),
    "newsbrief (no trimming, no terms part)": lambda: newsbrief(False, Settings(compression="off", weight_terms=0)),
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
    system: System, clusters: list[tuple[list[Article], list[str], str | None]], words: int, traced: int
) -> tuple[Rouge, float, float]:
    """Mean ROUGE, ms per cluster (summarising only, after one warm-up call) and peak traced MiB.

    Memory is traced in a second pass over the first `traced` clusters: tracemalloc slows Python
    code down and would skew the times. newsbrief's cache of stemmed sentences is emptied first, so
    no system gains from sentences an earlier system already read (within a call it is meant to help).
    """
    articles, _, query = clusters[0]
    system(articles, words, query)
    stemmed_terms.cache_clear()
    results, elapsed = [], 0.0
    for articles, references, query in clusters:
        start = time.perf_counter()
        summary = system(articles, words, query)
        elapsed += time.perf_counter() - start
        results.append(rouge(summary, references, words))
    tracemalloc.start()
    for articles, _, query in clusters[:traced]:
        system(articles, words, query)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return mean(results), elapsed * 1000 / len(clusters), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="JSON Lines clusters with documents, references, budget")
    parser.add_argument("--max-words", type=int, help="budget (default: the budget in the data)")
    parser.add_argument("--limit", type=int, help="only the first N clusters")
    parser.add_argument("--traced", type=int, default=5, help="clusters to trace for peak memory")
    parser.add_argument(
        "--systems",
        nargs="*",
        default=[name for name in SYSTEMS if "MiniLM" not in name],  # MiniLM needs the model extra
        choices=list(SYSTEMS),
    )
    args = parser.parse_args()

    clusters, words = [], args.max_words
    with args.data.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            record = json.loads(line)
            words = words or record["budget"]["words"]
            clusters.append((parse_set(line, number)[1], record["references"], query_text(record.get("query"))))
            if args.limit and len(clusters) >= args.limit:
                break
    print(
        f"{args.data.name}: {len(clusters)} clusters, {words} words; ROUGE recall / F1 (%), Porter stemming; "
        f"peak memory traced over {min(args.traced, len(clusters))} clusters\n"
    )
    print("| system | ROUGE-1 R / F | ROUGE-2 R / F | ROUGE-L R / F | ms per cluster | peak MiB |")
    print("|---|---|---|---|---|---|")
    for name in args.systems:
        score, ms, peak = measure(SYSTEMS[name](), clusters, words, args.traced)
        cells = " | ".join(f"{score.recall[m]:.2f} / {score.f1[m]:.2f}" for m in METRICS)
        print(f"| {name} | {cells} | {ms:.1f} | {peak:.1f} |", flush=True)


if __name__ == "__main__":
    main()
