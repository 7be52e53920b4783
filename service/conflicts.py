"""Disagreements: where the sources give different numbers or dates for the same thing.

A mention is a quantity with what it counts ("12 people", "a dozen people", "5 miles", "$3
billion", "30 percent", "magnitude 7.1"), a person's age ("Ann Roe, 41,"), a time of day or a
date ("yesterday", "June 18"), read by one pass over a sentence's words. Values are normalised:
number words and "a dozen" become numbers, units one unit (miles → km), "yesterday"/"today"/
"tomorrow" and month days become calendar dates from the article's `published_at`. A weekday is
not compared: "Friday" is the last or the next one, and a hand check found sentences one day apart
about different days of a story. What a count is *about* is its noun, with the casualty verb that
governs it ("killing 12 people" is about `people killed`; "three others" about `other people`).
A hedged number is a range: "at least 5" agrees with 9, "up to 17" with 12, "about 300" with 330.

Hand checks (docs/benchmarks.md) found most false conflicts to be a part set against the whole, so
a count is left out when words near it make it a part or a running total ("among them", "found
at the scene", "so far", "a total of"), when it stands in parentheses (a conversion), and when
its own sentence gives another value for the same thing (two quakes, a prize and its half).

Two sentences of different articles disagree when they state the same fact (similarity at
least `_SAME_REPORT`: a strict support group) or, for a casualty count, are about the same event
(similarity at least `_EVENT_SIMILARITY`; an age needs only the same full name); were published
at most `_NEWS_DAYS` apart (when both say when); mention the same `about` under the same cue
word ("won 82 percent" and "won 80 percent", not "fell 3 percent" and "dropped 4 percent"); share
no value; and agree on every other quantity both give (two sentences that differ on two numbers
tell of different things). A date that dates the report ("police said June 18") is not compared,
nor two days both relative to their articles. The sentences that disagree on one `about` form
one conflict, with every value and who gives it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import scipy.sparse as sp

from service.boilerplate import trie
from service.lexicon import LEXICON
from service.records import LONGEST_SENTENCE, Article, Sentence
from service.result import Conflict, ConflictValue, MentionRef

# two sentences report the same fact from this similarity (stemmed TF-IDF cosine): stricter than
# the support similarity (0.3) and the duplicate similarity (0.35), which let a hand-checked DUC
# sample (docs/benchmarks.md) through with most "conflicts" between different facts
_SAME_REPORT = 0.5
# two sentences with different dates tell of the same day only when nearly the same (the hand check
# found sentences at 0.5 telling of different days of one story)
_SAME_DAY = 0.6
# the same event, not the same sentence: a casualty count is compared between sentences this similar.
# Below the support similarity (0.3): with parts, running totals and sentences that differ on two counts
# left out, a hand check of the events data found 0.2 adding real disagreements ("killing one and wounding
# four others" against "killed one and wounded six others") and one false one in five; a magnitude
# needs `_SAME_REPORT` (sentences at 0.3 told of two quakes of one region)
_EVENT_SIMILARITY = 0.2
# articles published further apart than this report different moments: a toll that rose is no conflict
_NEWS_DAYS = 2
# "about 300", "nearly 300", "more than 300" agree with any value within this share of it
_HEDGE_TOLERANCE = 0.2
# two exact values closer than this share are one value written twice (5 miles vs 8 km)
_SAME = 0.02
# a sentence with more numbers than this is a table or a list of results, not a claim to compare
_MAX_MENTIONS = 12
# numbers weighed in one sentence at most (a mention holds one to three: "$5 million", "June 18,
# 2023"); past it the sentence is a list of results or scores too, and its quantities are left out
_MAX_NUMBERS = 4 * _MAX_MENTIONS
# mentions of one `about` compared at most (their agreement is a square matrix: 2000² is 32 MB);
# past it the rest are left out and the summary's notes say so
_MAX_COMPARED = 2000
# a bare four-digit number in this range is a year, not a quantity
_YEARS = range(1800, 2101)

_WORD = re.compile(r"\$|€|£|%|\d+(?:,\d{3})*(?:\.\d+)?|[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_UNITS = {w: i for i, w in enumerate(LEXICON.number_units)}
_TENS = {w: (i + 2) * 10 for i, w in enumerate(LEXICON.number_tens)}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
_DOZEN = 12
# unit words → (the unit compared, the factor to it)
_MEASURES: dict[str, tuple[str, float]] = {
    **dict.fromkeys(("km", "kilometer", "kilometers", "kilometre", "kilometres"), ("km", 1.0)),
    **dict.fromkeys(("mile", "miles"), ("km", 1.609344)),
    **dict.fromkeys(("m", "meter", "meters", "metre", "metres"), ("m", 1.0)),
    **dict.fromkeys(("ft", "foot", "feet"), ("m", 0.3048)),
    **dict.fromkeys(("kg", "kilogram", "kilograms", "kilo", "kilos"), ("kg", 1.0)),
    **dict.fromkeys(("ton", "tons", "tonne", "tonnes"), ("t", 1.0)),
    **dict.fromkeys(("percent", "%", "pct"), ("percent", 1.0)),
    **dict.fromkeys(("$", "dollar", "dollars"), ("dollars", 1.0)),
    **dict.fromkeys(("€", "euro", "euros"), ("euros", 1.0)),
    **dict.fromkeys(("£",), ("pounds", 1.0)),
    **dict.fromkeys(("yuan", "renminbi"), ("yuan", 1.0)),
}
_CURRENCY_SIGNS = frozenset(("$", "€", "£"))
_RANGE_WORDS = frozenset(("to", "and", "or", "through"))
_SPLIT_BEFORE = re.compile(r"\d[.,] $")
_SPLIT_AFTER = re.compile(r"[.,] \d")
_HEDGES = frozenset(LEXICON.number_hedges)
# bound phrases as word tuples, longest first: ("at", "least") → "least"
_BOUNDS = sorted(
    [(tuple(p.split()), "least") for p in LEXICON.number_lower_bounds]
    + [(tuple(p.split()), "most") for p in LEXICON.number_upper_bounds],
    key=lambda item: -len(item[0]),
)
_PARTIAL = frozenset(LEXICON.partial_counts)
_PARTIAL_LEADS = frozenset(LEXICON.partial_leads)
_PARTIAL_TAILS = frozenset(LEXICON.partial_tails)
# what may follow a number that stands alone (anything else glued to it makes another number: "4½")
_AFTER_NUMBER = frozenset(
    ("", " ", "\n", "\t", "\u00a0", ",", ".", ";", ":", ")", "!", "?", "%", "-", "'", '"', "\u2019", "\u201d")
)
_CASUALTY_STOPS = frozenset(LEXICON.casualty_stops)
_DEATHS = frozenset(LEXICON.death_words)
_FATALLY = frozenset(("fatally", "dead", "death"))
_NUMBER_WORDS = frozenset((*LEXICON.number_units, *LEXICON.number_tens, "dozen", "hundred", "thousand"))
_SENTENCE_STARTS = frozenset(LEXICON.sentence_starts)
_CASUALTIES = (
    ("killed", _DEATHS),
    ("injured", frozenset(LEXICON.injury_words)),
    ("shot", frozenset(("shot", "shooting"))),  # "shot four people, killing one": four were shot
)
_MAGNITUDE = "magnitude"
_TIME = "time of day"
_AGE = "age of "  # "age of Ann Roe": compared whatever the two sentences' similarity, the full name says who
_NAME_WORDS = 3  # a full name is read back at most this many capitalised words
_CALENDAR = frozenset((*LEXICON.months, *LEXICON.weekdays))
_DATES = frozenset(("date", "month day"))  # an ISO date; a month day without a year to place it
_EVENTS = frozenset(f"{who}people {kind}" for who in ("", "other ") for kind, _ in _CASUALTIES)
_RELATIVE_DAYS = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}
_MONTHS = {w.lower(): i + 1 for i, w in enumerate(LEXICON.months)}
# a noun after a number that says nothing of what is counted: no mention
_REPORTING = frozenset((*LEXICON.speech_verbs, *LEXICON.reporting_words))
_DATE_LEADS = frozenset(
    ("on", "last", "late", "early", "this", "here", "there", *(w.lower() for w in LEXICON.weekdays))
)
# a casualty count belongs to the capitalised word at most this many words before it
_ENTITY_REACH = 6
# words either side of a count (past its hedge) read for a word of `partial_counts`: "a total of 9 cars,
# 20 bikes" is six words from "total"; "Three people had so far been found"
_PART_REACH = 6
# a casualty word this many words after a count still says what it counts ("four others, including
# a police officer, were injured")
_AFTER_REACH = 6
# hedges, articles and date leads skipped before a value at most ("on late Monday", "at least more than")
_LEAD_REACH = 4
_FUNCTION_WORDS = frozenset(
    ("with", "of", "in", "to", "for", "from", "on", "and", "or", "was", "were", "is", "are", "be", "been", "has",
     "have", "had", "that", "which", "who", "than", "as", "its", "their", "his", "her")
)  # fmt: skip
_SKIPPED = frozenset(("the", "a", "an", "all", "more", "less", "fewer", "at", "by", "just", "only", "another"))
_PEOPLE = frozenset(("people", "persons", "person", "others", "individuals"))
_NOT_COUNTED = frozenset(("of", "and", "or", "to", "in", "on", "at", "for", "by", "from", "the", "a", "an", "p"))
# the words a mention can start with (with a digit or a currency sign): any other word is passed over
_STARTS = frozenset(("a", "dozen", *_UNITS, *_TENS, *_RELATIVE_DAYS, *_MONTHS))
# in a lower-cased sentence: a digit, a currency sign or a word a mention can start with ("a" only
# before a scale word, which the list has); a sentence without any has no mention (most have none)
_MAY_MENTION = re.compile(
    r"[\d$€£]|(?<![^\W\d_])" + trie(_STARTS - {"a"} | {"hundred", "thousand", "million", "billion"}) + r"(?![^\W\d_])"
)


@dataclass(frozen=True, slots=True)
class Mention:
    about: str
    value: float | str  # a number in the unit of `about`, an ISO date, or a month day ("June 18")
    # a number: "exact", "about" (an estimate), "least" or "most" (a bound: "at least 5", "up to 17");
    # a date: "exact", or "relative" (to its article's date: "yesterday")
    bound: str
    start: int
    end: int
    cue: str = ""  # the word a count hangs on ("won 82 percent"): counts compare only under the same one


def _number(words: list[tuple[int, int, str]], i: int) -> tuple[float, int] | None:
    """The number written at words[i:] ("12", "1,200", "1.5 million", "twenty-five", "a dozen"),
    and the index after it."""
    w = words[i][2].lower()
    if w[0].isdigit():
        try:
            value = float(w.replace(",", ""))
        except ValueError:
            return None
        j = i + 1
    elif w in ("a", "one") and i + 1 < len(words) and words[i + 1][2].lower() == "dozen":
        return float(_DOZEN), i + 2
    elif w == "dozen":
        return float(_DOZEN), i + 1
    elif w in _UNITS or w in _TENS or w.split("-")[0] in _TENS:
        head, _, tail = w.partition("-")
        value = float(_TENS.get(head, _UNITS.get(head, 0)) + _UNITS.get(tail, 0))
        if tail and tail not in _UNITS:
            return None
        j = i + 1
    elif w == "a" and i + 1 < len(words) and words[i + 1][2].lower() in ("hundred", "thousand", "million", "billion"):
        value, j = 1.0, i + 1
    else:
        return None
    while j < len(words) and words[j][2].lower() in _SCALES:
        value *= _SCALES[words[j][2].lower()]
        j += 1
    return value, j


def _plural(word: str) -> bool:
    w = word.lower()
    return w in _PEOPLE or (w.isalpha() and len(w) > 3 and w.endswith("s") and not w.endswith("ss"))


def _noun(words: list[tuple[int, int, str]], j: int) -> int | None:
    """The index of the plural noun a number counts: right after it, or after one adjective
    ("three important issues", "12 more people"); None for anything else ("two shook", "G20 summit")."""
    for k in (j, j + 1):
        if k > j and k < len(words) and words[k][0] - words[j][1] > 1:
            return None  # a comma or a dash between: "one hurt, others safe"
        if k < len(words) and words[k][2].lower() not in _NOT_COUNTED and _plural(words[k][2]):
            return k
        if k < len(words) and (
            not words[k][2].isalpha() or words[k][2].lower() in _NOT_COUNTED or words[k][2].lower() in _NUMBER_WORDS
        ):
            return None  # "photo 2 of 9 Six people": 9 counts no people
    return None


def _singular(noun: str) -> str:
    if noun in _PEOPLE:
        return "people"
    if noun.endswith("ies") and len(noun) > 4:
        return noun[:-3] + "y"
    if noun.endswith("s") and not noun.endswith("ss") and len(noun) > 3:
        return noun[:-1]
    return noun


def _casualty(words: list[tuple[int, int, str]], i: int, j: int) -> str | None:
    """'killed', 'injured' or 'shot' for the count at words[i:j]: the verb it is the object of
    ("killing at least five people", "shot four people, killing one"), else the first casualty
    word after it ("four others, including a police officer, were injured") before a word of
    `casualty_stops`. A gerund after a count takes its own object ("fired at 40 people, wounding
    6"), and "shot dead", "shot to death" is a death."""
    after: list[str] = []
    for w in words[j : j + _AFTER_REACH]:
        if w[2].lower() in _CASUALTY_STOPS:
            break  # "kept two people hostage until police shot him": the shot is someone else
        if not w[2].lower().endswith("ing"):
            after.append(w[2].lower())
    cue = _cue(words, i)
    for n, word in enumerate((cue, *after)):
        for kind, kind_words in _CASUALTIES:
            if word in kind_words:
                fatal = {cue, *after[max(0, n - 2) : n + 2]} & _FATALLY  # "fatally shot", "shot to death"
                return "killed" if kind == "shot" and fatal else kind
    return None


def _date(words: list[tuple[int, int, str]], i: int, published: date | None) -> tuple[str, int] | None:
    w = words[i][2].lower()
    if w in _RELATIVE_DAYS and published is not None:
        return (published + timedelta(days=_RELATIVE_DAYS[w])).isoformat(), i + 1
    if w in _MONTHS and i + 1 < len(words) and words[i + 1][2].isdigit() and 1 <= int(words[i + 1][2]) <= 31:
        j = i + 2
        year = published.year if published else None
        if j < len(words) and words[j][2].isdigit() and int(words[j][2]) in _YEARS:
            year, j = int(words[j][2]), j + 1
        if year is None:
            return f"{words[i][2]} {int(words[i + 1][2])}", j
        try:
            return date(year, _MONTHS[w], int(words[i + 1][2])).isoformat(), j
        except ValueError:
            return None
    return None


def _clock(text: str, words: list[tuple[int, int, str]], i: int) -> tuple[float, int] | None:
    """A time of day at words[i:] ("6:15 a.m.", "10:40") as minutes after midnight, and the index
    after it; never compared itself, it tells two sentences about different moments apart."""
    if not (i + 1 < len(words) and words[i][2].isdigit() and len(words[i + 1][2]) == 2 and words[i + 1][2].isdigit()):
        return None
    if text[words[i][1] : words[i + 1][0]] != ":" or int(words[i][2]) > 24:
        return None
    minutes, j = int(words[i][2]) % 12 * 60 + int(words[i + 1][2]), i + 2
    if j < len(words) and words[j][2].lower() in ("a", "am", "p", "pm"):
        minutes += 720 * (words[j][2].lower()[0] == "p")
        j += 1
    return float(minutes), j


def _age(text: str, words: list[tuple[int, int, str]], i: int) -> str | None:
    """Whose age the number at words[i] is: the full name (two or three capitalised words) right
    before it and a comma, the number followed by a comma ("Ann Roe, 41, of Springfield")."""
    if not (words[i][2].isdigit() and len(words[i][2]) <= 2 and i >= 2):
        return None
    if text[words[i - 1][1] : words[i][0]] != ", " or text[words[i][1] : words[i][1] + 1] != ",":
        return None
    name: list[str] = []
    k = i - 1
    while k >= 0 and len(name) < _NAME_WORDS and words[k][2][:1].isupper() and words[k][2].isalpha():
        name.insert(0, words[k][2])
        if k == 0 or text[words[k - 1][1] : words[k][0]] != " ":
            break
        k -= 1
    if len(name) < 2 or any(w.lower() in _SENTENCE_STARTS or w in _CALENDAR for w in name):
        return None
    return " ".join(name)


def _reporting(words: list[tuple[int, int, str]], i: int, j: int, text: str) -> bool:
    """A date of the reporting, not of the event: "police said Saturday", "published today", a
    credit or an embedded post ("— Name (@name) January 14, 2017")."""
    if text[max(0, words[i][0] - 2) : words[i][0]].strip() == ")":
        return True
    k = i - 1
    while k >= max(0, i - _LEAD_REACH) and words[k][2].lower() in _DATE_LEADS:
        k -= 1
    before = words[k][2].lower() if k >= 0 else ""
    after = words[j][2].lower() if j < len(words) else ""
    return before in _REPORTING or after in _REPORTING


def _entity(words: list[tuple[int, int, str]], i: int) -> str:
    """Who or where a count belongs to: the nearest capitalised word before it, within
    `_ENTITY_REACH` words ("in Ruritania killed 30", "Roe scored 11 points"); a sentence's first
    word only when it is no common opener or number word."""
    for k in range(i - 1, max(0, i - _ENTITY_REACH) - 1, -1):
        word = words[k][2]
        if word[:1].isupper() and (k > 0 or word.lower() not in _SENTENCE_STARTS | _NUMBER_WORDS):
            return word
    return ""


def _bound(words: list[tuple[int, int, str]], i: int) -> tuple[str, int]:
    """How the number at words[i] is hedged ("at least", "up to", "about", or "exact") and the
    index of the hedge's first word."""
    before = tuple(w[2].lower() for w in words[max(0, i - 3) : i])
    for phrase, kind in _BOUNDS:
        if before[len(before) - len(phrase) :] == phrase:
            return kind, i - len(phrase)
    if before and before[-1] in _HEDGES:
        return "about", i - 1
    return "exact", i


def _partial(text: str, words: list[tuple[int, int, str]], lead: int, j: int, noun: int) -> bool:
    """A part of a whole or a running total: a word of `partial_counts` within `_PART_REACH` words
    of the count ("12 more people", "so far", "a total of"), of `partial_leads` before it ("among
    them three children") or of `partial_tails` after it ("including the gunman"); or the count in
    parentheses (a conversion: "(30 miles)", "($12 billion)"), or a number glued to a sign that is
    not its unit (a fraction, a garbled character)."""
    before = [w[2].lower() for w in words[max(0, lead - _PART_REACH) : lead]]
    after = [w[2].lower() for w in words[j : noun + 1 + _PART_REACH]]
    opened = text[max(0, words[lead][0] - 3) : words[lead][0]].rstrip().endswith("(")
    glued = text[words[j - 1][1] : words[j - 1][1] + 1] not in _AFTER_NUMBER  # "2½ years", a garbled "2� years"
    return (
        opened
        or glued
        or any(w in _PARTIAL or w in _PARTIAL_LEADS for w in before)
        or any(w in _PARTIAL or w in _PARTIAL_TAILS for w in after)
    )


def _cue(words: list[tuple[int, int, str]], i: int) -> str:
    """The word before a count, past hedges and articles: "won" in "won more than 80 percent"."""
    k = i - 1
    while k >= max(0, i - _LEAD_REACH) and (words[k][2].lower() in _HEDGES or words[k][2].lower() in _SKIPPED):
        k -= 1
    cue = words[k][2].lower() if k >= 0 else ""
    return cue if cue not in _FUNCTION_WORDS else ""  # "second with 29.6 percent", "third with 6 percent"


def _casualty_cue(words: list[tuple[int, int, str]], i: int, casualty: str, deaths: str) -> str:
    """The cue of a casualty count: the place or body it belongs to (`_entity`: "the flood in
    Ruritania killed 30" is not set against "the storm in Freedonia killed 8"), and for an injury count
    whether its sentence tells of a death too."""
    return _entity(words, i) + (f" {deaths}" if casualty == "injured" and deaths else "")


def _subject_cue(words: list[tuple[int, int, str]], i: int) -> str:
    """The cue of a count that is no casualty count: its verb and whose it is ("Roe scored 11
    points" is not set against "Doe scored 14 points"); empty without a verb."""
    verb = _cue(words, i)
    return f"{_entity(words, i)} {verb}" if verb else ""


def _in_range(text: str, words: list[tuple[int, int, str]], i: int, j: int) -> bool:
    """A number that is one end of a range ("between $140 and $150 million", "2 to 6 degrees") or
    a piece of a number split by tokenised text ("6. 1", "4, 183"): no value of its own."""
    before = text[max(0, words[i][0] - 3) : words[i][0]]
    after = text[words[j - 1][1] : words[j - 1][1] + 3]
    if _SPLIT_BEFORE.search(before) or _SPLIT_AFTER.match(after):
        return True
    previous = words[i - 1][2].lower() if i > 0 else ""
    following = words[j][2].lower() if j < len(words) else ""
    after_next = words[j + 1][2] if j + 1 < len(words) else ""
    return (
        previous == "between"
        or (previous in _RANGE_WORDS and i > 1 and words[i - 2][2][:1].isdigit())
        or (following in _RANGE_WORDS and (after_next[:1].isdigit() or after_next in _CURRENCY_SIGNS))
    )


def mentions(text: str, start: int, end: int, published: date | None = None) -> list[Mention]:
    """The quantities and dates of text[start:end], in order; one pass over its words. A count that
    is a part or a running total (`_partial`) is left out. An injury count in a sentence that also
    tells of a death compares only with such counts ("four injured" may or may not count the one
    who died). A text longer than a sentence is no claim to compare."""
    if end - start > LONGEST_SENTENCE:
        return []
    if _MAY_MENTION.search(text[start:end].lower()) is None:  # sliced: the look-behind sees only the sentence
        return []
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text, start, end)]
    deaths = "dead" if any(w[2].lower() in _DEATHS for w in words) else ""
    found: list[Mention] = []
    weighed = 0
    i = 0
    while i < len(words) and len(found) <= _MAX_MENTIONS:
        word = words[i][2]
        low = word.lower()
        hyphenated = "-" in low and low.split("-")[0] in _TENS  # "twenty-five"
        if not (low in _STARTS or word[0].isdigit() or word in _CURRENCY_SIGNS or hyphenated):
            i += 1  # no date, sign or number starts here
            continue
        when = _date(words, i, published)
        if when is not None:
            relative = words[i][2].lower() in _RELATIVE_DAYS
            if not _reporting(words, i, when[1], text):
                kind = "date" if when[0][:1].isdigit() else "month day"
                # two days relative to their articles' dates are not compared (they would differ
                # only as the publication dates do)
                bound = "relative" if relative else "exact"
                found.append(Mention(kind, when[0], bound, words[i][0], words[when[1] - 1][1]))
            i = when[1]
            continue
        person = _age(text, words, i)
        if person is not None:
            found.append(Mention(f"age of {person}", float(words[i][2]), "exact", words[i][0], words[i][1], "age"))
            i += 1
            continue
        clock = _clock(text, words, i)
        if clock is not None:
            found.append(Mention(_TIME, clock[0], "exact", words[i][0], words[clock[1] - 1][1]))
            i = clock[1]
            continue
        if words[i][0] > 0 and (text[words[i][0] - 1].isalnum() or text[words[i][0] - 1] == "-"):
            i += 1  # part of a name or a code: "COVID-19", "G20"
            continue
        sign = words[i][2] if words[i][2] in _CURRENCY_SIGNS else None
        number = _number(words, i + 1 if sign else i) if i + (1 if sign else 0) < len(words) else None
        if number is None:
            i += 1
            continue
        weighed += 1
        if weighed > _MAX_NUMBERS:
            return []
        value, j = number
        if _in_range(text, words, i, j):
            i = j
            continue
        bound, lead = _bound(words, i)
        first = i
        previous = words[i - 1][2].lower() if i > 0 else ""
        unit_word = sign or (words[j][2].lower() if j < len(words) else "")
        noun = _noun(words, j)
        if _partial(text, words, lead, j, j if noun is None else noun):
            i = j
            continue
        if _MAGNITUDE in (previous, unit_word):
            found.append(Mention(_MAGNITUDE, value, bound, words[first][0], words[j - 1][1]))
        elif unit_word in _MEASURES:
            unit, factor = _MEASURES[unit_word]
            last = j - 1 if sign else j
            cue = _subject_cue(words, first)
            found.append(Mention(unit, round(value * factor, 6), bound, words[first][0], words[last][1], cue))
        elif noun is not None and not (value in _YEARS and "," not in words[i][2] and value.is_integer()):
            casualty = _casualty(words, i, noun + 1)
            # "three others", "four other people": counted apart from someone already named
            other = words[noun][2].lower() == "others" or any(w[2].lower() == "other" for w in words[j:noun])
            about = ("other " if other else "") + _singular(words[noun][2].lower())
            about += f" {casualty}" if casualty else ""
            cue = _casualty_cue(words, first, casualty, deaths) if casualty else _subject_cue(words, first)
            found.append(Mention(about, value, bound, words[first][0], words[noun][1], cue))
        i = j
    return found if len(found) <= _MAX_MENTIONS else []


