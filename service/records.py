"""What goes in: the Article a caller gives, and the Sentence the pipeline finds in it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from service.languages import LanguageCode

_SURROGATE = re.compile("[\ud800-\udfff]")


def unicode_text(value: str) -> str:
    """Refuse lone surrogates (a JSON escape such as "\\ud800"): no encoder can write them, so a
    brief or record holding one could never be sent or saved."""
    found = _SURROGATE.search(value)
    if found:
        raise ValueError(
            f"holds a lone surrogate (U+{ord(found.group()):04X} at character {found.start()}), "
            "which is not Unicode text; send valid UTF-8"
        )
    return value


# C0 controls and DEL: an id is a line of text a log, a footnote or a database key can hold
# (PostgreSQL text cannot hold NUL)
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def printable_id(value: str) -> str:
    found = _CONTROL.search(value)
    if found:
        raise ValueError(f"holds a control character (U+{ord(found.group()):04X} at character {found.start()})")
    return value


def zoned(moment: datetime | None) -> datetime | None:
    """A time without a zone is read as UTC (not the server's local time), so every two articles'
    times compare: Python refuses to order a naive time against an aware one."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


ArticleId = Annotated[
    str, Field(min_length=1, max_length=512), AfterValidator(unicode_text), AfterValidator(printable_id)
]


class ArticleFields(BaseModel):
    """The fields an article has at every entry point (the library, the API, JSON files)."""

    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published_at: Annotated[datetime | None, AfterValidator(zoned)] = None
    # ISO 639-1 code ("de", "zh"); when absent the language is detected from the text
    lang: LanguageCode | None = None


class Article(ArticleFields):
    """An article as the pipeline reads it: an id, and text that is Unicode throughout."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: ArticleId

    @field_validator("text", "title", "source", "url")
    @classmethod
    def _unicode(cls, value: str | None) -> str | None:
        return None if value is None else unicode_text(value)


# Longer than this is not a sentence a brief can use as written (news sentences run to ~300
# characters; the longest of the 34,140 DUC 2006/2007 sentences has 1,679): trimming leaves it
# whole, conflicts read no quantities in it, caches do not hold it; this bounds the work any one
# hostile "sentence" can cost those stages.
LONGEST_SENTENCE = 2000


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as found in an article (`article.text[char_start:char_end]`) and as a brief would
    word it: `text` is its kept `spans` joined (see trimming.py)."""

    doc_id: str
    doc_pos: int  # position of the article in the set
    index: int  # position of the sentence in its article (after cleaning)
    char_start: int
    char_end: int
    spans: tuple[tuple[int, int], ...]
    text: str
    words: int  # as languages.count_words counts them
    lang: str  # the article's language (ISO 639-1)
