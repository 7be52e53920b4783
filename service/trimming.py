"""Trim what a brief can do without, never what a sentence means; keep exact spans of the original.

Cuts, each one contiguous piece (what is kept is a list of spans of the article text):
- `light`: a dangling opener ("However, …", "But the talks …"), an aside in parentheses;
- `full` (default): also time phrases that read wrong once out of their article ("on Tuesday",
  "Prime Minister Sumaye Monday called").

A cut is made only when every guard holds (`_allowed`): it contains no attribution word (no rule
cuts "X said", so a claim never becomes a fact) and no negation; it does not touch a quotation;
it neither splits nor joins words, nor leaves ",." behind; what remains keeps its final
punctuation and at least `_MIN_WORDS` words. There is no rule for attributions, subjects or
clauses: cuts that need a parse to be safe are not made. The word lists live in
data/lexicon.toml; tests/data/trimming.jsonl holds the expected output of 300+ sentences.
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
# characters; the longest of the 34,140 DUC 2006/2007 sentences has 1,679): left whole, which
# also bounds the cost of a cut, since each one copies the sentence.
_MAX_CHARS = 2000

_DAYS = alternation(LEXICON.weekdays)
# "Monday night" goes whole or not at all (`?+`: "late Friday night's game" must not lose "late Friday")
_TIME_OF_DAY = r"(?:\s+(?:night|morning|afternoon|evening))?+"
_MONTHS = alternation(LEXICON.months)
# not when the phrase goes on: "Thursday's", "Monday-night", "on Monday and Tuesday", "Monday, March 3",
# "Monday 3 March" (a comma and a score, ", 72-39", is not a date)
_NOT_CONTINUED = (
    rf"(?![\w'’-])(?!\s+{alternation(LEXICON.weekday_continuations)}\s+(?:{_DAYS}|{_MONTHS}|\d|early|late|the)\b)"
    rf"(?!,?\s+(?:{_MONTHS}\b|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}))"
)
# a negation's scope ends at a clause boundary: nothing before one of these is cut after a negation
_SCOPE_END = re.compile(r"[,;:()\"“”‘’—–]|\s-\s")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ATTRIBUTION = frozenset(LEXICON.attribution_words)
_NEGATION = frozenset(LEXICON.negations)
_COMPLEMENTS = frozenset(LEXICON.weekday_complements)
_NOT_ASIDE = frozenset((*LEXICON.sentence_starts, *LEXICON.weekday_governors, *LEXICON.weekday_complements))
_HOLIDAYS = frozenset(LEXICON.weekday_names)
# a quotation runs to its closing mark, or to the end of the sentence when it goes on past it; a
# ’ followed by a letter is an apostrophe ("don’t"), not the end of a ‘…’ quotation
_QUOTE = re.compile(r"“[^”]*(?:”|$)|\"[^\"]*(?:\"|$)|‘(?:[^’]|’(?=\w))*(?:’|$)")
_CLOSERS = "\"'”’)]"
_ENDS = (".", "!", "?")

# Each pattern's group `cut` is what goes; rules run in order, each over the text the earlier
# ones left. A cut that starts with a whitespace run starts where the run starts (`(?<!\s)`): a
# search tries every position, and letting each position inside a run of n spaces scan the rest
# of it would cost n² (a 64 KB request once held the server for 100 s that way).


class _Rule(NamedTuple):
    name: str
    level: TrimLevel  # the lowest level that makes this cut
    hints: tuple[str, ...]  # substrings of which the text needs one (cheap pre-check); empty: always try
    pattern: re.Pattern[str]


_RULES = (
    _Rule(
        "adverbial_opener", "light", (), re.compile(rf"^(?P<cut>{alternation(LEXICON.adverbial_openers)},\s+)(?=\S)")
    ),
    _Rule(
        "conjunction_opener",
        "light",
        (),
        re.compile(
            rf"^(?P<cut>{alternation(LEXICON.conjunction_openers)}\s+)"
            rf"(?=(?:{alternation(LEXICON.clause_starters)}|I)\b|[A-Z0-9])"
        ),
    ),
    _Rule("parenthetical", "light", ("(",), re.compile(r"(?<!\s)(?P<cut>\s+\([^()]{1,80}\))")),
    _Rule(
        "weekday_phrase",
        "full",
        LEXICON.weekdays,
        re.compile(rf"(?<!\s)(?P<cut>\s+(?:on|last|this|late|early)\s+{_DAYS}{_TIME_OF_DAY}){_NOT_CONTINUED}"),
    ),
    # "Prime Minister Sumaye Monday called …", "officials said Tuesday that …"
    _Rule(
        "bare_weekday",
        "full",
        LEXICON.weekdays,
        re.compile(rf"(?<=\w)(?P<cut>\s+{_DAYS}{_TIME_OF_DAY}){_NOT_CONTINUED}(?=\s+[a-z])"),
    ),
)
_LEVELS: dict[TrimLevel, int] = {"off": 0, "light": 1, "full": 2}


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _weekday_fits(rule: _Rule, before_cut: str) -> bool:
    """A weekday goes only where it is an aside: not the complement of "is" ("The vote is on
    Tuesday"), and a bare weekday not after an article, a preposition or a holiday's first word
    ("The Monday deadline", "from Monday", "Super Tuesday")."""
    previous = _WORD.findall(before_cut)[-1:] or [""]
    word = previous[0]
    if rule.name == "weekday_phrase":
        return word.lower() not in _COMPLEMENTS
    return bool(word) and word.lower() not in _NOT_ASIDE and word not in _HOLIDAYS


def _in_negation_scope(before_cut: str) -> bool:
    """A negation word before the cut with no clause boundary between them."""
    words = list(_WORD.finditer(before_cut))
    last = next(
        (m for m in reversed(words) if m.group().lower() in _NEGATION or m.group().lower().endswith(("n't", "n’t"))),
        None,
    )
    return last is not None and not _SCOPE_END.search(before_cut, last.end())


def _nested(before_cut: str) -> bool:
    """Inside an open parenthesis: the inner one of nested parentheses stays with the outer one."""
    return before_cut.count("(") > before_cut.count(")")


def _allowed(rule: _Rule, current: str, start: int, end: int) -> tuple[int, int] | None:
    """The cut [start, end) as it may be made (a comma left before punctuation goes too), or None."""
    removed = _words(current[start:end])
    if any(w in _ATTRIBUTION or w in _NEGATION or w.endswith(("n't", "n’t")) for w in removed):
        return None
    if _in_negation_scope(current[:start]) or _nested(current[:start]):
        return None
    if any(q.start() < end and start < q.end() for q in _QUOTE.finditer(current)):
        return None
    before = current[start - 1] if start else ""
    after = current[end] if end < len(current) else ""
    if (before.isalnum() and current[start].isalnum()) or (after.isalnum() and current[end - 1].isalnum()):
        return None  # would split a word
    if before.isalnum() and after.isalnum():
        return None  # would glue two words ("Kong (CNN Business)A")
    weekday = rule.name in ("weekday_phrase", "bare_weekday")
    if weekday and not _weekday_fits(rule, current[:start]):
        return None
    if before == "," and after in ",.;:!?":
        if not weekday:
            return None  # "The vote, (scheduled for May), was …": the source's own commas, left alone
        start -= 1  # ", 45-17, on Tuesday night." keeps "45-17." and not "45-17,."
    rest = current[:start] + current[end:]
    if len(rest.split()) < _MIN_WORDS:
        return None
    first = rest.split(maxsplit=1)[0].lstrip('"“‘') if start == 0 else ""
    quoted = start == 0 and not rest[:1].isalnum()
    if start == 0 and (not first[:1].isalnum() or (first[:1].islower() and (quoted or not first.islower()))):
        return None  # an opener cut leaves a word to capitalise (not "eBay", not inside a quotation)
    if current.rstrip(_CLOSERS).endswith(_ENDS) and not rest.rstrip(_CLOSERS).endswith(_ENDS):
        return None
    return start, end


class Trimmed(NamedTuple):
    """Kept spans (offsets into the article) of a sentence, its brief wording (the spans joined,
    first letter upper-cased when an opener was cut), and the rules that cut, in order."""

    spans: tuple[Span, ...]
    wording: str
    cuts: tuple[str, ...]


def trim(text: str, start: int, end: int, level: TrimLevel) -> Trimmed:
    """Trim the sentence `text[start:end]` at `level`."""
    current = text[start:end]
    spans: tuple[Span, ...] = ((start, end),)
    if len(current) > _MAX_CHARS:
        return Trimmed(spans, current, ())
    opener_cut = False
    cuts: list[str] = []
    for rule in _RULES:
        if _LEVELS[rule.level] > _LEVELS[level] or (rule.hints and not any(map(current.__contains__, rule.hints))):
            continue
        match = rule.pattern.search(current)
        while match:
            cut = _allowed(rule, current, *match.span("cut"))
            if cut is None:
                match = rule.pattern.search(current, match.end("cut"))
                continue
            cut_from, cut_to = cut
            opener_cut = opener_cut or cut_from == 0
            cuts.append(rule.name)
            current = current[:cut_from] + current[cut_to:]
            spans = cut_spans(spans, cut_from) + _skip(spans, cut_to)
            match = rule.pattern.search(current, cut_from)
    return Trimmed(spans, current[:1].upper() + current[1:] if opener_cut else current, tuple(cuts))


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