def _numeric(m: Mention) -> float:
    """A mention's value as a number that is equal exactly when two dates are."""
    if isinstance(m.value, float):
        return m.value
    if m.value[:1].isdigit():
        return float(date.fromisoformat(m.value).toordinal())
    month, day = m.value.split()
    return float(-100 * _MONTHS[month.lower()] - int(day))  # "June 18": negative, apart from ordinals


def _display(m: Mention) -> str:
    if isinstance(m.value, str):
        return m.value
    number = f"{m.value:,.0f}" if m.value.is_integer() else f"{m.value:,.6g}"
    return f"{number} years" if m.about.startswith(_AGE) else f"{number} {m.about}"


def _agreement(ms: Sequence[Mention]) -> np.ndarray:
    """Which of `ms` (mentions of one `about`) can both be true: equal dates (two days relative to
    their articles always agree), else numbers whose ranges meet: an exact value within `_SAME`,
    an estimate within `_HEDGE_TOLERANCE`, a bound open on one side ("at least 5" agrees with 9)."""
    values = np.array([_numeric(m) for m in ms])
    if ms[0].about in _DATES:
        relative = np.array([m.bound == "relative" for m in ms])
        same: np.ndarray = (values[:, None] == values[None, :]) | (relative[:, None] & relative[None, :])
        return same
    share = np.array([_HEDGE_TOLERANCE if m.bound == "about" else _SAME for m in ms]) * np.abs(values)
    low = np.where([m.bound == "most" for m in ms], -np.inf, values - share)
    high = np.where([m.bound == "least" for m in ms], np.inf, values + share)
    return (low[:, None] <= high[None, :]) & (low[None, :] <= high[:, None])


