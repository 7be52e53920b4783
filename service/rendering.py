"""Render a Summary for people (text, Markdown with source footnotes, an HTML page) or programs (JSON).

Markdown shows every value that comes from the input (sentences, titles, sources, ids, URLs) as
the text it is: escaped, on one line, so no input can forge a footnote, a link, a heading or HTML;
only absolute http(s) URLs become links.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from service.records import Article
from service.result import Conflict, Quote, Summary, quoted

Format = Literal["text", "json", "markdown", "html"]

# characters that start markup anywhere in a line: escapes, code, emphasis, strikethrough, links and
# footnotes, HTML and autolinks, entity references; `_` only where it can open or close emphasis (not
# inside a word); `!` at the end, where a footnote mark follows it (`![^1]` would be an image)
_INLINE_MARKUP = re.compile(r"[\\`*~\[\]<]|&(?=#?[0-9A-Za-z]{1,32};)|(?<![^\W_])_|_(?![^\W_])|!$")
# what makes a block of a line's start: heading, quote, list item, setext underline, table row
_BLOCK_START = re.compile(r"[#>+=|-]|\d{1,9}[.)]")
# RFC 3986's reserved and unreserved characters, less the parentheses that would end a Markdown link
_URL_SAFE = "!#$%&'*+,/:;=?@[]~-._"


def summary_record(summary: Summary, *, timings: bool) -> dict[str, Any]:
    """JSON-ready dict; timings are left out unless asked, so output is byte-identical run to run."""
    return summary.model_dump(mode="json", exclude=None if timings else {"timings_ms": True, "rewrite": {"seconds"}})


def escape_markdown(value: str) -> str:
    """`value` as Markdown text that renders as `value` (its whitespace runs as single spaces)."""
    text = _INLINE_MARKUP.sub(lambda found: "\\" + found.group(), " ".join(value.split()))
    block = _BLOCK_START.match(text)
    return f"{text[: block.end() - 1]}\\{text[block.end() - 1 :]}" if block else text


def link_target(url: str) -> str | None:
    """`url` as a Markdown link destination, or None unless it is an absolute http(s) URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return quote(url.strip(), safe=_URL_SAFE)


def _source_label(article: Article) -> str:
    name = next((v for v in (article.title, article.source, article.id) if v and v.strip()), article.id)
    label = escape_markdown(name) or "untitled"
    if article.url:
        target = link_target(article.url)
        return f"[{label}]({target})" if target else f"{label} ({escape_markdown(article.url)})"
    return label if name == article.id else f"{label} ({escape_markdown(article.id)})"


def _quote_note(n: int, quote: Quote, by_id: dict[str, Article]) -> str:
    first = quote.sources[0]
    others = [i for i in quote.support if i != first.doc_id]
    also = f"; also quoted by {', '.join(_source_label(by_id[i]) for i in others)}" if others else ""
    return f"[^{n}]: {_source_label(by_id[first.doc_id])}, quote (characters {first.char_start}–{first.char_end}){also}"


def _conflict_note(c: int, conflict: Conflict, by_id: dict[str, Article]) -> str:
    sides = "; ".join(
        f"{escape_markdown(v.value)} ({', '.join(_source_label(by_id[i]) for i in v.doc_ids)})" for v in conflict.values
    )
    return f"[^c{c + 1}]: sources disagree on {escape_markdown(conflict.about)}: {sides}"


def to_markdown(summary: Summary, articles: Sequence[Article]) -> str:
    by_id = {a.id: a for a in articles}
    body = [
        f"{escape_markdown(s.wording)}[^{n}]" + "".join(f"[^c{c + 1}]" for c in s.conflicts)
        for n, s in enumerate(summary.sentences, start=1)
    ]
    notes = []
    for n, s in enumerate(summary.sentences, start=1):
        others = [i for i in s.support if i != s.doc_id]
        also = f"; also reported by {', '.join(_source_label(by_id[i]) for i in others)}" if others else ""
        trimmed = ", trimmed" if s.spans != [(s.char_start, s.char_end)] and not s.clipped else ""
        notes.append(
            f"[^{n}]: {_source_label(by_id[s.doc_id])}, sentence {s.index + 1} "
            f"(characters {s.char_start}–{s.char_end}{trimmed}){also}"
        )
    for n, q in enumerate((q for q in summary.quotes if q.in_brief), start=len(notes) + 1):
        body.append(escape_markdown(quoted(q)) + f"[^{n}]")
        notes.append(_quote_note(n, q, by_id))
    flagged = sorted({c for s in summary.sentences for c in s.conflicts})
    notes += [_conflict_note(c, summary.conflicts[c], by_id) for c in flagged]
    return " ".join(body) + "\n\n" + "\n".join(notes) + "\n"


def render(summary: Summary, articles: Sequence[Article], fmt: Format, *, timings: bool = False) -> str:
    if fmt == "json":
        return json.dumps(summary_record(summary, timings=timings), ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        return to_markdown(summary, articles)
    if fmt == "html":
        from service.page import document  # page.py links sources with this module's link_target

        return document(summary, articles)
    return summary.brief + "\n"
