"""Per language: segmentation accuracy and speed, and ROUGE beside lead and sumy, in one run.

    NLTK_DATA=../shared/nltk_data python benchmarks/languages.py \\
        --sentseg ../shared/data/sentseg/pysbd_golden.jsonl --multiling ../shared/data/multiling \\
        [--limit 20] [--langs en fr]

Segmentation: pySBD's golden cases (a case counts when every sentence, whitespace collapsed, is
split exactly as the gold), and sentences per second over all of a language's cases.
ROUGE (F1, %): every cluster of the MultiLing-style files, each system cut to the cluster's
`target_words` (else the mean reference length) as languages.count_words counts words. The
tokenizer is stemmer-free and reads any script: lower-cased words (letters, digits and their
combining marks, service.languages.words_of), each Han or kana character a token of its own.
Peers: lead (the first article's text) and sumy LexRank over the articles concatenated (sumy's
stemmer and stop words of the language where it has them; its sentence splitter is NLTK Punkt,
English only offline, or its own for Arabic and Hebrew; Greek gets the English one, as NLTK's
Greek Punkt model is not installed here). The data stays outside the repo.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rouge_score import rouge_scorer

from service import Article, Settings, Summarizer
from service.cleaning import paragraphs
from service.evaluation import METRICS
from service.languages import LANGUAGES, clip, count_words, words_of
from service.segmentation import split_sentences

# sumy's names of the languages it has stemmers or stop words for (sumy.nlp.stemmers, sumy/data/stopwords)
SUMY_LANGUAGES = {
    "en": "english",
    "fr": "french",
    "pt": "portuguese",
    "cs": "czech",
    "el": "greek",
    "ar": "arabic",
    "he": "hebrew",
    "de": "german",
    "es": "spanish",
}

System = Callable[[list[Article], int, str], str]


class UnicodeTokenizer:
    """rouge-score's tokenizer keeps ASCII letters only; this one keeps every script and stems nothing."""

    def tokenize(self, text: str) -> list[str]:
        return [unit for word in words_of(text) for unit in _units(word)]


def _units(word: str) -> list[str]:
    return [word[i : i + 1] for i in range(len(word))] if count_words(word) == len(word) > 1 else [word]


SCORER = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=False, tokenizer=UnicodeTokenizer())


def rouge_f1(summary: str, references: list[str], words: int) -> dict[str, float]:
    candidate = clip(summary, words)
    scores = [SCORER.score(clip(ref, words), candidate) for ref in references]
    return {m: 100 * statistics.fmean(s[m].fmeasure for s in scores) for m in METRICS}


def golden(path: Path) -> dict[str, dict[str, float]]:
    """Per language: cases split right, cases, and sentences per second."""
    found: dict[str, dict[str, float]] = defaultdict(lambda: {"right": 0, "cases": 0, "sentences": 0, "seconds": 0.0})
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    list(split_sentences("Warm up. Load the model.", [(0, 24)]))
    for case in cases:
        if case.get("upstream_xfail"):
            continue
        text, row = case["text"], found[case["lang"]]
        start = time.perf_counter()
        spans = list(split_sentences(text, paragraphs(text), case["lang"]))
        row["seconds"] += time.perf_counter() - start
        row["right"] += [" ".join(text[a:b].split()) for a, b in spans] == [
            " ".join(s.split()) for s in case["sentences"]
        ]
        row["cases"] += 1
        row["sentences"] += len(spans)
    return found


def newsbrief(summarizer: Summarizer, stats: dict[str, list[float]]) -> System:
    def run(articles: list[Article], words: int, lang: str) -> str:
        start = time.perf_counter()
        summary = summarizer.summarize(articles, max_words=words)
        stats[lang].append(summary.candidates / (time.perf_counter() - start))
        return summary.brief

    return run


def lead(articles: list[Article], words: int, lang: str) -> str:
    return articles[0].text


def sumy(articles: list[Article], words: int, lang: str) -> str:
    from sumy.nlp.stemmers import Stemmer
    from sumy.nlp.tokenizers import Tokenizer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    name = SUMY_LANGUAGES[lang]
    splitter = name if name in ("arabic", "hebrew") else "english"
    summarizer = LexRankSummarizer(Stemmer(name))
    summarizer.stop_words = get_stop_words(name)
    parser = PlaintextParser.from_string("\n\n".join(a.text for a in articles), Tokenizer(splitter))
    return " ".join(str(s) for s in summarizer(parser.document, max(3, words // 12)))


def clusters(folder: Path, limit: int | None) -> dict[str, list[dict[str, Any]]]:
    by_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if not line.strip():
                continue
            record = json.loads(line)
            if not limit or len(by_lang[record["lang"]]) < limit:
                by_lang[record["lang"]].append(record)
    return by_lang


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentseg", type=Path, required=True)
    parser.add_argument("--multiling", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None, help="clusters per language")
    parser.add_argument("--langs", nargs="*", default=None, help="ROUGE for these languages only (default: all)")
    args = parser.parse_args()

    print("| language | golden cases right | accuracy | segmentation sentences/s |")
    print("|---|---|---|---|")
    for lang, row in sorted(golden(args.sentseg).items()):
        rate = row["sentences"] / max(row["seconds"], 1e-9)
        accuracy = 100 * row["right"] / row["cases"]
        print(f"| {lang} | {row['right']:.0f}/{row['cases']:.0f} | {accuracy:.0f} % | {rate:,.0f} |")

    speed: dict[str, list[float]] = defaultdict(list)
    systems: dict[str, System] = {"newsbrief": newsbrief(Summarizer(Settings()), speed), "lead": lead, "sumy": sumy}
    print("\n| language | clusters | budget | system | ROUGE-1 | ROUGE-2 | ROUGE-L | pipeline sentences/s |")
    print("|---|---|---|---|---|---|---|---|")
    for lang, records in sorted(clusters(args.multiling, args.limit).items()):
        if args.langs and lang not in args.langs:
            continue
        for name, system in systems.items():
            if name == "sumy" and lang not in SUMY_LANGUAGES:
                continue
            scores = []
            try:
                for record in records:
                    articles = [Article(id=str(d["id"]), text=d["text"]) for d in record["documents"]]
                    refs = record["references"]
                    words = record.get("target_words") or round(statistics.fmean(count_words(r) for r in refs))
                    scores.append(rouge_f1(system(articles, words, lang), refs, words))
            except ValueError as error:  # sumy's Arabic, Greek and Hebrew need packages of their own
                if name != "sumy":
                    raise
                print(f"| {lang} ({LANGUAGES[lang].name}) | {len(records)} | | sumy | not run: {error} | | | |")
                continue
            mean = {m: statistics.fmean(s[m] for s in scores) for m in METRICS}
            rate = f"{statistics.median(speed[lang]):,.0f}" if name == "newsbrief" else ""
            budget = f"{records[0].get('target_words') or 'mean ref'}"
            print(
                f"| {lang} ({LANGUAGES[lang].name}) | {len(records)} | {budget} | {name} | "
                + " | ".join(f"{mean[m]:.2f}" for m in METRICS)
                + f" | {rate} |"
            )


if __name__ == "__main__":
    main()
