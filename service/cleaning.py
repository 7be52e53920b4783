"""Drop page furniture from articles while keeping offsets into the original text.

Cleaning never rewrites text: it returns the spans of the original worth reading, so every later
stage can still point at `text[start:end]`. Structure is read before patterns:

- the set: a line that several articles repeat is furniture, unless those articles are copies of
  one another or the line is on their story (a wire paragraph two reports share);
- the article: a line that repeats another one (a pull quote, a headline shown twice) and an
  embedded post (its text and its "— Name (@handle) date" line); headings go when sentences remain;
- typed patterns (service/data/boilerplate.toml): a trailer line ends the body, whole furniture
  lines go, datelines and list bullets are stripped. Furniture sentences (promos, notices,
  captions) are dropped once the segmenter has bounded them (`readable_sentences`), in the middle
  of a paragraph too, and a paragraph mostly made of them goes whole.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from service.boilerplate import BOILERPLATE
from service.lexicon import LEXICON, alternation

Span = tuple[int, int]

_WORD = re.compile(r"\w+")
_NAME = re.compile(r"\b[A-Z]\w*|\b\w*\d\w*")
# "Lesen Sie auch: …", "Lire aussi : …", "Baca juga: …": a link line, in any of the languages the lexicon lists.
_READ_ALSO = re.compile(rf"^\s*{alternation(LEXICON.read_also)}(?!\w)", re.IGNORECASE)
_SENTENCE_END = ".!?…"
_CLOSERS = "\"'”’“»›)]"
# headlines of real pages run to 30 words (issue 12: the old bound of 14 let 15-word ones through);
# lines without end punctuation in the DUC sets are either this short or whole articles (60+ words)
_HEADING_WORDS = 30
# a question line this short is a subheading ("Why does it matter?"), not a sentence of the story
_QUESTION_WORDS = 14
# no furniture line is longer (the longest line pattern, a teaser, spans 800 characters of blurb
# and its read-more tail): a longer line is not tried against them
_FURNITURE_LINE_CHARS = 1000
# a line whose every run of this many words occurs in a longer line repeats it (a pull quote)
_SHINGLE = 4
# a paragraph whose furniture sentences make up at least this share of it is furniture whole
_MOSTLY = 0.5
# articles sharing at least this share of their text are copies of one story, not of a page
_COPY_SHARE = 0.5
# a repeated line is on the story of its articles when at least this share of its names and
# numbers occur in their other lines
_ON_TOPIC = 0.5
_SENTENCE_STARTS = frozenset(LEXICON.sentence_starts)
_LINE = re.compile(r"[^\n\r\u2028\u2029]+")
_LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029]")
# the first word of a line, after opening quotes and brackets: "and", "(and" go on a sentence
_FIRST_WORD = re.compile(r"[\"'“‘(\[]*(\w+)")
_TOKEN = re.compile(r"\S+")
# hard wraps are between these widths (terminals and e-mail: 60-80 columns): a text with a longer
# line is not hard-wrapped, and one whose lines are all shorter is headings or a list
_WRAP_MIN, _WRAP_WIDTH = 40, 160
# a wrapped line falls short of the width by less than the next word (news words are under ~12
# letters): a line this close below the longest shows that the longest is the width, not a headline
_WRAP_SLACK = 12


@dataclass(frozen=True, slots=True)
class CleanArticle:
    """The readable spans of one article."""

    spans: tuple[Span, ...]


def _lines(text: str) -> list[Span]:
    """Non-blank lines as (start, end) offsets with surrounding whitespace trimmed."""
    out: list[Span] = []
    for m in _LINE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            out.append((start, end))
    return out


def _wrap_width(text: str, lines: Sequence[Span]) -> int:
    """The width a hard-wrapped text was broken at, else 0: of its lines without end punctuation
    (broken inside a sentence), longest first, the longer of the first two within `_WRAP_SLACK` of
    each other, if `_WRAP_MIN` or more. A longer line (a headline) is not read as wrapped, nor is a
    text with a line longer than `_WRAP_WIDTH` (a page whose paragraphs are lines)."""
    if any(b - a > _WRAP_WIDTH for a, b in lines):
        return 0
    broken = sorted((b - a for a, b in lines if final_mark(text[a:b]) not in _SENTENCE_END), reverse=True)
    width = next((longer for longer, shorter in itertools.pairwise(broken) if shorter >= longer - _WRAP_SLACK), 0)
    return width if width >= _WRAP_MIN else 0


def paragraphs(text: str) -> list[Span]:
    """The text's paragraphs: its non-blank lines, joined where a line break is a hard wrap inside a
    paragraph (wire copy, e-mail and plain-text files break lines at a fixed width), so that a
    sentence is never cut at a line end. A break after a line without end punctuation is a wrap
    when the next line goes on with a lower-case word; in a wrapped text (`_wrap_width`), any break
    is when the next line goes on in lower case or its first word would not have fitted on the line
    ("where Mr.\nQin"): a paragraph's last line is short. A heading that fills the width to within
    a word of it reads as wrapped. Never before a list item."""
    lines = _lines(text)
    width = _wrap_width(text, lines)
    out: list[Span] = []
    for i, (start, end) in enumerate(lines):
        if i and _wraps(text, lines[i - 1], (start, end), width):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _wraps(text: str, line: Span, following: Span, width: int) -> bool:
    """Whether the break between `line` and the `following` line is a wrap (see `paragraphs`)."""
    if len(_LINE_BREAK.findall(text, line[1], following[0])) != 1 or BOILERPLATE.bullet.match(text, *following):
        return False  # a blank line between, or a list item
    first = _FIRST_WORD.match(text, *following)
    ended = final_mark(text[line[0] : line[1]]) in _SENTENCE_END
    if first is not None and first.group(1).islower():
        return bool(width) or not ended
    token = _TOKEN.match(text, *following)  # the next line opens with it: it did not fit on this one
    size = line[1] - line[0]
    return bool(width) and token is not None and size + 1 + len(token.group()) > width >= size


def line_key(line: str) -> str:
    """A line lower-cased, its whitespace runs made one space: how a repeated line is recognised."""
    return " ".join(line.lower().split())


def final_mark(line: str) -> str:
    """The line's last character before closing quotes and brackets: its end punctuation, if any."""
    return line.rstrip(_CLOSERS)[-1:]


