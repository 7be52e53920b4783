"""Which language an article is in, and what each language needs: detection, stemmer, stop words, word count.

The table lives in service/data/languages.toml. Detection is pycld2 (Google's CLD2, compiled into
the wheel: no model file to load, ~0.1 ms an article, 80+ languages), chosen over py3langid, whose
model takes ~3 s and ~120 MB to load. Stemmers and stop word lists are loaded the first time an
article of their language arrives.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated, Literal, Protocol

from pydantic import Field

# A language as callers name it: ISO 639-1 or -3, with a region or script if they like ("pt-BR", "zh-Hant")
LanguageCode = Annotated[str, Field(min_length=2, max_length=12, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})?$")]

# Detection reads this many characters from an article's start: enough for CLD2 to be sure of a
# news text (it needs a few hundred), and the cost stays bounded however long the article is.
DETECT_CHARS = 4000

# Scripts written without spaces between words: Han ideographs (CJK unified + extension A +
# compatibility), hiragana and katakana. Each such character counts as one word of a budget; their
# punctuation (CJK symbols, fullwidth ，！？：；（）) counts as none, as a comma does in English.
_SPACELESS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCTUATION = "\u3000-\u303f\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f"
_UNIT = re.compile(f"[{_SPACELESS}]|[^\\s{_SPACELESS}{_CJK_PUNCTUATION}]+")
# Combining marks, which Python's \w leaves out: a word of Hindi ("स्वास्थ्य") would break at each vowel
# sign. Latin, Cyrillic, Hebrew and Arabic marks, and the Brahmic blocks from Devanagari to Sinhala
# whole (their letters and signs, less the danda and double danda), Thai, Myanmar, Ethiopic.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u0610-\u061a"
    "\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed\u0900-\u0963\u0966-\u0dff"
    "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u102b-\u103e\u1056-\u1059\u135d-\u135f"
)
# A word: letters, digits and their marks (no underscore); in "bigrams" languages it is cut in bigrams.
_WORD = re.compile(f"(?:[^\\W_]|[{_MARKS}])+")
# Characters CLD2 refuses ("invalid UTF-8" for control characters): replaced by spaces before detection.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class Stemmer(Protocol):
    def stemWords(self, words: list[str]) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Language:
    """A language's resources, as languages.toml gives them (its header says what each field means)."""

    code: str
    name: str
    stemmer: str
    rules: str
    terms: Literal["words", "bigrams"]
    spaceless: bool
    trimming: bool


def _load() -> tuple[str, dict[str, str], dict[str, Language]]:
    data = tomllib.loads(resources.files("service").joinpath("data/languages.toml").read_text(encoding="utf-8"))
    table = {code: Language(code=code, **fields) for code, fields in data["languages"].items()}
    return data["default"], data["aliases"], table


DEFAULT, _ALIASES, LANGUAGES = _load()


def normalise(code: str) -> str:
    """An ISO 639-1 code as used here: lower case, the region dropped ("pt-BR" → "pt"), aliases resolved."""
    code = _ALIASES.get(code, code).split("-")[0].split("_")[0].lower()
    return _ALIASES.get(code, code)


def language(code: str) -> Language:
    """The resources of `code`; a language outside the table gets none: whole words, no stemmer,
    English sentence rules."""
    return LANGUAGES.get(code) or Language(code, code, "", "en", "words", spaceless=False, trimming=False)


def detect(text: str) -> str | None:
    """The language of `text` by CLD2, or None when it cannot tell (too little text, unknown script)
    or tells a language the table does not have."""
    import pycld2

    sample = _UNPRINTABLE.sub(" ", text[:DETECT_CHARS])
    try:
        reliable, _, found = pycld2.detect(sample, bestEffort=True)
    except pycld2.error:  # a character CLD2 still refuses: no guess rather than a failed request
        return None
    code = normalise(found[0][1])
    # a language outside the table (CLD2 knows 80) has no resources here: the default serves it as well
    return code if code in LANGUAGES and (reliable or found[0][2] >= 50) else None


def majority(codes: Iterable[str], given: str | None = None) -> str:
    """The brief's language: `given`, else the most frequent of `codes` (ties: the one met first)."""
    if given:
        return normalise(given)
    counts = Counter(codes)
    return max(counts, key=counts.__getitem__) if counts else DEFAULT


def count_words(text: str) -> int:
    """Words as a budget counts them: whitespace-separated tokens, where each character of a script
    written without spaces (Chinese, Japanese) counts as one word."""
    return len(_UNIT.findall(text))


def clip(text: str, words: int) -> str:
    """The first `words` words of `text` (as count_words counts them), as they are written there."""
    end = 0
    for count, unit in enumerate(_UNIT.finditer(text), start=1):
        end = unit.end()
        if count == words:
            break
    return text[:end]


@cache
def stemmer(code: str) -> Stemmer | None:
    """The Snowball stemmer of a language (PyStemmer, C), or None where Snowball has none."""
    name = language(code).stemmer
    if not name:
        return None
    import Stemmer as pystemmer

    found: Stemmer = pystemmer.Stemmer(name)
    return found


@cache
def stopwords(code: str) -> frozenset[str]:
    """Lower-case stop words of a language: data/stopwords_en.txt for English, stopwordsiso's for the others."""
    if code == "en":
        lines = resources.files("service").joinpath("data/stopwords_en.txt").read_text(encoding="utf-8").splitlines()
        return frozenset(line for line in lines if line and not line.startswith("#"))
    import stopwordsiso

    return frozenset(w.lower() for w in stopwordsiso.stopwords(code)) if stopwordsiso.has_lang(code) else frozenset()


def words_of(text: str) -> list[str]:
    """The lower-cased words of `text`, in any script (see _WORD)."""
    return _WORD.findall(text.lower())


def _bigrams(word: str) -> Iterable[str]:
    return (word[i : i + 2] for i in range(len(word) - 1)) if len(word) > 1 else (word,)


def terms(text: str, code: str) -> tuple[str, ...]:
    """Content terms of `text` in language `code`: lower-cased words less stop words, stemmed where
    Snowball has a stemmer; character bigrams of each word in "bigrams" languages."""
    lang = language(code)
    stop = stopwords(code)
    words = [w for w in words_of(text) if w not in stop]
    if lang.terms == "bigrams":
        return tuple(b for w in words for b in _bigrams(w) if b not in stop)
    stem = stemmer(code)
    return tuple(stem.stemWords(words)) if stem else tuple(words)