def _agreeing(held: Sequence[tuple[int, Mention]], rows: Sequence[int]) -> np.ndarray:
    """rows x rows: whether two sentences (indices `rows`) give a value of `held` in common."""
    at = {i: r for r, i in enumerate(rows)}
    # dense: the agreement already is held x held, and a group is small (a sparse product per group
    # cost more than the whole rest of the stage on DUC 2006)
    owner = np.zeros((len(rows), len(held)))
    owner[[at[i] for i, _ in held], np.arange(len(held))] = 1.0
    agreeing: np.ndarray = (owner @ _agreement([m for _, m in held]).astype(np.float64) @ owner.T) > 0
    return agreeing


def _unambiguous(held: list[tuple[int, Mention]], found: dict[int, list[Mention]]) -> list[tuple[int, Mention]]:
    """`held` less the mentions of sentences that give two values for their `about` themselves
    (whatever the cue): their measure is not one thing (two quakes, a part and the whole, a prize
    and its half)."""
    about = held[0][1].about
    unclear = set()
    for i in {i for i, _ in held}:
        same = [m for m in found[i] if m.about == about]
        if len(same) > 1 and not _agreement(same).all():
            unclear.add(i)
    return [item for item in held if item[0] not in unclear]


def _elsewhere(rows: Sequence[int], about: str, found: dict[int, list[Mention]]) -> np.ndarray:
    """rows x rows: whether two sentences disagree on another quantity too (whatever its cue, and
    "40 others injured" against "90 people injured"): two sentences that differ on more than one
    number tell of different things (two raids, two players, one district and the whole region)."""
    at = {i: r for r, i in enumerate(rows)}
    by_key: dict[str, list[tuple[int, Mention]]] = {}
    for i in rows:
        for m in found[i]:
            if (kind := m.about.removeprefix("other ")) != about.removeprefix("other "):
                by_key.setdefault(kind, []).append((i, m))
    out = np.zeros((len(rows), len(rows)), dtype=bool)
    for other in by_key.values():
        shared = sorted({i for i, _ in other})
        if len(shared) > 1:
            index = [at[i] for i in shared]
            out[np.ix_(index, index)] |= ~_agreeing(other, shared)
    return out


