"""Hostile input for `newsbrief summarize` and `newsbrief eval`: one `error:` line and exit code 2,
never a traceback; and Markdown output that no input can turn into markup."""

from __future__ import annotations

import codecs
import gzip
import json
import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from hypothesis import given
from hypothesis import strategies as st

from service import Article, Settings, Summarizer
from service.rendering import escape_markdown, link_target, to_markdown
from tests.helpers import assert_clean_failure, newsbrief, seed_documents

STORY = (
    "Officials met in Beijing on Monday for talks about trade and tariffs. The talks were candid and "
    "constructive, both sides said. A second round of talks on trade is planned for next month."
)

# -- summarize: one error line, exit 2


def _write(name: str, data: bytes) -> Any:
    return lambda folder: (folder / name).write_bytes(data)


def _junk_folder(folder: Path) -> None:
    (folder / "junk").mkdir()
    (folder / "junk" / "a.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "junk" / "b.json").write_bytes(b"\x00\x01{[\xff")
    (folder / "junk" / "c.bin").write_bytes(b"ignored: not an article suffix")


@pytest.mark.parametrize(
    ("setup", "target", "message"),
    [
        (_write("x.json", b'{"text": "Bad \\ud800 text."}'), "x.json", "x.json: article 0: text: "),
        (_write("x.json", b'{"id": "\\udfff", "text": "' + STORY.encode() + b'"}'), "x.json", "article 0: id: "),
        (_write("x.json", b"[" * 100_000), "x.json", "x.json: JSON nested too deeply"),
        (_write("x", b"[" * 100_000), "x", "x: JSON nested too deeply"),
        (_write("x.json", b'{"documents": [' * 50_000), "x.json", "x.json: JSON nested too deeply"),
        (_write("x.txt", b"caf\xe9 \xff\xfe"), "x.txt", "x.txt: not valid UTF-8 (byte 3)"),
        (_write("x.json", '{"text": "café"}'.encode("latin-1")), "x.json", "x.json: not valid UTF-8"),
        (_write("x.txt", STORY.encode("utf-16")), "x.txt", "x.txt: not valid UTF-8 (byte 0)"),
        (_write("x.json", b""), "x.json", "the article set is empty"),
        (_write("x.txt", b""), "x.txt", "x.txt: no article text found"),
        (_write("x.txt", b" \n\t\r\n "), "x.txt", "x.txt: no article text found"),
        (_junk_folder, "junk", "junk/a.txt: not valid UTF-8"),
        (lambda f: (f / "empty").mkdir(), "empty", "empty: the folder holds no .txt, .html or .json files"),
        (_write("x.jsonl", f'{{"text": "{STORY}"}}\n{{oops\n'.encode()), "x.jsonl", "x.jsonl:2: invalid JSON"),
        (_write("x.json", b'{"documents": "not a list"}'), "x.json", "expected an article object or a list"),
        (_write("x.json", b'[{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]'), "x.json", "is used twice"),
    ],
    ids=[
        "surrogate-text",
        "surrogate-id",
        "deep-list",
        "deep-list-no-suffix",
        "deep-objects",
        "non-utf8",
        "latin-1-json",
        "utf-16",
        "empty-json",
        "empty-text",
        "whitespace",
        "junk-folder",
        "empty-folder",
        "bad-json-line",
        "documents-string",
        "duplicate-ids",
    ],
)
def test_summarize_bad_input_is_one_error_line(tmp_path: Path, setup: Any, target: str, message: str) -> None:
    setup(tmp_path)
    result = newsbrief("summarize", target, cwd=tmp_path)
    assert_clean_failure(result)
    assert message in result.stderr


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"caf\xe9", "<stdin>: not valid UTF-8 (byte 3)"),
        (b"", "-: no article text found"),
        (b"[" * 100_000, "<stdin>: JSON nested too deeply"),
        (b'{"text": "\\ud800"}', "<stdin>: article 0: text: "),
    ],
    ids=["non-utf8", "empty", "deep", "surrogate"],
)
def test_summarize_bad_stdin_is_one_error_line(data: bytes, message: str) -> None:
    result = newsbrief("summarize", "-", stdin=data)
    assert_clean_failure(result)
    assert message in result.stderr


