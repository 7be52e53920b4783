"""Summarise a JSON Lines file of article sets, one output record per input line.

A bad line becomes an error record and the run goes on; nothing is dropped silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from service.errors import InputError, NewsbriefError
from service.reading import articles_from_json
from service.schema import Article
from service.summarizer import Summarizer


def parse_set(line: str, number: int) -> tuple[str, list[Article]]:
    """The id and articles of one input line `{"id", "documents": [...]}`."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {number}: invalid JSON ({exc.msg})") from None
    if not isinstance(value, dict) or not isinstance(value.get("documents", value.get("articles")), list):
        raise InputError(f'line {number}: expected an object with a "documents" list')
    set_id = str(value.get("id", number))
    return set_id, articles_from_json(value, f"line {number}")


def summarize_line(
    summarizer: Summarizer, line: str, number: int, max_words: int | None, max_sentences: int | None
) -> dict[str, Any]:
    set_id: str | None = None
    try:
        set_id, articles = parse_set(line, number)
        summary = summarizer.summarize(articles, max_words=max_words, max_sentences=max_sentences)
    except NewsbriefError as exc:
        return {"id": set_id, "line": number, "error": {"type": exc.kind, "message": exc.message}}
    return {
        "id": set_id,
        "summary": summary.brief,
        "sentences": [s.model_dump(mode="json") for s in summary.sentences],
    }


def numbered_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Non-blank lines with their 1-based line numbers."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, line


def run(
    summarizer: Summarizer,
    lines: Iterable[str],
    max_words: int | None,
    max_sentences: int | None,
) -> Iterator[dict[str, Any]]:
    for number, line in numbered_lines(lines):
        yield summarize_line(summarizer, line, number, max_words, max_sentences)
