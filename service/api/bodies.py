"""Request and response bodies of the HTTP API (v1)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.errors import Fallback
from service.reading import ArticleFormat
from service.records import ArticleFields
from service.result import Budget, Conflict, Mode, Quote, RewriteReport, SelectedSentence
from service.scoring import Role
from service.settings import MAX_QUOTES_LIMIT, MAX_SENTENCES_LIMIT, MAX_WORDS_LIMIT, RewriteMode


# Text fields are plain str here: reading.articles_from_items checks them as it checks every entry
# point's articles, so a lone surrogate in a batch fails its own set (422 read_error naming the
# param), not the request; pydantic refuses one in a length-limited field (`id`) itself.
class ArticleIn(ArticleFields):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        None, min_length=1, max_length=512, description="defaults to the article's position in its list, from 0"
    )
    format: ArticleFormat | None = Field(
        None, description="how `text` is written; without it HTML is detected. HTML is cleaned to the page's main text"
    )


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # strict: a JSON boolean is not a number (`true` would otherwise count as 1)
    max_words: int | None = Field(None, ge=1, le=MAX_WORDS_LIMIT, strict=True)
    max_sentences: int | None = Field(None, ge=1, le=MAX_SENTENCES_LIMIT, strict=True)
    query: str | None = Field(None, max_length=2000, description="topic to focus the brief on")
    rewrite: RewriteMode | None = Field(None, description="off, auto or on; without it, the server's NEWSBRIEF_REWRITE")
    quotes: int | None = Field(
        None, ge=0, le=MAX_QUOTES_LIMIT, strict=True, description="add the best N direct quotes to the brief verbatim"
    )


class SummaryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    articles: list[ArticleIn] = Field(min_length=1)
    known_articles: list[ArticleIn] = Field(
        default_factory=list,
        description="articles the reader has already seen: the brief tells what is new since them",
    )
    options: Options = Field(default_factory=Options)


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sets: list[SummaryRequest] = Field(min_length=1)


class SummaryResponse(BaseModel):
    id: str
    brief: str
    mode: Mode
    sentences: list[SelectedSentence]
    budget: Budget
    notes: list[str]
    quotes: list[Quote] = Field(description="direct quotes with speakers and sources, ranked")
    conflicts: list[Conflict] = Field(description="where the sources disagree; `sentences[].conflicts` index it")
    fallback_reason: Fallback | None = Field(None, description="why a rewrite request got the extractive brief")
    model: str | None = None
    rewrite: RewriteReport | None = Field(None, description="the model's text and the faithfulness findings")
    timings: dict[str, float]


class ErrorBody(BaseModel):
    type: str
    message: str
    param: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class BatchItem(BaseModel):
    """Exactly one of `result` and `error` is set."""

    result: SummaryResponse | None = None
    error: ErrorBody | None = None
    status: int


class BatchResponse(BaseModel):
    results: list[BatchItem]


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    ready: bool
    reason: str | None = None


class RewriteStatus(BaseModel):
    mode: RewriteMode = Field(description="NEWSBRIEF_REWRITE: the default for requests that do not choose")
    model: str | None
    loaded: bool
    reason: str | None = Field(None, description="why the configured model is not in use (briefs are extractive)")


class ScorePart(BaseModel):
    role: Role
    weight: float = Field(description="in the weighted mean (weighted parts; NEWSBRIEF_WEIGHTS__<NAME>)")
    description: str


class Ranker(BaseModel):
    representation: str
    parts: dict[str, ScorePart] = Field(description="the score parts every sentence carries, in output order")
    selection: str
    trimming: str


class Info(BaseModel):
    name: str
    version: str
    ranker: Ranker
    model: str | None
    rewrite: RewriteStatus
    limits: dict[str, int | float]