def test_summarize_a_number_of_5000_digits_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"text": "' + STORY + '", "id": ' + "1" * 5000 + "}", encoding="utf-8")
    assert_clean_failure(newsbrief("summarize", "x.json", cwd=tmp_path))


def test_summarize_reads_a_utf8_bom_and_crlf(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(codecs.BOM_UTF8 + STORY.replace(". ", ".\r\n").encode())
    result = newsbrief("summarize", "x.txt", "--max-words", "30", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Beijing" in result.stdout
    assert "\ufeff" not in result.stdout


# -- eval: one error line, exit 2


def _cluster(**fields: Any) -> str:
    return json.dumps({"documents": seed_documents()[:2], "references": ["Officials met for talks."], **fields})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"documents": ["caf\xe9"], "references": ["x"]}\n', "line 1: not valid UTF-8"),
        (f"{_cluster()}\n{{oops\n".encode(), "line 2: invalid JSON"),
        (b"[" * 100_000 + b"\n", "line 1: JSON nested too deeply"),
        (_cluster(references="one string").encode(), 'line 1: "references" must be a list'),
        (_cluster(references=[1, 2]).encode(), 'line 1: "references" must be a list'),
        (b"", "no clusters in the input"),
        (b"\n \n", "no clusters in the input"),
        (_cluster().encode("utf-16"), "UTF-16 or UTF-32 text"),
        (gzip.compress(((_cluster() + "\n") * 5).encode())[:-40], "cannot read past line "),
    ],
    ids=["non-utf8", "bad-line", "deep", "references-string", "references-numbers", "empty", "blank", "utf-16", "gz"],
)
def test_eval_bad_input_is_one_error_line(tmp_path: Path, data: bytes, message: str) -> None:
    (tmp_path / "dev.jsonl").write_bytes(data)
    result = newsbrief("eval", "dev.jsonl", cwd=tmp_path)
    assert_clean_failure(result)
    assert message in result.stderr


def test_eval_on_a_folder_or_nothing_is_one_error_line(tmp_path: Path) -> None:
    assert "cannot read (Is a directory)" in newsbrief("eval", str(tmp_path)).stderr
    assert_clean_failure(newsbrief("eval", str(tmp_path)))
    assert_clean_failure(newsbrief("eval", str(tmp_path / "missing.jsonl")))


# -- Markdown: input is shown as text, never as markup


