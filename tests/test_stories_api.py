"""POST /v1/stories: articles in, stories with briefs out, through the same intake and envelope."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from service import Settings
from service.api import create_app

STREAM = Path(__file__).parent / "data" / "stories.jsonl"


def articles() -> list[dict[str, Any]]:
    return [json.loads(line) for line in STREAM.read_text(encoding="utf-8").splitlines()]


def test_a_stream_comes_out_as_its_stories_with_briefs() -> None:
    with TestClient(create_app(Settings())) as client:
        response = client.post("/v1/stories", json={"articles": articles(), "options": {"max_words": 40}})
        again = client.post("/v1/stories", json={"articles": articles()[::-1], "options": {"max_words": 40}})
    assert response.status_code == 200, response.text
    found = response.json()["stories"]
    assert [s["article_ids"] for s in found] == [
        ["quake-ap", "quake-reuters", "quake-guardian"],
        ["rates-reuters", "rates-bbc"],
        ["final-bbc", "final-afp"],
        ["mars-nasa", "mars-ap"],
    ]
    assert all(s["brief"] and len(s["brief"].split()) <= 40 for s in found)
    assert again.json() == response.json()  # grouped by publication time, whatever the order given


def test_client_mistakes_are_envelope_errors() -> None:
    with TestClient(create_app(Settings(stories_max_articles=3))) as client:
        empty = client.post("/v1/stories", json={"articles": []})
        too_many = client.post("/v1/stories", json={"articles": articles()})
        twice = client.post("/v1/stories", json={"articles": [{"id": "x", "text": "a"}, {"id": "x", "text": "b"}]})
        bad_date = client.post("/v1/stories", json={"articles": [{"text": "a", "published_at": "soon"}]})
        unknown = client.post("/v1/stories", json={"articles": [{"text": "a"}], "options": {"query": "x"}})
    assert empty.status_code == 422 and empty.json()["error"]["param"] == "articles"
    assert too_many.status_code == 413 and "NEWSBRIEF_STORIES_MAX_ARTICLES" in too_many.json()["error"]["message"]
    assert twice.status_code == 422 and twice.json()["error"]["param"] == "articles[1].id"
    assert bad_date.status_code == 422 and bad_date.json()["error"]["param"] == "articles[0].published_at"
    assert unknown.status_code == 422


def test_odd_ids_and_a_lone_article() -> None:
    odd = [{"id": "'; DROP TABLE stories; --", "text": "The bridge over the Elbe reopened after repairs."}]
    with TestClient(create_app(Settings())) as client:
        response = client.post("/v1/stories", json={"articles": odd})
    assert response.status_code == 200, response.text
    assert response.json()["stories"][0]["article_ids"] == ["'; DROP TABLE stories; --"]


def test_the_intake_admits_it_like_the_summaries() -> None:
    with TestClient(create_app(Settings(api_key="secret"))) as client:
        refused = client.post("/v1/stories", json={"articles": articles()})
        wrong_type = client.post(
            "/v1/stories", content=b"x", headers={"authorization": "Bearer secret", "content-type": "text/plain"}
        )
    assert refused.status_code == 401
    assert wrong_type.status_code == 415