def _disagreeing(
    held: list[tuple[int, Mention]],
    found: dict[int, list[Mention]],
    sentences: Sequence[Sentence],
    published: Sequence[float],
    similarity: np.ndarray,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Pairs (as two index arrays into the returned rows) of sentences of different articles, at
    least `threshold` similar, none of whose values for this `about` agree, and agreeing on every
    other quantity both give."""
    rows = sorted({i for i, _ in held})
    agreeing = _agreeing(held, rows)
    elsewhere = _elsewhere(rows, held[0][1].about, found)
    docs = np.array([sentences[i].doc_pos for i in rows])
    days = np.array([published[sentences[i].doc_pos] for i in rows])
    apart = np.abs(days[:, None] - days[None, :]) > _NEWS_DAYS  # False where a date is unknown (nan)
    if held[0][1].about.startswith(_AGE):  # an age changes with time: compared between dated articles only
        undated = np.isnan(days)
        apart |= undated[:, None] | undated[None, :]
    close = (similarity[np.ix_(rows, rows)] >= threshold) & ~apart
    pairs = np.triu(close & ~agreeing & ~elsewhere & (docs[:, None] != docs[None, :]), k=1)
    first, second = np.nonzero(pairs)
    return first, second, rows


def find_conflicts(
    articles: Sequence[Article], sentences: Sequence[Sentence], similarity: np.ndarray
) -> tuple[list[Conflict], list[str]]:
    """The set's disagreements, in order of their first sentence, and notes on what was left out;
    `similarity` is the sentences' cosine matrix."""
    found = {
        i: ms
        for i, s in enumerate(sentences)
        if (ms := mentions(articles[s.doc_pos].text, s.char_start, s.char_end, _published(articles[s.doc_pos])))
    }
    by_about: dict[tuple[str, str], list[tuple[int, Mention]]] = {}
    for i, ms in found.items():
        for m in ms:
            by_about.setdefault((m.about, m.cue), []).append((i, m))
    published = [float(a.published_at.toordinal()) if a.published_at else float("nan") for a in articles]
    conflicts: list[tuple[int, Conflict]] = []
    notes = []
    for (about, cue), held in by_about.items():
        if len(held) > _MAX_COMPARED:
            notes.append(f"{len(held)} mentions of {about!r}: the first {_MAX_COMPARED} were compared for conflicts")
            held = held[:_MAX_COMPARED]
        threshold = (
            _EVENT_SIMILARITY
            if about in _EVENTS
            else _SAME_DAY
            if about in _DATES
            else 0.0
            if about.startswith(_AGE)
            else _SAME_REPORT
        )
        if not cue and about not in _EVENTS and about not in _DATES and about != _MAGNITUDE:
            continue  # a count that hangs on nothing in particular is not compared
        held = _unambiguous(held, found)
        if len(held) < 2:
            continue
        first, second, rows = _disagreeing(held, found, sentences, published, similarity, threshold)
        if not len(first):
            continue
        # imported here: csgraph adds ~11 MiB and ~0.1 s to every process, and most sets have no conflict
        from scipy.sparse.csgraph import connected_components

        graph = sp.coo_matrix((np.ones(len(first)), (first, second)), shape=(len(rows), len(rows)))
        _, labels = connected_components(graph, directed=False)
        joined = set(first.tolist()) | set(second.tolist())
        for label in sorted({int(labels[r]) for r in joined}):
            members = [rows[r] for r in sorted(joined) if labels[r] == label]
            conflicts.append((members[0], _conflict(about, cue, members, found, sentences)))
    return [c for _, c in sorted(conflicts, key=lambda item: (item[0], item[1].about))], notes


def _conflict(
    about: str, cue: str, members: list[int], found: dict[int, list[Mention]], sentences: Sequence[Sentence]
) -> Conflict:
    by_value: dict[str, list[MentionRef]] = {}
    for i in members:
        s = sentences[i]
        for m in found[i]:
            if m.about == about and m.cue == cue:
                ref = MentionRef(doc_id=s.doc_id, sentence=s.index, char_start=m.start, char_end=m.end)
                by_value.setdefault(_display(m), []).append(ref)
    return Conflict(
        about=about,
        values=[
            ConflictValue(value=v, doc_ids=list(dict.fromkeys(r.doc_id for r in refs)), refs=refs)
            for v, refs in by_value.items()
        ],
    )


def _published(article: Article) -> date | None:
    return article.published_at.date() if article.published_at else None
