"""Trim what a brief can do without, never what a sentence means; keep exact spans of the original.

Cuts, each one contiguous piece (what is kept is a list of spans of the article text):
- `light`: a dangling opener ("However, …", "But the talks …"), and a parenthesis that holds only
  a credit, a code or a number that is not money ("(Reuters)", "(WHO)" after its name, "(R-Texas)",
  "(0.4 percent)");
- `full` (default): also a weekday that dates a saying and reads wrong once out of its article
  ("said on Tuesday", "said Monday that", "Prime Minister Sumaye Monday said").

A cut is made only when every guard of `_allowed` holds: it holds no attribution or hedge word (no
rule cuts "X said", so a claim never becomes a fact) and no negation, and lies in no negation's
scope; it touches no quotation; it splits or glues no words and leaves no ",." or "..";
what remains keeps its final punctuation and at least `_MIN_WORDS` words. Asides, glosses and
editors' insertions in parentheses are not cut: a hand audit found them carrying what a sentence
needs (an acronym's meaning, a subject, an object). Rules that would need a parse to be safe
(attributions, relative clauses) do not exist. Word lists live in data/lexicon.toml;
tests/data/trimming.jsonl holds the expected output of 460+ sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from service.lexicon import LEXICON, alternation
from service.records import LONGEST_SENTENCE
from service.settings import TrimLevel

Span = tuple[int, int]

_MIN_WORDS = 4

_DAYS = alternation(LEXICON.weekdays)
_MONTHS = alternation(LEXICON.months)
# "Monday night" goes whole or not at all (`?+`: "late Friday night's game" must not lose "late Friday")
_TIME_OF_DAY = r"(?:\s+(?:night|morning|afternoon|evening|noon|midnight))?+"
# not when the phrase goes on: "Thursday's", "Monday-night", "on Monday and Tuesday", "Monday, March 3",
# "Monday 3 March" (a comma and a score, ", 72-39", is not a date)
_FOLLOWS = rf"(?=[.,;:!?)\"'”’]|\s+(?:{alternation(LEXICON.weekday_followers)})\b)"
_NOT_CONTINUED = (
    rf"(?![\w'’-])(?!\s+{alternation(LEXICON.weekday_continuations)}\s+(?:{_DAYS}|{_MONTHS}|\d|early|late|the)\b)"
    rf"(?!,?\s+(?:{_MONTHS}\b|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}))"
)
# What a parenthesis may hold to be cut: an acronym after its name, a party tag, a news agency, a
# number with its unit (not a phone area code: no digit may follow the parenthesis), a web address.
_ACRONYM = re.compile(r"[A-Z][A-Z0-9&.-]{1,9}")
_ASIDE = re.compile(
    rf"{_ACRONYM.pattern}"
    r"|[RDI](?:-[A-Z][A-Za-z. ]{1,20})?"
    rf"|{alternation(LEXICON.news_agencies)}"
    r"|(?:about |around |roughly |approximately |some |nearly |almost |up to )?"
    r"[$€£¥]?\d[\d,.:]*(?: ?[%a-zA-Z.$€£]+){0,4}"
    r"|(?:https?://|www\.)\S+"
)
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ATTRIBUTION = frozenset(LEXICON.attribution_words)
_NEGATION = frozenset(LEXICON.negations)
_NOT_ASIDE = frozenset((*LEXICON.sentence_starts, *LEXICON.weekday_governors, *LEXICON.weekday_complements))
_NAMED_DAYS = frozenset(LEXICON.weekday_names)
_WEEKDAYS = frozenset(w.lower() for w in LEXICON.weekdays)
_CURRENCIES = frozenset(LEXICON.currencies)
_FIRST_PERSON = frozenset(LEXICON.first_person)
# a clock time ("at 2 p.m.", "9:30"): the sentence is a schedule, and its days are the point
_CLOCK = re.compile(r"\b\d{1,2}(?::\d\d)?\s?[ap]\.?m\b|\b\d{1,2}:\d\d\b", re.IGNORECASE)
_SCHEDULE = frozenset(LEXICON.schedule_words)
_OPENERS = frozenset(w.lower() for w in (*LEXICON.conjunction_openers, *LEXICON.adverbial_openers))
# a negation's scope ends at a clause boundary: nothing before one of these is cut after a negation
_SCOPE_END = re.compile(r"[,;:()\"“”‘’`'—–]|\s-\s")
# a quotation runs to its closing mark, or to the end of the sentence when it goes on past it; a
# ’ followed by a letter is an apostrophe ("don’t"); newswire writes ``…'' and `…'
_QUOTE = re.compile(r"“[^”]*(?:”|$)|\"[^\"]*(?:\"|$)|‘(?:[^’]|’(?=\w))*(?:’|$)|``.*?(?:''|$)|`[^`']*(?:'|$)")
_CLOSING = re.compile(r"[”]|''")
_OPENING = re.compile(r"[“]|``")
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
            rf"(?=(?:{alternation(LEXICON.clause_starters)}|I)\b|[A-Z])"
        ),
    ),
    _Rule("parenthetical", "light", ("(",), re.compile(r"(?<!\s)(?P<cut>\s+\((?P<inner>[^()]{1,80})\))(?!\s*\d)")),
    _Rule(
        "weekday_phrase",
        "full",
        LEXICON.weekdays,
        re.compile(
            rf"(?<!\s)(?P<cut>\s+(?:on|last|this|late|early)\s+{_DAYS}{_TIME_OF_DAY}){_NOT_CONTINUED}{_FOLLOWS}"
        ),
    ),
    # "Prime Minister Sumaye Monday said …", "officials said Tuesday that …"
    _Rule(
        "bare_weekday",
        "full",
        LEXICON.weekdays,
        re.compile(rf"(?<=\w)(?P<cut>\s+{_DAYS}{_TIME_OF_DAY}){_NOT_CONTINUED}(?=\s+[a-z])"),
    ),
)
_LEVELS: dict[TrimLevel, int] = {"off": 0, "light": 1, "full": 2}
_WEEKDAY_RULES = ("weekday_phrase", "bare_weekday")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _weekday_fits(rule: _Rule, sentence: str, before_cut: str, after_cut: str) -> bool:
    """A weekday goes only where it dates a saying, next to the verb of saying ("said on Monday
    it", "said Tuesday that", "Sumaye Monday said"): anywhere else it may be the only date of
    the event (hand audit 4 of 200 trims: 16 of 18 meaning changes were such weekdays). Never
    in a sentence about a schedule ("scheduled to testify Monday") or naming two days."""
    words = _words(sentence)
    if _SCHEDULE.intersection(words) or len(_WEEKDAYS.intersection(words)) > 1 or _CLOCK.search(sentence):
        return False  # a schedule, or two days set against each other: the days are the point
    previous = _WORD.findall(before_cut[-80:])[-1:] or [""]
    following = _WORD.findall(after_cut[:80])[:1] or [""]
    if previous[0].lower() in _ATTRIBUTION:
        return True
    named = previous[0][:1].isupper() and previous[0].lower() not in _NOT_ASIDE and previous[0] not in _NAMED_DAYS
    return rule.name == "bare_weekday" and named and following[0].lower() in _ATTRIBUTION


def _in_negation_scope(before_cut: str) -> bool:
    """A negation word before the cut with no clause boundary between them."""
    words = list(_WORD.finditer(before_cut))
    last = next(
        (m for m in reversed(words) if m.group().lower() in _NEGATION or m.group().lower().endswith(("n't", "n’t"))),
        None,
    )
    return last is not None and not _SCOPE_END.search(before_cut, last.end())


def _quoted(current: str, start: int, end: int) -> bool:
    """Does [start, end) touch a quotation? A sentence that opens inside one (its first mark
    closes, or it has an odd number of straight quotes) counts as quoted from its start."""
    closing, opening = _CLOSING.search(current), _OPENING.search(current)
    if (closing and (opening is None or closing.start() < opening.start()) and start < closing.end()) or (
        current.count('"') % 2 and start < current.index('"')
    ):
        return True
    return any(q.start() < end and start < q.end() for q in _QUOTE.finditer(current))


def _first_person(word: str) -> bool:
    """ "I", "we", "our" …, but not the country "US"."""
    return word.lower() in _FIRST_PERSON and (word.startswith("I") or not word.isupper())


def _opener_fits(rest: str, sentence: str) -> bool:
    """An opener cut leaves a word to capitalise: not a digit ("19 people"), not a name such as
    "eBay", not a quotation, and not an inserted "he added," (a comma splice once the opener goes).
    A sentence in the first person, or holding a nested ‘quote’, is likely someone's words split
    from their quotation marks: its opener is theirs and stays."""
    if any(_first_person(w) for w in _WORD.findall(sentence)) or "‘" in sentence or "`" in sentence:
        return False
    first = rest.split(maxsplit=1)[0] if rest.strip() else ""
    if not first[:1].isalpha() and not (first[:1] in '"“' and first[1:2].isupper()):
        return False
    if first[:1].islower() and not first.islower():
        return False
    inserted = rest.split(",", 1)[0] if "," in rest else ""
    return not (len(inserted.split()) <= 4 and _ATTRIBUTION.intersection(_words(inserted)))


def _aside(inner: str, article: str) -> bool:
    """May a parenthesis holding `inner` go? Only a credit, a code or a number that is not money
    (a conversion may be the only sign of which dollars are meant) or a year (it may be the only
    date of what it follows); an acronym only where the article never uses it again (else its
    definition goes with it)."""
    if _ASIDE.fullmatch(inner) is None or "$" in inner or _YEAR.search(inner):
        return False
    if _CURRENCIES.intersection(_words(inner)):
        return False
    return not _ACRONYM.fullmatch(inner) or article.count(inner) == 1


def _allowed(rule: _Rule, current: str, start: int, end: int) -> tuple[int, int] | None:
    """The cut [start, end) as it may be made (stray punctuation it leaves goes too), or None."""
    removed = _words(current[start:end])
    if any(w in _ATTRIBUTION or w in _NEGATION or w.endswith(("n't", "n’t")) for w in removed):
        return None
    if _in_negation_scope(current[:start]) or current[:start].count("(") > current[:start].count(")"):
        return None  # after a negation the cut may be in its scope; inside a parenthesis it is its part
    if _quoted(current, start, end):
        return None
    before = current[start - 1] if start else ""
    after = current[end] if end < len(current) else ""
    if (before.isalnum() and current[start].isalnum()) or (after.isalnum() and current[end - 1].isalnum()):
        return None  # would split a word
    if before.isalnum() and after.isalnum():
        return None  # would glue two words ("Kong (CNN Business)A")
    weekday = rule.name in _WEEKDAY_RULES
    if weekday and not _weekday_fits(rule, current, current[:start], current[end:]):
        return None
    if before == "," and after in ",.;:!?":
        if not weekday:
            return None  # "The vote, (scheduled for May), was …": the source's own commas, left alone
        start -= 1  # ", 45-17, on Tuesday night." keeps "45-17." and not "45-17,."
    elif before == "." and after == ".":
        end += 1  # "Corp. on Tuesday." keeps "Corp." and not "Corp.."
    elif after == "," and weekday and current[:start].strip().lower() in _OPENERS:
        end += 1  # "And on Wednesday, the …" keeps "And the …"
    rest = current[:start] + current[end:]
    if len(rest.split()) < _MIN_WORDS or (start == 0 and not _opener_fits(rest, current)):
        return None
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
    if len(current) > LONGEST_SENTENCE:  # left whole: each cut copies the sentence
        return Trimmed(spans, current, ())
    opener_cut = False
    cuts: list[str] = []
    for rule in _RULES:
        if _LEVELS[rule.level] > _LEVELS[level] or (rule.hints and not any(map(current.__contains__, rule.hints))):
            continue
        match = rule.pattern.search(current)
        while match:
            inner = match.groupdict().get("inner")
            aside = inner is None or _aside(inner, text)
            cut = _allowed(rule, current, *match.span("cut")) if aside else None
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
