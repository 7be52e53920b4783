"""Split cleaned spans into sentences that point back into the original text, by each language's rules.

English: nupunkt-rs (a Rust Punkt with a model trained on a large English corpus, shipped in the
wheel), right on abbreviations, initials, decimals and quotes like syntok and pysbd while ~20x
faster than syntok on news text (see docs/architecture.md). Other languages: pySBD's rule sets
(23 languages; 316 of its 323 golden cases), through its processor, with offsets found here: its
own offset mapping searches the whole text once per sentence (quadratic).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib import resources
from typing import Any, Protocol

from service.languages import language
from service.lexicon import LEXICON, alternation

# Sentence boundaries the English model misses, as it takes the word before the period for an
# abbreviation: a lower-case word of three letters or more before a capital, or before a name like
# "iPhone" or "eBay" (its list comes from legal text, where "law." is one), unless a known lower-case
# abbreviation; and any word before a word that only opens sentences ("in the U.S. How", "Co. It"),
# unless a title or "e.g.".
_MISSED_BOUNDARY = re.compile(
    r"\b(?P<word>[a-z]{3,})\.[\"”’']?(?=\s+[\"“‘']?[a-z]?[A-Z])"
    rf"|(?<!\S)[\"“‘(]*+(?P<token>\S+?)\.(?=\s+{alternation(LEXICON.boundary_starters)}\b)"
)
_ABBREVIATIONS = frozenset(LEXICON.lowercase_abbreviations)
_CONTINUING = frozenset(LEXICON.continuing_abbreviations)
# line breaks inside a paragraph are soft (cleaning joins the lines of a hard-wrapped one): the
# segmenters read them as spaces, which keeps every offset
_SOFT_BREAKS = str.maketrans(dict.fromkeys("\n\r\x0b\x0c\x85\u2028\u2029", " "))
# a list item's marker ("1.", "1)", "1.)", "a.", "• 9.", "⁃9.") before the item's first letter
_BULLETS = "•⁃◦▪‣*-"
_LIST_MARKER = re.compile(
    rf"(?<!\S)[{_BULLETS}]?\s?(?:(?P<number>\d{{1,3}})|(?P<letter>[a-z]))(?:\.\)|\)|\.)(?=\s+(?P<next>[^\W\d_]))"
)
_MARKER = re.compile(rf"[{_BULLETS}]?\s?(?:\d{{1,3}}|[a-z])(?:\.\)|\)|\.)(?!\S)")
_CLOSER = re.compile("[\"'”’»)\\]]")
# marks that only close (a quote, a bracket: "”", "」", "）"), never open a sentence
_LEADING_CLOSERS = re.compile("[”’»」』）)\\]]+")
# a sentence's first word, after opening quotes (a bracket opens an aside or a wire desk's tag: "(ab/cd)")
_FIRST_WORD = re.compile(r"[\"'“‘]*([^\W\d_]+)")


class _Tokenizer(Protocol):
    def tokenize_spans(self, text: str) -> list[tuple[int, int]]: ...


@cache
def _tokenizer() -> _Tokenizer:
    """nupunkt-rs's English model less every count and context that cannot change a decision on text
    without a newline (~85 MiB peak to load instead of ~290, the same splits), made by
    benchmarks/punkt_model.py: paragraphs reach it with their soft line breaks read as spaces."""
    import nupunkt_rs

    with resources.as_file(resources.files("service").joinpath("data", "punkt_en_line.json.gz")) as path:
        tokenizer: _Tokenizer = nupunkt_rs.SentenceTokenizer(nupunkt_rs.Parameters.load(str(path)))
    return tokenizer


@cache
def _pysbd(rules: str) -> Any:
    import pysbd

    return pysbd.Segmenter(language=rules, clean=False)


# Sentence-final punctuation of the scripts pySBD knows (Latin, Arabic, Devanagari, CJK, ...).
_TERMINAL = "[.!?…؟।。！？]"
# pySBD's time grows with the square of the marks in its input (a piece of "Nr. Nr. …" takes ~50 ms
# per KB); prose has a mark every ~60 characters (~15 in a list of abbreviations), so a piece with
# more than one per this many is a table or an attack, and is split at every mark followed by a
# space instead (linear; "plain" rules)
_MIN_CHARS_PER_MARK = 10
_MARK = re.compile(_TERMINAL)
# a letter or digit in any script (exactly str.isalnum: \w less the underscore): a span without one is no sentence
_ALNUM = re.compile(r"[^\W_]")
# a mark after 3+ letters or digits (not after "Nr", "Mr", "z.B"), closing quotes, then space
_PLAIN_BOUNDARY = re.compile(r"(?<=\w\w\w)[.!?…؟।]+[\"'”’»)\]]*\s+|[。！？]+")


def _plain_spans(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for found in _PLAIN_BOUNDARY.finditer(text):
        yield start, found.end()
        start = found.end()
    yield start, len(text)


# pySBD reads ~30 KB of prose a second (its abbreviation pass runs a regex over the text per
# abbreviation it meets): an article longer than this is split at every mark followed by a space
# instead, so a huge one costs what the plain split costs (a news article has ~5 KB; a 100 KB one
# still takes pySBD ~3 s)
RULE_MAX_CHARS = 100_000


def _rule_spans(text: str, rules: str) -> Iterator[tuple[int, int]]:
    """Sentence spans by pySBD's rules for language `rules`: each sentence it returns is found in
    `text` after the previous one (it returns them in order, unchanged but for whitespace)."""
    if rules == "plain" or len(_MARK.findall(text)) * _MIN_CHARS_PER_MARK > max(len(text), 1000):
        yield from _plain_spans(text)
        return
    cursor = 0
    for sentence in _pysbd(rules).processor(text).process():
        found = text.find(sentence.strip(), cursor)
        if found < 0:  # never seen: keep the rest whole rather than lose it
            break
        cursor = found + len(sentence.strip())
        yield found, cursor
    if text[cursor:].strip():
        yield cursor, len(text)


def _char_spans(text: str, rules: str) -> Iterator[tuple[int, int]]:
    """Sentence spans in characters (nupunkt-rs reports UTF-8 byte offsets, in order)."""
    if rules != "punkt":
        yield from _rule_spans(text, rules)
        return
    spans = _tokenizer().tokenize_spans(text)
    if text.isascii():
        yield from spans
        return
    data = text.encode()
    byte_at, char_at = 0, 0

    def to_char(offset: int) -> int:
        nonlocal byte_at, char_at
        char_at += len(data[byte_at:offset].decode())
        byte_at = offset
        return char_at

    for start, end in spans:
        yield to_char(start), to_char(end)


# Punkt decides each boundary from the few tokens around it, so a long text can be split a piece at
# a time: each call then lasts tens of milliseconds however long the article (a call may hold the
# GIL, and a 10 MB one held it for seconds, stalling every other request of the server).
PIECE_CHARS = 100_000
# pySBD's processor is quadratic in the sentences of its input (48 KB of short sentences: 3.7 s,
# 96 KB: 15 s): pieces of this size keep it linear, ~1 ms per KB (benchmarks/adversarial.py)
RULE_PIECE_CHARS = 2_000


def _pieces(text: str, rules: str) -> Iterator[tuple[int, int]]:
    """Sentence spans of `text`, tokenized at most PIECE_CHARS (RULE_PIECE_CHARS for pySBD) at a time.

    The last sentence of a piece may be cut by the piece's end, so it is read again with what
    follows, unless it fills more than half the piece: such a "sentence" (no boundary in half a
    piece) is cut at its last whitespace, so every step moves on by half a piece or more.
    """
    size = PIECE_CHARS if rules == "punkt" else RULE_PIECE_CHARS
    start = 0
    while len(text) - start > size:
        piece = text[start : start + size]
        spans = list(_char_spans(piece, rules)) or [(0, len(piece))]
        *done, (last, _) = spans
        yield from ((start + a, start + b) for a, b in done)
        if last > size // 2:
            start += last
            continue
        cut = max(piece.rfind(" "), piece.rfind("\n"))
        cut = cut if cut > last else len(piece)
        yield start + last, start + cut
        start += cut
    yield from ((start + a, start + b) for a, b in _char_spans(text[start:], rules))


def _boundaries(part: str, start: int, end: int, rules: str) -> Iterator[tuple[int, int]]:
    """The sentence part[start:end], split again where the English model missed a boundary."""
    if rules != "punkt":
        yield start, end
        return
    for match in _MISSED_BOUNDARY.finditer(part, start, end):
        word = match.group("word")
        if word not in _ABBREVIATIONS if word else match.group("token").lower() not in _CONTINUING:
            yield start, match.end()
            start = match.end()
    yield start, end


def _marker_value(match: re.Match[str]) -> tuple[bool, int]:
    number = match.group("number")
    return (True, int(number)) if number else (False, ord(match.group("letter")))


def _list_items(part: str) -> Iterator[tuple[int, int]]:
    """A paragraph that opens with a list marker and goes on with the next markers in order ("1. …
    2. …", "a) … b) …", each before a capital): its items; else the whole paragraph. A marker out of
    order ("He wants 1) lower taxes") is no item."""
    first = _LIST_MARKER.match(part, len(part) - len(part.lstrip()))
    if first is None or not first.group("next").isupper():
        yield 0, len(part)
        return
    kind, value = _marker_value(first)
    start = 0
    for match in _LIST_MARKER.finditer(part, first.end()):
        if _marker_value(match) == (kind, value + 1) and match.group("next").isupper():
            yield start, match.start()
            start, value = match.start(), value + 1
    yield start, len(part)


def _joined(part: str, sentences: Iterable[tuple[int, int]], rules: str) -> Iterator[tuple[int, int]]:
    """Sentences as a reader bounds them, trimmed of whitespace: a closing quote or bracket at a
    sentence's start ends the one before (pySBD's Chinese "“是的。" "”然后"); a piece without a
    letter or digit goes with the sentence before it when it closes a quotation or ends the
    paragraph (“... complex. . . . .”), else with the one after it (". . . The practice"); a bare
    list marker ("1.") goes with the sentence after it; in English a sentence that goes on with a
    lower-case word, not a marker ("Yahoo! in …", "what I mean... see"), goes with the one before
    (Greek and Kazakh may open one so)."""
    held: tuple[int, int] | None = None
    lead: int | None = None  # where punctuation waiting for the next sentence starts
    for start, end in sentences:
        piece = part[start:end]
        start, end = start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())
        if start >= end:
            continue
        closing = _LEADING_CLOSERS.match(part, start, end) if held is not None and lead is None else None
        if held is not None and closing is not None:  # a closing mark the segmenter left at the next start
            held, rest = (held[0], closing.end()), part[closing.end() : end]
            start = end - len(rest.lstrip())
            if start >= end:
                continue
        if not _ALNUM.search(part, start, end):
            if held is not None and lead is None and _CLOSER.search(part, start, end):
                held = (held[0], end)
            elif lead is None:
                lead = start
            continue
        start, lead = start if lead is None else lead, None
        first = _FIRST_WORD.match(part, start, end)
        if held is not None and (
            _MARKER.fullmatch(part, *held)
            or (
                rules == "punkt"
                and first is not None
                and first.group(1).islower()
                and not _MARKER.match(part, start, end)
            )
        ):
            held = (held[0], end)
            continue
        if held is not None:
            yield held
        held = (start, end)
    if held is not None:
        yield held if lead is None else (held[0], len(part.rstrip()))


def split_sentences(text: str, spans: Sequence[tuple[int, int]], lang: str = "en") -> Iterator[tuple[int, int]]:
    """Yield (start, end) offsets into `text` of every sentence inside the given spans (paragraphs:
    a line break inside one is soft), trimmed, split by the rules of language `lang`."""
    rules = language(lang).rules
    if rules != "punkt" and sum(end - start for start, end in spans) > RULE_MAX_CHARS:
        rules = "plain"
    for span_start, span_end in spans:
        part = text[span_start:span_end].translate(_SOFT_BREAKS)
        found = (
            bound
            for a, z in _list_items(part)
            for start, end in _pieces(part[a:z], rules)
            for bound in _boundaries(part, a + start, a + end, rules)
        )
        yield from ((span_start + start, span_start + end) for start, end in _joined(part, found, rules))