def is_heading(line: str) -> bool:
    """Short and without sentence punctuation at its end, or a short question (lines come stripped)."""
    words = len(line.split(maxsplit=_HEADING_WORDS))
    mark = final_mark(line)
    if mark == "?":
        return words <= _QUESTION_WORDS
    return words <= _HEADING_WORDS and (not mark or mark not in _SENTENCE_END)


def _repeats(keys: Sequence[str]) -> set[int]:
    """Lines that repeat another line of the article: a later copy of a line, or a line every run
    of `_SHINGLE` words of which occurs in a longer line (a pull quote, a headline in the text),
    whatever the punctuation."""
    first: dict[str, int] = {}
    out = set()
    for i, key in enumerate(keys):
        if key and first.setdefault(key, i) != i:
            out.add(i)
    if sum(key.count(" ") >= _SHINGLE - 1 for key in keys) < 2:  # no line to be contained in another
        return out
    # each distinct line once (a copy adds no run, and a page may repeat one line thousands of times)
    words = {key: _WORD.findall(key) for key in keys}
    # each run of _SHINGLE words of a line (zip stops at the shortest: the last run ends the line)
    shingles = {key: list(zip(*(w[j:] for j in range(_SHINGLE)), strict=False)) for key, w in words.items()}
    longest: dict[tuple[str, ...], int] = {}  # the word count of the longest line holding a run
    for key in sorted(words, key=lambda key: len(words[key])):  # longer lines overwrite shorter ones
        longest.update(dict.fromkeys(shingles[key], len(words[key])))
    contained = {
        key for key, runs in shingles.items() if runs and min(map(longest.__getitem__, runs)) > len(words[key])
    }
    return out | {i for i, key in enumerate(keys) if key in contained}


def is_furniture(sentence: str) -> bool:
    """A sentence of one of the furniture kinds (a promo, a notice, a caption) wherever it stands."""
    lowered = sentence.lower()
    if BOILERPLATE.hints.search(lowered) is None:  # one scan rules out most sentences
        return False
    return any(kind.found_in(sentence, lowered) for kind in BOILERPLATE.sentences)


def readable_sentences(text: str, paragraphs: Sequence[Sequence[Span]]) -> list[Span]:
    """The sentences worth reading, given each kept line's sentences: a furniture sentence goes,
    and a paragraph at least `_MOSTLY` furniture goes whole (a notice's or caption's other sentences)."""
    kept: list[Span] = []
    for sentences in paragraphs:
        furniture = [is_furniture(text[a:b]) for a, b in sentences]
        size = sum(b - a for a, b in sentences)
        if any(furniture) and sum(b - a for (a, b), f in zip(sentences, furniture, strict=True) if f) >= _MOSTLY * size:
            continue
        kept.extend(s for s, f in zip(sentences, furniture, strict=True) if not f)
    return kept


