"""Typed records at the library boundary: what goes in (Article) and what comes out (Summary)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

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


Text = Annotated[str, AfterValidator(unicode_text)]
ArticleId = Annotated[str, Field(min_length=1, max_length=512), AfterValidator(unicode_text)]


class Article(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: ArticleId
    text: Text
    title: Text | None = None
    source: Text | None = None
    url: Text | None = None
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as found in an article (`article.text[char_start:char_end]`) and as a brief would
    word it: `text` is its kept `spans` joined (see compression.py)."""

    doc_id: str
    doc_pos: int  # position of the article in the set
    index: int  # position of the sentence in its article (after cleaning)
    char_start: int
    char_end: int
    spans: tuple[tuple[int, int], ...]
    text: str
    words: int


class ScoreParts(BaseModel):
    model_config = ConfigDict(frozen=True)

    total: float
    centrality: float
    support: float
    position: float
    length: float
    query: float
    terms: float
    known: float = Field(description="similarity to the closest sentence of the already-read articles (0 if none)")


class SelectedSentence(BaseModel):
    model_config = ConfigDict(frozen=True)

    doc_id: str
    index: int
    char_start: int = Field(description="where the source sentence starts in its article's text")
    char_end: int = Field(description="where the source sentence ends (exclusive)")
    spans: list[tuple[int, int]] = Field(
        description="the parts of the source sentence the brief uses; `text` is them joined (first letter upper-cased)"
    )
    text: str
    score: ScoreParts
    support: list[str] = Field(description="ids of every article that states this fact")
    clipped: bool = Field(False, description="cut at a word boundary to fit a budget smaller than any sentence")


class Budget(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_words: int
    max_sentences: int | None
    words: int
    sentences: int


class UnsupportedSpan(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    reason: str


class RewriteReport(BaseModel):
    """What the model wrote and what the faithfulness check found, kept even when it was rejected."""

    model_config = ConfigDict(frozen=True)

    text: str
    model: str
    tokens_in: int
    cut_sentences: int = Field(description="picked sentences left out to fit the model's input window")
    seconds: float
    faithful: bool
    unsupported: list[UnsupportedSpan]


class Summary(BaseModel):
    model_config = ConfigDict(frozen=True)

    brief: str
    mode: Literal["extractive", "abstractive"] = "extractive"
    fallback_reason: str | None = None
    rewrite: RewriteReport | None = None
    sentences: list[SelectedSentence]
    budget: Budget
    articles: int
    articles_used: int
    candidates: int
    notes: list[str] = Field(default_factory=list, description="what was approximated or skipped, and why")
    timings_ms: dict[str, float]
