"""The HTML page: `summarize --format html`, POST /v1/summaries for text/html, and the form at `/`.

Parsed with lxml: every brief sentence links to the article text it comes from, the words each
sentence (in its own article and, by `support_refs`, in every other supporting one), quote and
disagreement highlights are exactly those at its offsets, and input is text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import lxml.html
import pytest

from service import Article, Settings, Summarizer, Summary
from service.api import create_app
from service.rendering import render
from service.result import quoted
from tests.conftest import SEEDS
from tests.helpers import newsbrief
from tests.serving import client_for, seeds_request

FLOOD = [
    Article(
        id="a0",
        title="Valley flood",
        text="A flood in the river valley killed 12 people on Sunday, officials said. "
        '"We have never seen the water this high," said Maria Lopez, the mayor. '
        "The river rose after three days of heavy rain.",
    ),
    Article(
        id="a1",
        text="A flood in the river valley killed 15 people on Sunday, officials said. "
        'Roads were closed across the region. "We have never seen the water this high," Lopez said.',
    ),
    Article(
        id="a2",
        text="Twelve people died in the flood in the river valley on Sunday. Schools stayed shut on Monday.",
    ),
]

HOSTILE_TEXT = (
    'Officials said the dam <script>alert(1)</script> held & stayed "fine" on Sunday. <img src=x onerror=alert(1)> '
    'Residents "left their homes in a hurry, all of them," said Ann Roe. </p></article><b>Rain</b> fell all day.'
)
HOSTILE = [
    Article(
        id='"><script>alert(2)</script>',
        title="<script>alert(3)</script>",
        source="<i>Wire</i>",
        url="javascript:alert(4)",
        text=HOSTILE_TEXT,
    ),
    Article(id="b", title="Second & last", url='https://example.org/a?b=1&c="2"', text=HOSTILE_TEXT.upper()),
]


def _tree(page: str) -> Any:
    return lxml.html.document_fromstring(page)


def _highlighted(tree: Any, key: str) -> dict[str, str]:
    """The words that hovering `key` marks, per article card (its id), in text order."""
    marked: dict[str, str] = {}
    for span in tree.xpath("//span[@data-for]"):
        if key in span.get("data-for").split():
            card = span.xpath("ancestor::article")[0].get("id")
            marked[card] = marked.get(card, "") + span.text_content()
    return marked


def _joined(text: str, spans: Sequence[tuple[int, int]]) -> str:
    return "".join(text[a:b] for a, b in sorted(set(spans)))


def assert_linked(page: str, summary: Summary, articles: Sequence[Article]) -> None:
    """Each brief sentence, quote and disagreement links to and highlights its words in its articles."""
    tree = _tree(page)
    card = {a.id: f"doc-{n}" for n, a in enumerate(articles)}
    text = {a.id: a.text for a in articles}
    assert summary.sentences
    for n, s in enumerate(summary.sentences):
        (link,) = tree.xpath(f'//p[@class="brief"]/a[@data-key="s{n}"]')
        assert link.text_content() == s.wording
        target = tree.get_element_by_id(link.get("href").removeprefix("#"))
        assert target.xpath("ancestor::article")[0].get("id") == card[s.doc_id]
        assert link.get("data-docs").split() == [card[i] for i in s.support]
        cited = link.getnext().xpath(".//a/@href")
        assert cited == [f"#{card[i]}" for i in s.support]
        assert [r.doc_id for r in s.support_refs] == [i for i in s.support if i != s.doc_id]
        same_fact = {card[r.doc_id]: text[r.doc_id][r.char_start : r.char_end] for r in s.support_refs}
        assert _highlighted(tree, f"s{n}") == {card[s.doc_id]: _joined(text[s.doc_id], s.spans), **same_fact}
        for c in s.conflicts:
            assert tree.xpath(f'//p[@class="brief"]/a[@href="#conflict-{c}"]')
    for n, q in enumerate(summary.quotes):
        expected = {card[src.doc_id]: _joined(text[src.doc_id], [(src.char_start, src.char_end)]) for src in q.sources}
        assert _highlighted(tree, f"q{n}") == expected
        assert {" ".join(w.casefold().split()) for w in expected.values()} == {" ".join(q.text.casefold().split())}
    for n, c in enumerate(summary.conflicts):
        assert tree.get_element_by_id(f"conflict-{n}") is not None
        refs: dict[str, list[tuple[int, int]]] = {}
        for v in c.values:
            for ref in v.refs:
                refs.setdefault(ref.doc_id, []).append((ref.char_start, ref.char_end))
        assert _highlighted(tree, f"c{n}") == {card[i]: _joined(text[i], spans) for i, spans in refs.items()}
    for n, a in enumerate(articles):  # every article, word for word, whatever it holds
        assert tree.get_element_by_id(f"doc-{n}").xpath('.//p[@class="text"]')[0].text_content() == a.text


def assert_inert(page: str) -> None:
    """Input is text on the page: one script (the page's own), no element or attribute from input."""
    tree = _tree(page)
    assert len(tree.xpath("//script")) == 1
    assert not tree.xpath("//img | //b | //i | //link | //iframe | //*[@src]")
    assert not [name for el in tree.iter() for name in el.attrib if name.startswith("on")]
    assert all(h.startswith(("#", "https://")) for h in tree.xpath("//a/@href"))


def test_page_links_every_brief_sentence_conflict_and_quote(summarizer: Summarizer) -> None:
    summary = summarizer.summarize(FLOOD, max_sentences=1, quotes=1)  # the quote is not in that sentence
    assert summary.conflicts and any(s.conflicts for s in summary.sentences) and summary.quotes
    page = render(summary, FLOOD, "html")
    assert_linked(page, summary, FLOOD)
    assert_inert(page)
    tree = _tree(page)
    assert tree.xpath('//span[@class="conflict"]') and tree.xpath('//span[contains(@class, "quote")]')
    (in_brief,) = tree.xpath('//p[@class="brief"]/a[@class="quote"]')
    assert in_brief.text_content() == quoted(summary.quotes[0])
    assert summary.quotes[0].speaker == "Maria Lopez"
    # hovering the brief's flood sentence lights the flood sentence of each other article too
    lit = _highlighted(tree, "s0")
    assert lit["doc-1"].startswith("A flood in the river valley killed 15 people")
    assert lit["doc-2"].startswith("Twelve people died in the flood")


def test_a_rewritten_brief_is_shown_above_the_sentences_it_came_from(summarizer: Summarizer) -> None:
    summary = summarizer.summarize(FLOOD, max_sentences=2)
    rewritten = summary.model_copy(update={"mode": "abstractive", "brief": "A <b>flood</b> killed people."})
    page = render(rewritten, FLOOD, "html")
    assert_inert(page)
    assert_linked(page, rewritten, FLOOD)
    assert _tree(page).xpath('//p[@class="rewritten"]')[0].text_content() == "A <b>flood</b> killed people."


def test_seed_page_links_every_sentence(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    summary = summarizer.summarize(seed_articles, quotes=2)
    assert_linked(render(summary, seed_articles, "html"), summary, seed_articles)


def test_hostile_text_titles_ids_and_urls_are_escaped(summarizer: Summarizer) -> None:
    summary = summarizer.summarize(HOSTILE, quotes=1)
    page = render(summary, HOSTILE, "html")
    assert_inert(page)
    assert_linked(page, summary, HOSTILE)
    tree = _tree(page)
    assert tree.get_element_by_id("doc-0-h").text_content() == "1. <script>alert(3)</script> (<i>Wire</i>)"
    assert tree.xpath("//h3/a/@href") == ["https://example.org/a?b=1&c=%222%22"]
    assert "javascript:" not in page


def test_cli_writes_the_page() -> None:
    result = newsbrief("summarize", str(SEEDS), "--format", "html")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert_inert(result.stdout)
    assert len(_tree(result.stdout).xpath('//p[@class="brief"]/a[@class="s"]')) >= 1


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async for c in client_for(create_app(Settings())):
        yield c


@pytest.mark.anyio
async def test_served_form_is_self_contained_and_labelled(client: httpx.AsyncClient) -> None:
    reply = await client.get("/")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/html")
    tree = _tree(reply.text)
    assert_inert(reply.text)
    fields = tree.xpath("//form//input | //form//textarea")
    assert fields and all(tree.xpath(f'//label[@for="{f.get("id")}"]') for f in fields)
    assert "fetch('v1/summaries'" in reply.text
    policy = reply.headers["content-security-policy"]  # the browser test runs the page under it
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy


@pytest.mark.anyio
async def test_api_answers_the_page_for_text_html(client: httpx.AsyncClient) -> None:
    payload: dict[str, Any] = {
        "articles": [a.model_dump(mode="json", include={"id", "title", "source", "url", "text"}) for a in HOSTILE],
        "options": {"quotes": 1},
    }
    reply = await client.post("/v1/summaries", json=payload, headers={"Accept": "text/html"})
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert "connect-src 'self'" in reply.headers["content-security-policy"]
    assert_inert(reply.text)
    assert _tree(reply.text).get_element_by_id("result").xpath('.//p[@class="brief"]/a[@class="s"]')
    plain = await client.post("/v1/summaries", json=seeds_request(), headers={"Accept": "text/html"})
    assert plain.status_code == 200
    assert_inert(plain.text)


@pytest.mark.anyio
async def test_api_json_has_the_conflicts_the_sentences_index(client: httpx.AsyncClient) -> None:
    payload = {"articles": [a.model_dump(mode="json", include={"id", "text"}) for a in FLOOD]}
    body = (await client.post("/v1/summaries", json=payload)).json()
    assert body["conflicts"]
    assert all(c < len(body["conflicts"]) for s in body["sentences"] for c in s["conflicts"])


@pytest.mark.anyio
async def test_a_refused_page_request_is_the_json_error(client: httpx.AsyncClient) -> None:
    reply = await client.post("/v1/summaries", json={"articles": []}, headers={"Accept": "text/html"})
    assert reply.status_code == 422
    assert reply.json()["error"]["param"] == "articles"
