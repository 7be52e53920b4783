"""Off-topic articles in a set: flagged, left out of the brief by default (off_topic=exclude), named
in notes and in `excluded`; kept under off_topic=keep; outputs without one are unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from service import Article, Settings, Summarizer
from service.api import create_app
from service.offtopic import outliers
from tests.helpers import newsbrief
from tests.provenance import assert_traceable

STREAM = Path(__file__).parent / "data" / "stories.jsonl"


def quake_set_with_mars() -> list[Article]:
    rows = [json.loads(line) for line in STREAM.read_text(encoding="utf-8").splitlines()]
    wanted = ["quake-ap", "quake-reuters", "quake-guardian", "mars-nasa"]
    by_id = {r["id"]: r for r in rows}
    return [Article(id=i, title=by_id[i]["title"], text=by_id[i]["text"]) for i in wanted]


def test_the_article_about_something_else_is_excluded_and_named(summarizer: Summarizer) -> None:
    articles = quake_set_with_mars()
    summary = summarizer.summarize(articles, max_words=80)
    assert [e.id for e in summary.excluded] == ["mars-nasa"]
    assert summary.excluded[0].reason == "off_topic"
    assert 0 <= summary.excluded[0].similarity < 0.2
    assert any("'mars-nasa' looks off-topic" in note and note.endswith("excluded") for note in summary.notes)
    assert all(s.doc_id != "mars-nasa" and "mars-nasa" not in s.support for s in summary.sentences)
    texts = {a.id: a.text for a in articles}
    for s in summary.sentences:
        assert_traceable(s, texts[s.doc_id])


def test_keep_names_it_but_leaves_it_in(summarizer: Summarizer) -> None:
    summary = summarizer.summarize(quake_set_with_mars(), max_words=80, off_topic="keep")
    assert summary.excluded == []
    assert any("'mars-nasa' looks off-topic" in note and "kept (off_topic=keep)" in note for note in summary.notes)


def test_a_set_about_one_event_loses_nothing(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    summary = summarizer.summarize(seed_articles)
    assert summary.excluded == []
    assert "excluded" not in summary.model_dump()  # absent when empty: earlier outputs are byte-identical


def test_two_or_three_articles_are_never_off_topic() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert outliers(vectors, [0, 1], 0.5) == []
    vectors = np.array([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 1.0]])
    assert outliers(vectors, [0, 1, 2], 0.5) == []


def test_identical_articles_are_never_off_topic() -> None:
    vectors = np.tile(np.array([[0.6, 0.8]]), (5, 1))
    assert outliers(vectors, [0, 1, 2, 3, 4], 0.5) == []


def test_an_article_without_any_shared_word_is_off_topic() -> None:
    vectors = np.array([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.95, 0.05, 0.0], [0.0, 0.0, 1.0]])
    found = outliers(vectors, [0, 1, 2, 3], 0.5)
    assert [(o.doc_pos, o.similarity) for o in found] == [(3, 0.0)]


def test_the_api_option_and_response_field() -> None:
    articles = [a.model_dump(mode="json", exclude_none=True) for a in quake_set_with_mars()]
    with TestClient(create_app(Settings())) as client:
        excluded = client.post("/v1/summaries", json={"articles": articles, "options": {"max_words": 60}}).json()
        kept = client.post(
            "/v1/summaries", json={"articles": articles, "options": {"max_words": 60, "off_topic": "keep"}}
        ).json()
        bad = client.post("/v1/summaries", json={"articles": articles, "options": {"off_topic": "drop"}})
    assert excluded["excluded"] == [
        {"id": "mars-nasa", "reason": "off_topic", "similarity": excluded["excluded"][0]["similarity"]}
    ]
    assert "excluded" not in kept
    assert bad.status_code == 422
    assert bad.json()["error"]["param"] == "options.off_topic"


@pytest.mark.parametrize("mode", ["exclude", "keep"])
def test_cli_option(tmp_path: Path, mode: str) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    for article in quake_set_with_mars():
        (folder / f"{article.id}.txt").write_text(article.text, encoding="utf-8")
    result = newsbrief("summarize", str(folder), "--format", "json", "--off-topic", mode)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert ("excluded" in record) == (mode == "exclude")
    assert "'mars-nasa' looks off-topic" in result.stderr  # notes go to stderr
