"""Request and response bodies of the HTTP API (v1)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.errors import Fallback
from service.languages import LanguageCode
from service.reading import ArticleFormat
from service.records import ArticleFields
from service.result import Budget, Conflict, ExcludedArticle, Mode, Quote, RewriteReport, SelectedSentence
from service.scoring import Role
from service.settings import MAX_QUOTES_LIMIT, MAX_SENTENCES_LIMIT, MAX_WORDS_LIMIT, OffTopicMode, RewriteMode
from service.story_briefs import StoryRecord


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
    lang: LanguageCode | None = Field(
        None, description="the brief's language (ISO 639-1); without it, the language most of the articles are in"
    )
    off_topic: OffTopicMode | None = Field(
        None,
        description="exclude (leave articles unlike the rest out of the brief) or keep; "
        "without it, the server's NEWSBRIEF_OFF_TOPIC",
    )
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
    excluded: list[ExcludedArticle] = Field(
        default_factory=list, exclude_if=lambda v: not v, description="articles left out of the brief (off-topic)"
    )
    quotes: list[Quote] = Field(description="direct quotes with speakers and sources, ranked")
    conflicts: list[Conflict] = Field(description="where the sources disagree; `sentences[].conflicts` index it")
    fallback_reason: Fallback | None = Field(None, description="why a rewrite request got the extractive brief")
    model: str | None = None
    rewrite: RewriteReport | None = Field(None, description="the model's text and the faithfulness findings")
    timings: dict[str, float]


class StoriesOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_words: int | None = Field(None, ge=1, le=MAX_WORDS_LIMIT, strict=True, description="budget of each brief")


class StoriesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    articles: list[ArticleIn] = Field(
        min_length=1, description="any order: grouped by publication time (`published_at`), then as given"
    )
    options: StoriesOptions = Field(default_factory=StoriesOptions)


class StoriesResponse(BaseModel):
    stories: list[StoryRecord] = Field(description="in the order they open")


class StreamArticlesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    articles: list[ArticleIn] = Field(
        min_length=1, description="placed in the order given; an id the stream already has keeps its story"
    )


class PlacedArticle(BaseModel):
    id: str
    story_id: str
    similarity: float | None = Field(description="to the story it joined (1.0: it opened it); null for a duplicate")
    duplicate: bool = Field(description="the stream already had an article with this id; it was not added again")


class StreamArticlesResponse(BaseModel):
    articles: list[PlacedArticle]


class StreamStoriesResponse(BaseModel):
    stories: list[StoryRecord] = Field(description="changed after `since`, least recently changed first")
    cursor: int = Field(description="pass as `since` to get only the stories changed after these")


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


class LanguageInfo(BaseModel):
    name: str
    stemmer: str | None = Field(description="the Snowball stemmer; none: terms are whole words (or CJK bigrams)")
    sentences: str = Field(description="the sentence rules: nupunkt-rs Punkt (English) or pySBD's rules of a language")
    trimming: bool = Field(description="trimming has rules for it; other languages keep whole sentences")


class Languages(BaseModel):
    detection: str
    default: str = Field(description="the language of text detection cannot place")
    supported: dict[str, LanguageInfo]


class Info(BaseModel):
    name: str
    version: str
    ranker: Ranker
    languages: Languages
    model: str | None
    rewrite: RewriteStatus
    limits: dict[str, int | float]
