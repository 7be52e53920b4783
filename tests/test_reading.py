from __future__ import annotations

import json
from pathlib import Path

import pytest

from service import InputError, ReadError
from service.reading import read_paths

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
