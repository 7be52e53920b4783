"""Trim the parts of a sentence a brief can do without, keeping exact spans of the original.

A brief has a word budget. Openers such as "But" or "However," dangle once the sentence is out of
its article; parentheticals and weekday phrases ("on Tuesday") spend words on detail a brief
rarely needs; attributions ("…, officials said.") are kept in the `light` level and dropped in
`full`, where the sources stay one click away through the provenance. Each rule removes one
contiguous piece, so what is kept is a list of spans of the article text. A cut that would leave
fewer than `_MIN_WORDS` words is not made. Measured on DUC 2006/2007 in docs/benchmarks.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from service.lexicon import LEXICON, alternation
from service.settings import TrimLevel

Span = tuple[int, int]

_MIN_WORDS = 4
# Longer than this is not a sentence a brief can use as written (news sentences run to ~300
# characters; the longest of the 34,140 DUC 2006/2007 sentences has 1,679): left whole, which also bounds the
# cost of a cut, since each one copies the sentence.
_MAX_CHARS = 2000
_DAYS = alternation(LEXICON.weekdays)
_SAYS = rf"(?:{alternation(LEXICON.say_verbs)}|told reporters|told [A-Z]\w+)"
_NOT_AFTER = "".join(f"(?<!{re.escape(name)})" for name in LEXICON.weekday_names)
_END = r"[.!?]['\"”’]?$"
_TAIL = 180

# each pattern's group `cut` is what goes; order matters: later rules see earlier cuts. The hints are
# substrings of which the pattern needs one, checked first: `in` is far cheaper than a search. Rules
# for the end of a sentence search only its last `_TAIL` characters. A cut that starts with a
# whitespace run starts where the run starts (`(?<!\s)`): a search tries every position, and
# letting each position inside a run of n spaces scan the rest of it would cost n² (a 64 KB
# request once held the server for 100 s that way).


class _Rule(NamedTuple):
    hints: tuple[str, ...]  # empty: always try
    pattern: re.Pattern[str]

    @property
    def tail_only(self) -> bool:
        return self.pattern.pattern.endswith("$")


_LIGHT = (
    _Rule(
        (),
        re.compile(
            rf"^(?P<cut>{alternation(LEXICON.openers)}\b,?\s+)(?!{alternation(LEXICON.opener_keepers)}\b)(?=\S)"
        ),
    ),
    _Rule(("(",), re.compile(r"(?<!\s)(?P<cut>\s*\([^()]{0,80}\))")),
    _Rule(
        LEXICON.weekdays,
        re.compile(
            rf"(?<!\s)(?P<cut>\s+(?:on|last|this|late|early)\s+{_DAYS}(?:\s+(?:night|morning|afternoon|evening))?)\b"
        ),
    ),
    # a bare weekday after a name or noun: "Prime Minister Sumaye Monday called …"; not "Bloody Sunday"
    _Rule(LEXICON.weekdays, re.compile(rf"{_NOT_AFTER}(?<!\s)(?P<cut>\s+{_DAYS})(?=\s+[a-z])")),
)
_FULL = (
    # "…, the minister said on Tuesday." / "…, said a spokesman."
    _Rule(
        (*LEXICON.say_verbs, "told", "saying"),
        re.compile(
            rf"(?P<cut>,(?![\"”’'`])\s*(?:[^,]{{1,60}}?\s+{_SAYS}|{_SAYS}\s+[^,]{{1,60}}?|[^,]{{1,100}}?\s+as saying)"
            rf"(?:\s+on\s+{_DAYS}|\s+(?:yesterday|today))?)\s*{_END}"
        ),
    ),
    # "Police said (that) the man …" / "According to the report, …"; only clause-taking verbs
    _Rule(
        ("said", "says", "told", "According"),
        re.compile(
            rf"^(?P<cut>(?:[A-Za-z][^,\"“]{{0,60}}?\s+(?:said|says|told reporters)(?:\s+on\s+{_DAYS})?(?:\s+that)?"
            r"|According to [^,]{1,60},)\s+)(?=[A-Za-z])"
        ),
    ),
    _Rule(("according",), re.compile(rf"(?P<cut>,\s+according to [^,]{{1,80}}){_END}")),
)
_RULES: dict[TrimLevel, tuple[_Rule, ...]] = {
    "off": (),
    "light": _LIGHT,
    "full": _LIGHT + _FULL,
}


def trim(text: str, start: int, end: int, level: TrimLevel) -> tuple[tuple[Span, ...], str]:
    """Kept spans (offsets into `text`) of the sentence `text[start:end]` and the brief wording.

    The wording is the spans joined, with its first letter upper-cased when a cut opener left it
    lower-case.
    """
    current = text[start:end]
    spans: tuple[Span, ...] = ((start, end),)
    if len(current) > _MAX_CHARS:
        return spans, current
    for rule in _RULES[level]:
        if rule.hints and not any(map(current.__contains__, rule.hints)):
            continue
        pattern = rule.pattern
        match = pattern.search(current, max(0, len(current) - _TAIL) if rule.tail_only else 0)
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
