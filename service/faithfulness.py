"""Is a rewrite backed by its sources? Deterministic and fast: no model.

Three checks: every number, date and name in the rewrite occurs in the source articles (as whole
words: "Xi" is not found in "Xinhua"), every quotation occurs in them verbatim, and every rewrite
sentence is a source sentence or similar enough to one (stemmed TF-IDF cosine). Each is one pass over
the sources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice

from service.cleaning import clean_set, paragraphs
from service.lexicon import LEXICON, alternation
from service.quotes import wording
from service.representation import TfidfRepresenter
from service.result import UnsupportedSpan as Unsupported
from service.segmentation import split_sentences

__all__ = ["NAME_JOINERS", "QUOTATION", "Unsupported", "Verdict", "check", "names"]

_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_DATE = re.compile(rf"\b{alternation(LEXICON.months + LEXICON.weekdays)}\b", re.IGNORECASE)
# lower-case words that may stand inside a name ("Secretary of State")
NAME_JOINERS = ("of", "de")
# a run of capitalised words (Xi Jinping, Diaoyutai State Guest House, U.S.)
_NAME = re.compile(rf"\b[A-Z][\w.'’-]*(?:\s+(?:{alternation(NAME_JOINERS)}\s+)?[A-Z][\w.'’-]*)*")
_TOKEN = re.compile(r"[^\W_]+")
# a quotation, straight or curly quotes, on one line; a longer one is not treated as a quotation
QUOTATION = re.compile(r'"[^"\n]{1,1000}"|“[^”\n]{1,1000}”')
_COMMON_STARTS = frozenset(LEXICON.sentence_starts)
# A name is looked up as its word sequence; longer ones as every window of this many words, so
# finding them all stays one pass over the sources (names of 5+ words are rare: "Diaoyutai State
# Guest House" has 4).
_WINDOW = 4
# a verdict lists this many problems at most (a reader, a log line or a fallback reason needs the
# first few; a 1 MB rewrite would otherwise carry ~10**5 objects into the response)
REPORTED = 20


@dataclass(frozen=True, slots=True)
class Verdict:
    passed: bool
    unsupported: list[Unsupported]  # the first REPORTED distinct problems
    problems: int = 0  # distinct problems found, all of them


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(text.lower()))


def names(sentence: str) -> list[str]:
    """The names in one sentence, as the check sees them: runs of capitalised words, less a
    sentence-initial common word ("The", "But")."""
    found = []
    for match in _NAME.finditer(sentence):
        words = match.group().rstrip(".").split()
        before = match.start() - 1
        while before >= 0 and sentence[before].isspace():  # runs between matches are disjoint: linear
            before -= 1
        if before < 0 or sentence[before] in '.!?"“':
            while words and words[0].lower() in _COMMON_STARTS:  # sentence-initial capital, not a name
                words = words[1:]
        if words:
            found.append(" ".join(words))
    return found


def _windows(tokens: tuple[str, ...]) -> list[tuple[str, ...]]:
    if len(tokens) <= _WINDOW:
        return [tokens]
    return [tokens[i : i + _WINDOW] for i in range(len(tokens) - _WINDOW + 1)]


def _found(needed: set[tuple[str, ...]], source: Sequence[str]) -> set[tuple[str, ...]]:
    """The word sequences of `needed` that occur in `source`, in one pass over it."""
    firsts = {n[0] for n in needed}
    lengths = sorted({len(n) for n in needed})
    found: set[tuple[str, ...]] = set()
    for i, token in enumerate(source):
        if token in firsts:
            found.update(g for g in (tuple(source[i : i + n]) for n in lengths) if g in needed)
    return found


def check(rewrite: str, sources: Sequence[str], threshold: float) -> Verdict:
    source_tokens = [t for text in sources for t in _tokens(text)]
    source_numbers = {n for text in sources for n in _NUMBER.findall(text)}
    problems: dict[tuple[str, str], None] = {}  # (text, reason), distinct, in order
    for number in _NUMBER.findall(rewrite):
        if number not in source_numbers:
            problems[number, "number not in the sources"] = None
    words = set(source_tokens)
    for date in _DATE.findall(rewrite):
        if date.lower() not in words:
            problems[date, "date not in the sources"] = None
    rewrite_sentences = [rewrite[a:b] for a, b in split_sentences(rewrite, paragraphs(rewrite))]
    named = [(name, _tokens(name)) for sentence in rewrite_sentences for name in names(sentence)]
    found = _found({w for _, tokens in named for w in _windows(tokens) if tokens}, source_tokens)
    for name, tokens in named:
        if not all(w in found for w in _windows(tokens)):
            problems[name, "name not in the sources"] = None
    # quotes are locked spans: the same words in the same order (case and punctuation aside, as
    # quotes.py groups copies of a quote)
    spaced = f" {' '.join(wording(text) for text in sources)} "
    for quotation in QUOTATION.findall(rewrite):
        if f" {wording(quotation)} " not in spaced:
            problems[quotation, "quotation not in the sources word for word"] = None
    # the article text the summarizer reads: a page's headings and link lines back no claim
    cleaned = clean_set(sources)
    source_sentences = [t[a:b] for t, c in zip(sources, cleaned, strict=True) for a, b in split_sentences(t, c.spans)]
    if rewrite_sentences and source_sentences:
        vectors = TfidfRepresenter().represent([*rewrite_sentences, *source_sentences]).sentences
        n = len(rewrite_sentences)
        best = (vectors[:n] @ vectors[n:].T).max(axis=1)
        best = best.toarray().ravel() if hasattr(best, "toarray") else best
        # a whole source sentence, copied, is backed by itself ("Why?" has no content word to compare)
        copied = {" ".join(t.split()) for t in source_sentences}
        for sentence, similarity in zip(rewrite_sentences, best, strict=True):
            if float(similarity) < threshold and " ".join(sentence.split()) not in copied:
                problems[sentence, f"no source sentence says this (best similarity {float(similarity):.2f})"] = None
    if not rewrite.strip():
        problems["", "the rewrite is empty"] = None
    reported = [Unsupported(text=text, reason=reason) for text, reason in islice(problems, REPORTED)]
    return Verdict(passed=not problems, unsupported=reported, problems=len(problems))