def _keyed_lines(text: str) -> tuple[list[Span], list[str]]:
    lines = paragraphs(text)
    return lines, [line_key(text[a:b]) for a, b in lines]


def clean(text: str) -> CleanArticle:
    """One article alone: `clean_set` of a set of one."""
    return _clean(text, *_keyed_lines(text), frozenset())


def _clean(text: str, lines: list[Span], keys: list[str], repeated: frozenset[str]) -> CleanArticle:
    """Keep content lines, strip datelines and bullets; headings go only when real sentences
    remain. `repeated`: keys (`line_key`) of the lines the set shows to be furniture."""
    repeats = _repeats(keys)
    body: list[tuple[Span, bool]] = []  # each kept line, and whether it is a heading
    for i, (start, end) in enumerate(lines):
        line = text[start:end]
        if BOILERPLATE.trailer.match(line):
            break
        if (
            i in repeats
            or keys[i] in repeated
            or (len(line) <= _FURNITURE_LINE_CHARS and BOILERPLATE.line.fullmatch(line))
            or _READ_ALSO.match(line)
        ):
            continue
        if BOILERPLATE.embed_signature.fullmatch(line):
            if body:
                body.pop()  # the embedded post the signature closes
            continue
        for prefix in (BOILERPLATE.dateline, BOILERPLATE.bullet):
            found = prefix.match(text, start, end)
            if found and found.end() < end:
                start = found.end()
        body.append(((start, end), is_heading(text[start:end])))
    content = [span for span, heading in body if not heading]
    return CleanArticle(spans=tuple(content or [span for span, _ in body]))


def _names(text: str) -> set[str]:
    """The names and numbers of a text, lower-cased: what ties it to one story. A capitalised word
    counts unless any sentence may start with it ("The", "He")."""
    return {w.lower() for w in _NAME.findall(text)} - _SENTENCE_STARTS


def _furniture_lines(texts: Sequence[str], lines: Sequence[list[Span]], keys: Sequence[list[str]]) -> frozenset[str]:
    """Keys of the lines that articles of one set repeat as page furniture.

    A line found in two or more articles is furniture unless those articles are copies of one story
    (each mostly made of lines the set shares) or the line is on their story: at least half of its
    names and numbers occur as names or numbers in the lines they do not share. A wire paragraph
    two reports share names the people and places of the story; a promo, a notice or an embed
    names none of them, or names the site and the platform.
    """
    holders: dict[str, list[int]] = defaultdict(list)
    for doc, doc_keys in enumerate(keys):
        for key in dict.fromkeys(doc_keys):
            if key:
                holders[key].append(doc)
    shared = {key for key, docs in holders.items() if len(docs) > 1}
    if not shared:
        return frozenset()
    copies: list[bool] = []
    vocabulary: list[set[str]] = []
    names: dict[str, set[str]] = {}
    names_of: dict[str, set[str]] = {}  # each distinct line read once (a page may repeat one thousands of times)
    for text, doc_lines, doc_keys in zip(texts, lines, keys, strict=True):
        total = sum(map(len, doc_keys)) or 1
        in_shared = [k in shared for k in doc_keys]
        copies.append(sum(len(k) for k, s in zip(doc_keys, in_shared, strict=True) if s) >= _COPY_SHARE * total)
        # only the articles holding a shared line are read for names
        line_texts = (text[a:b] for a, b in doc_lines)
        line_names = (
            [names_of[t] if t in names_of else names_of.setdefault(t, _names(t)) for t in line_texts]
            if any(in_shared)
            else []
        )
        vocabulary.append({w for found, s in zip(line_names, in_shared, strict=False) if not s for w in found})
        names.update((k, found) for k, found, s in zip(doc_keys, line_names, in_shared, strict=False) if s)
    out = set()
    for key in shared:
        docs = holders[key]
        if all(copies[d] for d in docs):
            continue
        found = sum(any(w in vocabulary[d] for d in docs) for w in names[key])
        if not names[key] or found < _ON_TOPIC * len(names[key]):
            out.add(key)
    return frozenset(out)


def clean_set(texts: Sequence[str]) -> list[CleanArticle]:
    """`clean` every article of a set, with the lines the set shows to be furniture."""
    keyed = [_keyed_lines(text) for text in texts]
    lines, keys = [k[0] for k in keyed], [k[1] for k in keyed]
    repeated = _furniture_lines(texts, lines, keys)
    return [
        _clean(text, doc_lines, doc_keys, repeated)
        for text, doc_lines, doc_keys in zip(texts, lines, keys, strict=True)
    ]