class _Html(HTMLParser):
    """Tags, links and text of rendered HTML."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if name in ("href", "src")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def github(markdown: str) -> _Html:
    """As GitHub renders it (footnotes, autolinks, tables...), raw HTML let through so it shows."""
    options = Options.CMARK_OPT_FOOTNOTES | Options.CMARK_OPT_UNSAFE
    return _Html(cmarkgfm.github_flavored_markdown_to_html(markdown, options))


MARKDOWNISH = [*"\\`*_{}[]()#+-.!|~<>&;:/^=\"' \n\t\r", "[^1]", "<script>", "&amp;", "1. ", "http://", "www."]


@given(st.lists(st.one_of(st.sampled_from(MARKDOWNISH), st.text(st.characters(exclude_categories=["Cs", "Cc"])))))
def test_escaped_text_renders_as_itself(parts: list[str]) -> None:
    value = "".join(parts)
    html = cmarkgfm.markdown_to_html(escape_markdown(value), Options.CMARK_OPT_UNSAFE)
    rendered = _Html(html)
    assert set(rendered.tags) <= {"p"}, html
    assert "".join(rendered.text).strip() == " ".join(value.split())


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ('https://example.com/a b(c)<d>"e', "https://example.com/a%20b%28c%29%3Cd%3E%22e"),
        ("HTTP://EXAMPLE.com/x?q=1&r=[2]#f", "HTTP://EXAMPLE.com/x?q=1&r=[2]#f"),
        ("javascript:alert(1)", None),
        ("JavaScript://example.com/%0aalert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("/relative/path", None),
        ("http:///no-host", None),
        ("http://[::1", None),
        ("  https://example.com/  ", "https://example.com/"),
    ],
)
def test_only_http_urls_are_link_targets(url: str, target: str | None) -> None:
    assert link_target(url) == target


@pytest.fixture(scope="module")
def hostile_markdown() -> tuple[str, int]:
    """Markdown of a brief whose sources hold markup everywhere, and its number of sentences."""
    first = Article(
        id="a[^2]",
        text=STORY + " See [^1] and <script>alert(1)</script> and [a link](javascript:alert(2)).",
        title="Talks\n[^1]: forged footnote\n# Heading <img src=x onerror=alert(3)>",
        url="javascript:alert(4)",
    )
    second = Article(
        id="b",
        text=STORY.replace("Monday", "Tuesday") + " 1. A list? > A quote? | a | table |",
        source="Wire](https://evil.example/) [x",
        url="https://news.example/story?id=1&x=(2)",
    )
    summary = Summarizer(Settings()).summarize([first, second], max_words=200)
    assert len(summary.sentences) >= 3
    return to_markdown(summary, [first, second]), len(summary.sentences)


def test_markdown_has_only_its_own_footnotes_and_links(hostile_markdown: tuple[str, int]) -> None:
    markdown, sentences = hostile_markdown
    rendered = github(markdown)
    footnotes = [link for link in rendered.links if link.startswith("#fn-")]
    assert footnotes == [f"#fn-{n}" for n in range(1, sentences + 1)], markdown
    others = [link for link in rendered.links if not link.startswith("#fn")]
    assert others and all(link == "https://news.example/story?id=1&x=%282%29" for link in others), others
    assert not {"script", "img", "h1", "h2", "blockquote", "table", "ul"} & set(rendered.tags)
    assert rendered.tags.count("ol") == 1  # the footnotes' list
    assert rendered.tags.count("li") == sentences


def test_markdown_shows_the_hostile_values_as_text(hostile_markdown: tuple[str, int]) -> None:
    text = " ".join(github(hostile_markdown[0]).text)
    assert "Talks [^1]: forged footnote # Heading <img src=x onerror=alert(3)>" in text
    assert "javascript:alert(4)" in text
    assert "Wire](https://evil.example/) [x" in text


def test_cli_markdown_of_hostile_json(tmp_path: Path) -> None:
    articles = [
        {"id": "x", "text": STORY, "title": "<script>alert(1)</script>\n[^9]: x", "url": "javascript:void(0)"},
        {"id": "y", "text": STORY.replace("Monday", "Friday"), "title": "[click](http://evil.example)"},
    ]
    (tmp_path / "set.json").write_text(json.dumps(articles), encoding="utf-8")
    result = newsbrief("summarize", "set.json", "--format", "markdown", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rendered = github(result.stdout)
    assert "script" not in rendered.tags
    shown = " ".join(rendered.text)
    others = [link for link in rendered.links if not link.startswith("#fn")]
    assert all(link.startswith("http://") and link in shown for link in others), others  # GitHub's autolinks
    footnotes = [link for link in rendered.links if link.startswith("#fn-")]
    assert footnotes == [f"#fn-{n}" for n in range(1, result.stdout.count("\n[^") + 1)]


def test_escaping_keeps_ordinary_text_readable() -> None:
    assert escape_markdown("Mr. Blinken met U.S. officials (twice) in Beijing!") == (
        "Mr. Blinken met U.S. officials (twice) in Beijing\\!"
    )
    assert escape_markdown("004_3e90bc608dfce535") == "004_3e90bc608dfce535"
    assert escape_markdown("# 2. [^1] <b>") == "\\# 2. \\[^1\\] \\<b>"
    assert escape_markdown("2024. A year") == "2024\\. A year"
    assert os.linesep not in escape_markdown("two\nlines")
