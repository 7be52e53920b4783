"""Stories as they come out: one record per story with its articles, time span, sources, headline
and the brief the summariser makes over its articles; and the article stream as it comes in, one
JSON article per line, a bad line becoming an error record instead of stopping the run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.errors import DeadlineError, InputError, NewsbriefError
from service.reading import article_from_json, decode, load_json
from service.records import Article
from service.result import SelectedSentence
from service.sets import Line, within_limit
from service.stories import cluster, stream_order
from service.summarizer import Summarizer


class StoryRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    story_id: str
    article_ids: list[str] = Field(description="in stream order (publication time, then arrival)")
    first_seen: datetime | None = Field(description="the earliest publication time among its articles")
    last_seen: datetime | None
    sources: list[str] = Field(description="the distinct `source` values of its articles, sorted")
    headline: str = Field(description="the first article's title, or else the brief's first sentence")
    brief: str
    sentences: list[SelectedSentence]
    notes: list[str] = Field(default_factory=list)


def story_id(number: int) -> str:
    """Stories are numbered from 1 in the order they open."""
    return f"story-{number + 1}"


def brief_story(
    number: int,
    articles: Sequence[Article],
    summarizer: Summarizer,
    max_words: int | None = None,
    deadline: float | None = None,
) -> StoryRecord:
    """One story's record; its brief reads at most NEWSBRIEF_MAX_ARTICLES of its articles (the first)."""
    limit = summarizer.settings.max_articles
    notes = []
    if len(articles) > limit:
        notes.append(f"{len(articles)} articles: the brief reads the first {limit} (NEWSBRIEF_MAX_ARTICLES)")
    try:
        summary = summarizer.summarize(articles[:limit], max_words=max_words, deadline=deadline)
        brief, sentences = summary.brief, summary.sentences
        notes.extend(summary.notes)
    except DeadlineError:
        raise  # the caller's time is up: no later story starts either
    except NewsbriefError as exc:  # e.g. nothing readable in any of its articles: the story still stands
        brief, sentences = "", []
        notes.append(f"no brief: {exc.message}")
    dated = sorted(a.published_at for a in articles if a.published_at is not None)  # aware: records.zoned
    title = next((a.title for a in articles if a.title and a.title.strip()), None)
    return StoryRecord(
        story_id=story_id(number),
        article_ids=[a.id for a in articles],
        first_seen=dated[0] if dated else None,
        last_seen=dated[-1] if dated else None,
        sources=sorted({a.source for a in articles if a.source}),
        headline=title.strip() if title else (sentences[0].text if sentences else ""),
        brief=brief,
        sentences=sentences,
        notes=notes,
    )


def stories(
    articles: Sequence[Article], summarizer: Summarizer, max_words: int | None = None, deadline: float | None = None
) -> list[StoryRecord]:
    """Group `articles` into stories (service/stories.py) and brief each one; stories in the order they open."""
    labels = cluster(articles, summarizer.settings)
    members: dict[int, list[Article]] = {}
    for i in stream_order(articles):  # the order they were grouped in
        members.setdefault(labels[i], []).append(articles[i])
    return [brief_story(n, group, summarizer, max_words, deadline) for n, group in sorted(members.items())]


def error_record(number: int, exc: NewsbriefError) -> dict[str, Any]:
    return {"line": number, "error": {"type": exc.kind, "message": exc.message}}


def read_stream(lines: Iterable[Line], limit: int) -> tuple[list[Article], list[dict[str, Any]]]:
    """One article per non-blank line (`{id, text|html, title?, source?, url?, published_at?, lang?}`);
    a line that is not one, or repeats an id, becomes an error record and the rest are read."""
    articles: list[Article] = []
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, raw in lines:
        origin = f"line {number}"
        try:
            value = load_json(decode(within_limit(raw, number, limit), origin), origin)
            if not isinstance(value, dict):
                raise InputError(f"{origin}: expected an article object")
            if "html" in value and "text" not in value:  # a page: cleaned to its main text
                value = {**{k: v for k, v in value.items() if k != "html"}, "text": value["html"], "format": "html"}
            article = article_from_json(value, number - 1, "line")  # without an id: its line number - 1
            if not article.text.strip() and not (article.title or "").strip():
                raise InputError(f"{origin}: the article has neither text nor a title")
            if article.id in seen:
                raise InputError(f"{origin}: article id {article.id!r} was used on line {seen[article.id]}")
        except NewsbriefError as exc:
            errors.append(error_record(number, exc))
            continue
        seen[article.id] = number
        articles.append(article)
    return articles, errors
