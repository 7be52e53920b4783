"""Drop web boilerplate from an article while keeping offsets into the original text.

Cleaning never rewrites text: it returns the spans of the original that are worth reading, so
every later stage can still point at `text[start:end]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.lexicon import LEXICON, alternation

# A line that starts one of these ends the article body: everything from it on is a link list.
_TRAILER = re.compile(
    r"^\s*(read more|related (articles|stories|coverage|content|news)|more from|more stories|"
    r"also read|recommended( for you)?|you may also like|most read|trending now|latest news)\b",
    re.IGNORECASE,
)
# Whole lines that are never content.
_JUNK_LINE = re.compile(
    r"^\s*("
    r"comments?\s*\(\d+\)|\d+\s+comments?|"
    r"(additional )?reporting by\b.*|(writing|editing|compiled) by\b.*|"
    r"share (this|on)\b.*|(sign up|subscribe)\b.*(newsletter|updates|free).*|follow us on\b.*|"
    r"click here\b.*|advertisement|sponsored( content)?|"
    r"(photo|image|picture|video)( credit)?s?\s*:.*|\(?(photo|image) by\b.*|credit\s*:.*|"
    r"(copyright|©)\s.*|all rights reserved.*"
    r")\s*$",
    re.IGNORECASE,
)
# "Lesen Sie auch: …", "Lire aussi : …", "Baca juga: …": a link line, in any of the languages the lexicon lists.
_READ_ALSO = re.compile(rf"^\s*{alternation(LEXICON.read_also)}(?!\w)", re.IGNORECASE)
# "WASHINGTON (Reuters) - ", "BRUSSELS, January 22 (Xinhua) -- ", "(AP) — " at the start of a line.
_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Z .'-]{1,40}(?:,\s*[A-Z][A-Za-z.]*(?:\s+\d{1,2})?(?:,\s*\d{4})?)?\s*)?"
    r"\((?:[A-Z][A-Za-z.&-]*)(?:\s[A-Z][A-Za-z.&-]*){0,2}\)\s*(?:--|—|–|-|:)\s*"
    r"|^\s*[A-Z][A-Z .'-]{2,40},?\s+(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}\s+)?(?:--|—|–)\s*"
)
_SENTENCE_END = ".!?…"
_CLOSERS = "\"'”’)]"
_HEADING_WORDS = 14


@dataclass(frozen=True, slots=True)
class CleanArticle:
    """The readable spans of one article."""

    spans: tuple[tuple[int, int], ...]


def _lines(text: str) -> list[tuple[int, int]]:
    """Non-blank lines as (start, end) offsets with surrounding whitespace trimmed."""
    out: list[tuple[int, int]] = []
    for m in re.finditer(r"[^\n\r\u2028\u2029]+", text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            out.append((start, end))
    return out


def _is_heading(line: str) -> bool:
    """Short and without sentence punctuation at its end (lines come stripped)."""
    return len(line.split(maxsplit=_HEADING_WORDS)) <= _HEADING_WORDS and not line.rstrip(_CLOSERS).endswith(
        tuple(_SENTENCE_END)
    )


def clean(text: str) -> CleanArticle:
    """Keep content lines, strip datelines; headings go only when real sentences remain."""
    body: list[tuple[int, int]] = []
    for start, end in _lines(text):
        line = text[start:end]
        if _TRAILER.match(line):
            break
        if _JUNK_LINE.match(line) or _READ_ALSO.match(line):
            continue
        dateline = _DATELINE.match(line)
        if dateline and dateline.end() < len(line):
            start += dateline.end()
        body.append((start, end))
    content = [s for s in body if not _is_heading(text[s[0] : s[1]])]
    return CleanArticle(spans=tuple(content or body))
