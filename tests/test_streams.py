"""Streams that keep their stories: articles placed over several requests, state in SQLite surviving a
restart (a new app on the same file), stories listed since a cursor with briefs cached until they change."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from service import Settings
from service.api import create_app
from service.records import Article
from service.story_store import StoryStore
from service.summarizer import Summarizer

STREAM = Path(__file__).parent / "data" / "stories.jsonl"
EVENTS = [
    ["quake-ap", "quake-reuters", "quake-guardian"],
    ["rates-reuters", "rates-bbc"],
    ["final-bbc", "final-afp"],
    ["mars-nasa", "mars-ap"],
]


def articles() -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in STREAM.read_text(encoding="utf-8").splitlines()]
    return sorted(rows, key=lambda row: row["published_at"])  # the order a stream would bring them


class CountingSummarizer(Summarizer):
    """Counts the briefs made, to see which come from the cache."""

    calls = 0

    def summarize(self, articles: Sequence[Article], *args: Any, **kwargs: Any) -> Any:
        CountingSummarizer.calls += 1
        return super().summarize(articles, *args, **kwargs)


def test_stories_survive_a_restart_and_briefs_are_made_once_per_change(tmp_path: Path) -> None:
    settings = Settings(streams_path=tmp_path / "streams.sqlite3")
    rows = articles()
    with TestClient(create_app(settings)) as client:
        first = client.post("/v1/streams/news/articles", json={"articles": rows[:5]})
    assert first.status_code == 200, first.text
    assert first.json()["articles"][0] == {
        "id": rows[0]["id"],
        "story_id": "story-1",
        "similarity": 1.0,
        "duplicate": False,
    }

    CountingSummarizer.calls = 0
    with TestClient(create_app(settings, CountingSummarizer(settings))) as client:  # a restart
        second = client.post("/v1/streams/news/articles", json={"articles": rows[5:]})
        listed = client.get("/v1/streams/news/stories")
        made = CountingSummarizer.calls
        cursor = listed.json()["cursor"]
        nothing_new = client.get(f"/v1/streams/news/stories?since={cursor}")
        again = client.get("/v1/streams/news/stories")
        cached = CountingSummarizer.calls - made
        late = {"id": "quake-late", "title": "Chile earthquake: death toll from magnitude 7.8 quake reaches 31",
                "text": "The death toll from the magnitude 7.8 earthquake off central Chile reached 31, "
                "officials in Valparaiso said, as rescue teams searched collapsed buildings.",
                "published_at": "2024-03-07T09:00:00Z"}  # fmt: skip
        joined = client.post("/v1/streams/news/articles", json={"articles": [late, rows[0]]})
        changed = client.get(f"/v1/streams/news/stories?since={cursor}")
    assert second.status_code == 200 and listed.status_code == 200, (second.text, listed.text)
    stories = listed.json()["stories"]
    assert sorted(s["article_ids"] for s in stories) == sorted(EVENTS)
    assert all(s["brief"] for s in stories) and made == 4
    assert nothing_new.json() == {"stories": [], "cursor": cursor}
    assert again.json() == listed.json() and cached == 0  # unchanged stories: their cached briefs

    placed = joined.json()["articles"]
    quake = next(s["story_id"] for s in stories if "quake-ap" in s["article_ids"])
    assert placed[0]["story_id"] == quake and not placed[0]["duplicate"]
    assert placed[1] == {"id": rows[0]["id"], "story_id": "story-1", "similarity": None, "duplicate": True}
    assert [s["article_ids"][-1] for s in changed.json()["stories"]] == ["quake-late"]  # only the changed story
    assert changed.json()["cursor"] > cursor


def test_streams_are_separate_and_other_settings_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "streams.sqlite3"
    rows = articles()
    with TestClient(create_app(Settings(streams_path=path))) as client:
        client.post("/v1/streams/a/articles", json={"articles": rows})
        other = client.post("/v1/streams/b/articles", json={"articles": rows[:1]})
    assert other.json()["articles"][0]["duplicate"] is False  # the same id in another stream is new there
    with TestClient(create_app(Settings(streams_path=path, stories_threshold=0.99))) as client:
        regrouped = client.post("/v1/streams/a/articles", json={"articles": [{"id": "x", "text": "Rain."}]})
        fresh = client.post("/v1/streams/c/articles", json={"articles": rows[:2]})
    assert regrouped.status_code == 503 and "other settings" in regrouped.json()["error"]["message"]
    assert fresh.status_code == 200


def test_a_newer_schema_or_an_unusable_file_is_a_clear_503(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 9")
    with TestClient(create_app(Settings(streams_path=newer))) as client:
        refused = client.get("/v1/streams/news/stories")
    with TestClient(create_app(Settings(streams_path=tmp_path / "no" / "such" / "dir.sqlite3"))) as client:
        unopened = client.post("/v1/streams/news/articles", json={"articles": articles()[:1]})
    assert refused.status_code == 503 and "schema version 9" in refused.json()["error"]["message"]
    assert unopened.status_code == 503 and unopened.json()["error"]["type"] == "store_unavailable"


def test_client_mistakes_are_envelope_errors(tmp_path: Path) -> None:
    settings = Settings(streams_path=tmp_path / "streams.sqlite3", stories_max_articles=2, api_key="secret")
    auth = {"authorization": "Bearer secret"}
    with TestClient(create_app(settings)) as client:
        no_key = client.get("/v1/streams/news/stories")
        no_key_post = client.post("/v1/streams/news/articles", json={"articles": articles()[:1]})
        bad_name = client.get("/v1/streams/-x/stories", headers=auth)
        long_name = client.post(
            "/v1/streams/" + "n" * 65 + "/articles", json={"articles": [{"text": "a"}]}, headers=auth
        )
        bad_since = client.get("/v1/streams/news/stories?since=-1", headers=auth)
        empty = client.post("/v1/streams/news/articles", json={"articles": []}, headers=auth)
        too_many = client.post("/v1/streams/news/articles", json={"articles": articles()[:3]}, headers=auth)
        twice = client.post(
            "/v1/streams/news/articles",
            json={"articles": [{"id": "x", "text": "a"}, {"id": "x", "text": "b"}]},
            headers=auth,
        )
        unknown_stream = client.get("/v1/streams/none/stories", headers=auth)
    assert no_key.status_code == 401 and no_key_post.status_code == 401
    assert bad_name.status_code == 422 and long_name.status_code == 422
    assert bad_since.status_code == 422 and bad_since.json()["error"]["param"] == "query.since"
    assert empty.status_code == 422 and empty.json()["error"]["param"] == "articles"
    assert too_many.status_code == 413
    assert twice.status_code == 422 and twice.json()["error"]["param"] == "articles[1].id"
    assert unknown_stream.status_code == 200 and unknown_stream.json() == {"stories": [], "cursor": 0}


def test_two_stores_on_one_file_take_turns_as_two_workers_would(tmp_path: Path) -> None:
    """Each store first replays what the other added, so the stories are those of one store."""
    path = tmp_path / "streams.sqlite3"
    one, two = StoryStore(Settings(), path), StoryStore(Settings(), path)
    rows = [Article.model_validate(row) for row in articles()]
    placed = one.add("news", rows[:3]) + two.add("news", rows[3:6]) + one.add("news", rows[6:])
    alone = StoryStore(Settings(), tmp_path / "alone.sqlite3").add("news", rows)
    assert placed == alone
    groups: dict[str, list[str]] = {}
    for p in placed:
        groups.setdefault(p.story_id, []).append(p.id)
    assert sorted(groups.values()) == sorted(EVENTS)
