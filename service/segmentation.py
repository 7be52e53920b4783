"""Split cleaned spans into sentences that point back into the original text.

nupunkt-rs (a Rust Punkt with a model trained on a large English corpus, shipped in the wheel)
is used because it is right on abbreviations, initials, decimals and quotes like syntok and
pysbd, while being ~20x faster than syntok on news text (see docs/architecture.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Protocol

from service.lexicon import LEXICON

# A lower-case word of three letters or more, a period, then a capital: a sentence boundary the
# model may miss when it takes the word for an abbreviation (its list comes from legal text, where
# "law." is one), unless the word is a known lower-case abbreviation.
_MISSED_BOUNDARY = re.compile(r"\b(?P<word>[a-z]{3,})\.[\"”’']?(?=\s+[\"“‘']?[A-Z])")
_ABBREVIATIONS = frozenset(LEXICON.lowercase_abbreviations)


class _Tokenizer(Protocol):
    def tokenize_spans(self, text: str) -> list[tuple[int, int]]: ...


@cache
def _tokenizer() -> _Tokenizer:
    import nupunkt_rs

    tokenizer: _Tokenizer = nupunkt_rs.create_default_tokenizer()
    return tokenizer


def _char_spans(text: str) -> Iterator[tuple[int, int]]:
    """Sentence spans in characters (nupunkt-rs reports UTF-8 byte offsets, in order)."""
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


def _pieces(text: str) -> Iterator[tuple[int, int]]:
    """Sentence spans of `text`, tokenized at most PIECE_CHARS at a time.

    The last sentence of a piece may be cut by the piece's end, so it is read again with what
    follows, unless it fills more than half the piece: such a "sentence" (no boundary in 50,000
    characters) is cut at its last whitespace, so every step moves on by half a piece or more.
    """
    start = 0
    while len(text) - start > PIECE_CHARS:
        piece = text[start : start + PIECE_CHARS]
        spans = list(_char_spans(piece)) or [(0, len(piece))]
        *done, (last, _) = spans
        yield from ((start + a, start + b) for a, b in done)
        if last > PIECE_CHARS // 2:
            start += last
            continue
        cut = max(piece.rfind(" "), piece.rfind("\n"))
        cut = cut if cut > last else len(piece)
        yield start + last, start + cut
        start += cut
    yield from ((start + a, start + b) for a, b in _char_spans(text[start:]))


def _boundaries(part: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The sentence part[start:end], split again where the model missed a boundary."""
    for match in _MISSED_BOUNDARY.finditer(part, start, end):
        if match.group("word") not in _ABBREVIATIONS:
            yield start, match.end()
            start = match.end()
    yield start, end


def split_sentences(text: str, spans: Sequence[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Yield (start, end) offsets into `text` of every sentence inside the given spans, trimmed."""
    for span_start, span_end in spans:
        part = text[span_start:span_end]
        for start, end in (b for piece in _pieces(part) for b in _boundaries(part, *piece)):
            while start < end and part[start].isspace():
                start += 1
            while end > start and part[end - 1].isspace():
                end -= 1
            if any(ch.isalnum() for ch in part[start:end]):
                yield span_start + start, span_start + end
