"""ROUGE as the DUC evaluations report it: Porter stemming, texts cut to the word budget,
averaged over references, then over clusters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from rouge_score import rouge_scorer

from service.errors import InputError
from service.sets import Line, parse_set, within_limit

if TYPE_CHECKING:
    from service.summarizer import Summarizer

METRICS = ("rouge1", "rouge2", "rougeL")


@dataclass(frozen=True, slots=True)
class Rouge:
    """Recall and F1 per metric, in percent."""

    recall: dict[str, float]
    f1: dict[str, float]


@cache
def _scorer() -> rouge_scorer.RougeScorer:
    return rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)


def truncate_words(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


def rouge(summary: str, references: Sequence[str], words: int) -> Rouge:
    """Scores of one summary against its references, averaged over the references."""
    if not references:
        raise ValueError("no reference summaries to score against")
    candidate = truncate_words(summary, words)
    recall = dict.fromkeys(METRICS, 0.0)
    f1 = dict.fromkeys(METRICS, 0.0)
    for reference in references:
        scores = _scorer().score(truncate_words(reference, words), candidate)
        for metric in METRICS:
            recall[metric] += scores[metric].recall * 100 / len(references)
            f1[metric] += scores[metric].fmeasure * 100 / len(references)
    return Rouge(recall, f1)


def mean(results: Sequence[Rouge]) -> Rouge:
    count = max(len(results), 1)
    return Rouge(
        {m: sum(r.recall[m] for r in results) / count for m in METRICS},
        {m: sum(r.f1[m] for r in results) / count for m in METRICS},
    )


def query_text(query: object) -> str | None:
    """DUC topics are `{title, narrative}`; a plain string is used as it is."""
    if isinstance(query, dict):
        return " ".join(str(v) for v in query.values() if v) or None
    return str(query) if query else None


def evaluate_lines(
    summarizer: Summarizer, lines: Iterable[Line], words: int, *, use_query: bool = False
) -> tuple[int, Rouge]:
    """Mean ROUGE over JSON Lines clusters `{"documents", "references", "query"?, "known_documents"?}`
    (numbered lines, as batch.InputLines gives them); the first bad line stops it with an InputError."""
    results = []
    for number, line in lines:
        parsed = parse_set(within_limit(line, number, summarizer.settings.max_line_bytes), number)
        references = parsed.record.get("references")
        if not isinstance(references, list) or not references or not all(isinstance(r, str) for r in references):
            raise InputError(f'line {number}: "references" must be a list of reference summaries to score against')
        query = query_text(parsed.record.get("query")) if use_query else None
        summary = summarizer.summarize(parsed.articles, max_words=words, query=query, known=parsed.known)
        results.append(rouge(summary.brief, references, words))
    if not results:
        raise InputError("no clusters in the input")
    return len(results), mean(results)
