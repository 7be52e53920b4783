"""Is a rewrite backed by its sources? Deterministic and fast: no model.

Two checks: every number, date and name in the rewrite occurs in the source articles, and every
rewrite sentence is similar enough to some source sentence (stemmed TF-IDF cosine).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.representation import TfidfRepresenter
from service.schema import UnsupportedSpan as Unsupported
from service.segmentation import split_sentences

__all__ = ["Unsupported", "Verdict", "check"]

_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
_DATE = re.compile(rf"\b(?:{_MONTHS})\b", re.IGNORECASE)
# a run of capitalised words (Xi Jinping, Diaoyutai State Guest House, U.S.)
_NAME = re.compile(r"\b[A-Z][\w.'’-]*(?:\s+(?:of\s+|de\s+)?[A-Z][\w.'’-]*)*")
_COMMON_STARTS = frozenset(
    "a an the this that these those it its he she they we i you his her their our but and or so yet "
    "however meanwhile also after before when while if as in on at for with by from to of".split()
)


@dataclass(frozen=True, slots=True)
class Verdict:
    passed: bool
    unsupported: list[Unsupported]


def _normalise(text: str) -> str:
    return re.sub(r"[\s’']+", " ", text.lower())


def _names(sentence: str) -> list[str]:
    names = []
    for match in _NAME.finditer(sentence):
        words = match.group().rstrip(".").split()
        if match.start() == 0 or sentence[: match.start()].rstrip().endswith((".", "!", "?", '"', "“")):
            while words and words[0].lower() in _COMMON_STARTS:  # sentence-initial capital, not a name
                words = words[1:]
        if words:
            names.append(" ".join(words))
    return names


def check(rewrite: str, sources: Sequence[str], threshold: float) -> Verdict:
    source_text = _normalise(" ".join(sources))
    problems: list[Unsupported] = []
    for number in _NUMBER.findall(rewrite):
        if number not in source_text:
            problems.append(Unsupported(text=number, reason="number not in the sources"))
    for date in _DATE.findall(rewrite):
        if date.lower() not in source_text:
            problems.append(Unsupported(text=date, reason="date not in the sources"))
    rewrite_sentences = [rewrite[a:b] for a, b in split_sentences(rewrite, [(0, len(rewrite))])]
    for sentence in rewrite_sentences:
        for name in _names(sentence):
            if _normalise(name) not in source_text:
                problems.append(Unsupported(text=name, reason="name not in the sources"))
    source_sentences = [t[a:b] for t in sources for a, b in split_sentences(t, [(0, len(t))])]
    if rewrite_sentences and source_sentences:
        vectors = TfidfRepresenter().represent([*rewrite_sentences, *source_sentences]).sentences
        n = len(rewrite_sentences)
        best = (vectors[:n] @ vectors[n:].T).max(axis=1)
        best = best.toarray().ravel() if hasattr(best, "toarray") else best
        for sentence, similarity in zip(rewrite_sentences, best, strict=True):
            if float(similarity) < threshold:
                problems.append(
                    Unsupported(
                        text=sentence, reason=f"no source sentence says this (best similarity {float(similarity):.2f})"
                    )
                )
    if not rewrite.strip():
        problems.append(Unsupported(text="", reason="the rewrite is empty"))
    unique = list({(p.text, p.reason): p for p in problems}.values())
    return Verdict(passed=not unique, unsupported=unique)
