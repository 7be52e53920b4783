"""Trim the parts of a sentence a brief can do without, keeping exact spans of the original.

A brief has a word budget. Openers such as "But" or "However," dangle once the sentence is out of
its article; parentheticals and weekday phrases ("on Tuesday") spend words on detail a brief
rarely needs; attributions ("…, officials said.") are kept in the `light` level and dropped in
`full`, where the sources stay one click away through the provenance. Each rule removes one
contiguous piece, so what is kept is a list of spans of the article text. A sentence that would
shrink below `_MIN_WORDS` is kept whole. Measured on DUC 2006/2007 in docs/benchmarks.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

Level = Literal["off", "light", "full"]
Span = tuple[int, int]

_MIN_WORDS = 4
_DAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_SAYS = r"(?:said|says|added|told reporters|told [A-Z]\w+|reported|announced|stated|noted|explained|insisted)"
_END = r"[.!?]['\"”’]?$"

# each pattern's group `cut` is what goes; order matters: later rules see earlier cuts. The hint is
# a substring the pattern needs, checked first because a plain `in` is ~20x cheaper than a search.
_LIGHT = (
    (
        "",
        re.compile(
            r"^(?P<cut>(?:But|And|However|Meanwhile|Also|In addition|Moreover|Still|Yet|So|Nevertheless|Furthermore"
            r"|Instead|Indeed|Separately|In fact|Now|Then|Thus|Therefore|Besides)\b,?\s+)(?=\S)"
        ),
    ),
    ("(", re.compile(r"(?P<cut>\s*\([^()]{0,80}\))")),
    (
        "day",
        re.compile(rf"(?P<cut>\s+(?:on|last|this|late|early)\s+{_DAYS}(?:\s+(?:night|morning|afternoon|evening))?)\b"),
    ),
)
_FULL = (
    # "…, the minister said on Tuesday." / "…, said a spokesman."
    (
        ",",
        re.compile(
            rf"(?P<cut>,\s+(?:[^,]{{1,60}}?\s+{_SAYS}|{_SAYS}\s+[^,]{{1,60}}?)"
            rf"(?:\s+on\s+{_DAYS}|\s+(?:yesterday|today))?)\s*{_END}"
        ),
    ),
    # "Police said (that) the man …" / "According to the report, …"; only clause-taking verbs
    (
        "",
        re.compile(
            rf"^(?P<cut>(?:[A-Za-z][^,\"“]{{0,60}}?\s+(?:said|says|told reporters)(?:\s+on\s+{_DAYS})?(?:\s+that)?"
            r"|According to [^,]{1,60},)\s+)(?=[A-Za-z])"
        ),
    ),
    ("according", re.compile(rf"(?P<cut>,\s+according to [^,]{{1,80}}){_END}")),
)
_RULES: dict[Level, tuple[tuple[str, re.Pattern[str]], ...]] = {"off": (), "light": _LIGHT, "full": _LIGHT + _FULL}


def compress(text: str, start: int, end: int, level: Level) -> tuple[tuple[Span, ...], str]:
    """Kept spans (offsets into `text`) of the sentence `text[start:end]` and the brief wording.

    The wording is the spans joined, with its first letter upper-cased when a cut opener left it
    lower-case.
    """
    current = text[start:end]
    spans: tuple[Span, ...] = ((start, end),)
    for hint, pattern in _RULES[level]:
        match = pattern.search(current) if hint in current else None
        while match:
            cut_from, cut_to = match.span("cut")
            trimmed = current[:cut_from] + current[cut_to:]
            if len(trimmed.split()) < _MIN_WORDS:
                break
            current = trimmed
            spans = cut_spans(spans, cut_from) + _skip(spans, cut_to)
            match = pattern.search(current, cut_from)
    if len(spans) == 1 and spans[0] == (start, end):
        return spans, current
    return spans, current[:1].upper() + current[1:]


def cut_spans(spans: Sequence[Span], length: int) -> tuple[Span, ...]:
    """The spans covering the first `length` characters of their joined text."""
    out: list[Span] = []
    for a, b in spans:
        if length <= 0:
            break
        out.append((a, min(b, a + length)))
        length -= b - a
    return tuple(out)


def _skip(spans: Sequence[Span], length: int) -> tuple[Span, ...]:
    """The spans covering their joined text after its first `length` characters."""
    out: list[Span] = []
    for a, b in spans:
        if length < b - a:
            out.append((a + max(length, 0), b))
        length -= b - a
    return tuple(out)
