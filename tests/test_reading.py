from __future__ import annotations

import json
from pathlib import Path

import pytest

from service import EmptyInputError, InputError, ReadError, Summarizer
from service.reading import articles_from_items, html_to_text, read_paths

HTML = """<!DOCTYPE html><html><head><title>T</title></head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Blinken in Beijing</h1>
<p>US Secretary of State Antony Blinken met Chinese Foreign Minister Qin Gang in Beijing on Sunday for talks.</p>
<p>The two sides agreed to keep up communication as they look to avoid conflict, officials said.</p></article>
<footer>Copyright 2023 Example News. All rights reserved.</footer></body></html>"""


def test_folder_of_text_files(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("Second article.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("First article.", encoding="utf-8")
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01")
    articles = read_paths([str(tmp_path)])
    assert [(a.id, a.text) for a in articles] == [("a", "First article."), ("b", "Second article.")]


def test_html_is_converted_to_text(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(HTML, encoding="utf-8")
    [article] = read_paths([str(page)])
    assert "Qin Gang" in article.text
    assert "Home" not in article.text


P1 = (
    "The harbour authority approved a plan on Monday to dredge the main shipping channel, a project that "
    "will take three years and cost about 60 million dollars, its chairman said."
)
P2 = (
    "Shipping companies had asked for a deeper channel for a decade, saying the largest container ships "
    "could only enter the port at high tide."
)
P3 = "Environmental groups said they would study the plan before deciding whether to challenge it in court."
FURNISHED = f"""<!DOCTYPE html><html><head><title>Harbour to be dredged</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on Twitter</a> <a href="#">Email</a></div>
<article><h1>Harbour to be dredged</h1><p>{P1}</p><p>{P2}</p><p>{P3}</p></article>
<aside class="related"><h3>Related stories</h3><ul>
<li><a href="/a">Port traffic hits a record high in the first quarter</a></li>
<li><a href="/b">New cranes arrive at the container terminal</a></li>
<li><a href="/c">Ferry timetable changes for the summer season</a></li></ul></aside>
<section id="comments"><h3>3 comments</h3><div class="comment">
<p>About time they fixed the channel, I have waited years for this news.</p></div></section>
<footer><p>Copyright 2024 Example Harbour News. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>"""
# a page without any text: an image and a script
BLANK = "<html><body><img src='front.jpg' alt=''><script>var page = 1;</script></body></html>"
# an old layout table: trafilatura's precision mode finds nothing in it, recall mode finds the article
TABLE_LAYOUT = f"""<html><head><title>Harbour to be dredged</title></head><body><table width="100%">
<tr><td>{P1}</td></tr><tr><td>{P2}</td></tr><tr><td>{P3}</td></tr></table></body></html>"""


def test_page_structure_keeps_the_article_only() -> None:
    """Navigation, share bar, related-link list (link density), comments and footer all go."""
    text = html_to_text(FURNISHED)
    assert [line for line in text.splitlines() if line.endswith(".")] == [P1, P2, P3]
    for furniture in ("Home", "Share on", "Port traffic", "About time", "Copyright", "Privacy"):
        assert furniture not in text


def test_recall_mode_reads_a_page_precision_mode_finds_nothing_in() -> None:
    import trafilatura

    assert not trafilatura.extract(TABLE_LAYOUT, favor_precision=True, include_tables=False)
    assert all(p in html_to_text(TABLE_LAYOUT) for p in (P1, P2, P3))


# a standfirst under the headline, longer than cleaning's heading bound and without end punctuation
DECK = (
    "Harbour board backs a three-year plan to deepen the main channel for the largest container ships while "
    "environmental groups weigh a challenge in court and shipping firms count the cost of delay"
)
EMBED = (
    '<blockquote class="twitter-tweet"><p>The channel plan is finally here.<br>Three years of work ahead #harbour</p>'
    '&mdash; Port Watcher (@portwatch) <a href="#">May 4, 2021</a></blockquote>'
)
# a deck that is a sentence and a long interview question: prose, kept for cleaning to judge
STATEMENT_DECK = "The board approved the plan on Monday after a decade of requests from shipping companies."
QUESTION = "Why did the board wait a decade before it approved a plan that shipping companies had asked for every year?"
MARKED_UP = f"""<!DOCTYPE html><html><head><title>Harbour to be dredged</title></head><body>
<article><h1>Harbour to be dredged</h1><h2>{DECK}</h2><p>{P1}</p>{EMBED}<p>{P2}</p>
<h3>Support local news today!</h3><h2>What comes next</h2><h3>{QUESTION}</h3><p>{P3}</p></article></body></html>"""


def test_page_markup_drops_decks_calls_to_action_and_embedded_posts() -> None:
    """What only trafilatura's tree tells apart: a long standfirst marked as a heading, an exclaiming
    heading, and every line of an embedded post (its plain text shows several lines before the signature)."""
    text = html_to_text(MARKED_UP)
    for furniture in ("Harbour board backs", "Support local news", "channel plan is finally", "Three years of work"):
        assert furniture not in text
    assert [line for line in text.splitlines() if line.endswith((".", "?"))] == [P1, P2, QUESTION, P3]
    assert "What comes next" in text.splitlines()  # a short heading stays, for cleaning to drop


def test_a_deck_that_is_a_sentence_stays() -> None:
    page = MARKED_UP.replace(f"<h2>{DECK}</h2>", f"<h2>{STATEMENT_DECK}</h2>")
    assert STATEMENT_DECK in html_to_text(page).splitlines()


def test_an_unreadable_page_is_left_out_with_a_note(tmp_path: Path, summarizer: Summarizer) -> None:
    (tmp_path / "harbour.html").write_text(FURNISHED, encoding="utf-8")
    (tmp_path / "blank.html").write_text(BLANK, encoding="utf-8")
    articles = read_paths([str(tmp_path)])
    assert [(a.id, bool(a.text)) for a in articles] == [("blank", False), ("harbour", True)]
    summary = summarizer.summarize(articles, max_words=60)
    assert {s.doc_id for s in summary.sentences} == {"harbour"}
    assert any("'blank'" in note and "left out" in note for note in summary.notes)


def test_a_set_without_any_readable_page_is_an_error(tmp_path: Path) -> None:
    for name in ("a.html", "b.html"):
        (tmp_path / name).write_text(BLANK, encoding="utf-8")
    with pytest.raises(ReadError, match="no article text"):
        read_paths([str(tmp_path)])


def test_an_unreadable_html_article_in_json_is_left_out_with_a_note(summarizer: Summarizer) -> None:
    """The API, JSON files and batch read articles alike: an HTML article without text is left out."""
    articles = articles_from_items(
        [{"id": "blank", "text": BLANK}, {"id": "harbour", "text": FURNISHED, "format": "html"}], "articles"
    )
    assert [(a.id, bool(a.text)) for a in articles] == [("blank", False), ("harbour", True)]
    summary = summarizer.summarize(articles, max_words=60)
    assert {s.doc_id for s in summary.sentences} == {"harbour"}
    assert any("'blank'" in note and "left out" in note for note in summary.notes)
    with pytest.raises(EmptyInputError, match="web page without article text"):
        summarizer.summarize(articles[:1], max_words=60)


def test_json_and_json_lines(tmp_path: Path) -> None:
    doc = tmp_path / "set.json"
    doc.write_text(
        json.dumps({"articles": [{"id": "x", "text": "One.", "title": "T"}, {"text": "Two."}]}), encoding="utf-8"
    )
    assert [a.id for a in read_paths([str(doc)])] == ["x", "1"]
    lines = tmp_path / "set.jsonl"
    lines.write_text('{"text": "One."}\n\n{"text": "Two.", "source": "AP"}\n', encoding="utf-8")
    assert [(a.id, a.source) for a in read_paths([str(lines)])] == [("0", None), ("1", "AP")]


def test_stdin_text_and_json() -> None:
    assert read_paths(["-"], stdin=[b"Plain text article."])[0].text == "Plain text article."
    assert read_paths(["-"], stdin=[b'[{"id": "q", "text": "JSON."}]'])[0].id == "q"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("latin1.txt", "café olé".encode("latin-1"), "not valid UTF-8"),
        ("bad.json", b'{"articles": [{"id": 1}]}', "text"),
        ("bad.jsonl", b'{"text": "ok"}\n{nope\n', "invalid JSON"),
        ("empty.html", b"<html><body></body></html>", "no article text"),
    ],
)
def test_bad_files_give_one_clear_error(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError, match=message) as info:
        read_paths([str(path)])
    assert name in str(info.value)


def test_missing_path_and_duplicate_ids(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="no such file"):
        read_paths([str(tmp_path / "nope.txt")])
    (tmp_path / "a.txt").write_text("x.", encoding="utf-8")
    with pytest.raises(InputError, match="twice"):
        read_paths([str(tmp_path / "a.txt"), str(tmp_path / "a.txt")])
