"""Render a Summary for people (text, Markdown with source footnotes) or programs (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from service.records import Article
from service.result import Summary

Format = Literal["text", "json", "markdown"]


def summary_record(summary: Summary, *, timings: bool) -> dict[str, Any]:
    """JSON-ready dict; timings are left out unless asked, so output is byte-identical run to run."""
    return summary.model_dump(mode="json", exclude=None if timings else {"timings_ms"})


def _source_label(article: Article) -> str:
    label = article.title or article.source or article.id
    if article.url:
        return f"[{label}]({article.url})"
    return label if label == article.id else f"{label} ({article.id})"


def to_markdown(summary: Summary, articles: Sequence[Article]) -> str:
    by_id = {a.id: a for a in articles}
    body = " ".join(f"{s.text}{'…' if s.clipped else ''}[^{n}]" for n, s in enumerate(summary.sentences, start=1))
    notes = []
    for n, s in enumerate(summary.sentences, start=1):
        others = [i for i in s.support if i != s.doc_id]
        also = f"; also reported by {', '.join(_source_label(by_id[i]) for i in others)}" if others else ""
        trimmed = ", trimmed" if s.spans != [(s.char_start, s.char_end)] and not s.clipped else ""
        notes.append(
            f"[^{n}]: {_source_label(by_id[s.doc_id])}, sentence {s.index + 1} "
            f"(characters {s.char_start}–{s.char_end}{trimmed}){also}"
        )
    return body + "\n\n" + "\n".join(notes) + "\n"


def render(summary: Summary, articles: Sequence[Article], fmt: Format, *, timings: bool = False) -> str:
    if fmt == "json":
        return json.dumps(summary_record(summary, timings=timings), ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        return to_markdown(summary, articles)
    return summary.brief + "\n"
