"""Streams that keep their stories: articles placed over several requests, state surviving a restart (a
new app on the same database), stories listed since a cursor with briefs cached until they change. Each
test runs on both stores: a SQLite file, and a real PostgreSQL server started for the session
(tests/postgres.py), so the two are shown to behave the same."""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service import Settings
from service.api import create_app
from service.records import Article
from service.story_store import Placed, StoryStore
from service.summarizer import Summarizer
from tests.postgres import Server, postgres_server

STREAM = Path(__file__).parent / "data" / "stories.jsonl"
PASSWORD = "not-for-clients"  # in a store's URL: never in an answer
EVENTS = [
    ["quake-ap", "quake-reuters", "quake-guardian"],
    ["rates-reuters", "rates-bbc"],
    ["final-bbc", "final-afp"],
    ["mars-nasa", "mars-ap"],
]


def articles() -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in STREAM.read_text(encoding="utf-8").splitlines()]
    return sorted(rows, key=lambda row: row["published_at"])  # the order a stream would bring them


class Store(ABC):
    """Where a test's streams live: `settings()` name it, `fresh()` names another, empty one."""

    @abstractmethod
    def settings(self, **overrides: Any) -> Settings: ...

    @abstractmethod
    def fresh(self) -> Settings: ...

    @abstractmethod
    def set_version(self, version: int) -> None:
        """Mark the (empty) store as made by a build with that schema version."""

    @abstractmethod
    def unusable(self) -> Settings:
        """A store that cannot be opened."""


class SqliteStore(Store):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def settings(self, **overrides: Any) -> Settings:
        return Settings(streams_path=self.folder / "streams.sqlite3", **overrides)

    def fresh(self) -> Settings:
        return Settings(streams_path=self.folder / "fresh.sqlite3")

    def set_version(self, version: int) -> None:
        with sqlite3.connect(self.folder / "streams.sqlite3") as db:
            db.execute(f"PRAGMA user_version = {version}")

    def unusable(self) -> Settings:
        return Settings(streams_path=self.folder / "no" / "such" / "dir.sqlite3")


class PostgresStore(Store):
    def __init__(self, server: Server) -> None:
        self.server = server
        self.url = server.database()

    def settings(self, **overrides: Any) -> Settings:
        return Settings(streams_url=self.url, **overrides)

    def fresh(self) -> Settings:
        return Settings(streams_url=self.server.database())

    def set_version(self, version: int) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute("CREATE TABLE newsbrief_schema (version INTEGER NOT NULL)")
            db.execute("INSERT INTO newsbrief_schema (version) VALUES (%s)", (version,))

    def unusable(self) -> Settings:
        """A database that does not exist, named with a password (trust authentication ignores it)."""
        return Settings(streams_url=self.server.url("no_such_database").replace("postgres@", f"postgres:{PASSWORD}@"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    yield from postgres_server()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return SqliteStore(tmp_path)
    return PostgresStore(request.getfixturevalue("postgres"))


class CountingSummarizer(Summarizer):
    """Counts the briefs made, to see which come from the cache."""

    calls = 0

    def summarize(self, articles: Sequence[Article], *args: Any, **kwargs: Any) -> Any:
        CountingSummarizer.calls += 1
        return super().summarize(articles, *args, **kwargs)


def test_stories_survive_a_restart_and_briefs_are_made_once_per_change(store: Store) -> None:
    settings = store.settings()
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


def test_streams_are_separate_and_other_settings_are_refused(store: Store) -> None:
    rows = articles()
    with TestClient(create_app(store.settings())) as client:
        client.post("/v1/streams/a/articles", json={"articles": rows})
        other = client.post("/v1/streams/b/articles", json={"articles": rows[:1]})
    assert other.json()["articles"][0]["duplicate"] is False  # the same id in another stream is new there
    with TestClient(create_app(store.settings(stories_threshold=0.99))) as client:
        regrouped = client.post("/v1/streams/a/articles", json={"articles": [{"id": "x", "text": "Rain."}]})
        fresh = client.post("/v1/streams/c/articles", json={"articles": rows[:2]})
    assert regrouped.status_code == 503 and "other settings" in regrouped.json()["error"]["message"]
    assert fresh.status_code == 200


def test_a_newer_schema_or_an_unusable_store_is_a_clear_503(store: Store) -> None:
    store.set_version(9)
    with TestClient(create_app(store.settings())) as client:
        refused = client.get("/v1/streams/news/stories")
    with TestClient(create_app(store.unusable())) as client:
        unopened = client.post("/v1/streams/news/articles", json={"articles": articles()[:1]})
    assert refused.status_code == 503 and "schema version 9" in refused.json()["error"]["message"]
    assert unopened.status_code == 503 and unopened.json()["error"]["type"] == "store_unavailable"
    assert PASSWORD not in unopened.text


def test_a_store_url_must_be_postgresql_and_needs_its_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="postgresql://"):
        Settings(streams_url="mysql://db/streams")
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the postgres extra were not installed
    with TestClient(create_app(Settings(streams_url="postgresql://db/streams"))) as client:
        answer = client.get("/v1/streams/news/stories")
    assert answer.status_code == 503 and "newsbrief[postgres]" in answer.json()["error"]["message"]


def test_client_mistakes_are_envelope_errors(store: Store) -> None:
    settings = store.settings(stories_max_articles=2, api_key="secret")
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


def test_a_naive_and_an_aware_time_of_one_instant_list_and_survive_a_restart(store: Store) -> None:
    text = "Rescuers reached the flooded village on Monday. Officials said ten people were missing."
    rows = [
        {"id": "aware", "text": text, "published_at": "2024-03-04T10:00:00Z"},
        {"id": "naive", "text": text, "published_at": "2024-03-04T10:00:00"},
    ]
    settings = store.settings()
    with TestClient(create_app(settings)) as client:
        posted = client.post("/v1/streams/tz/articles", json={"articles": rows})
        listed = client.get("/v1/streams/tz/stories")
    with TestClient(create_app(settings)) as client:  # a restart replays the stored articles
        again = client.get("/v1/streams/tz/stories")
    assert posted.status_code == 200 and listed.status_code == 200 and again.status_code == 200, listed.text
    (story,) = again.json()["stories"]
    assert story["article_ids"] == ["aware", "naive"]
    assert story["first_seen"] == story["last_seen"] == "2024-03-04T10:00:00Z"


def test_two_stores_on_one_database_take_turns_as_two_workers_would(store: Store) -> None:
    """Each store first replays what the other added, so the stories are those of one store."""
    one, two = StoryStore(store.settings()), StoryStore(store.settings())
    rows = [Article.model_validate(row) for row in articles()]
    placed = one.add("news", rows[:3]) + two.add("news", rows[3:6]) + one.add("news", rows[6:])
    alone = StoryStore(store.fresh()).add("news", rows)
    assert placed == alone
    groups: dict[str, list[str]] = {}
    for p in placed:
        groups.setdefault(p.story_id, []).append(p.id)
    assert sorted(groups.values()) == sorted(EVENTS)


# each replica's share of a stream in the race below: copies of the test stream under new ids, overlapping
# so that both post some of the same ids (each copy joins its event's story: the same text)
COPIES = range(6)
ONE_TAKES, TWO_TAKES = COPIES[:4], COPIES[2:]
RACE_TIMEOUT_S = 300  # a hang guard; the race takes seconds


def test_two_replicas_writing_one_stream_at_once_lose_and_duplicate_nothing(store: Store) -> None:
    """Two stores (as two replicas would) post articles to one stream at the same time, one per request,
    in opposite orders (so both open stories at once), some ids by both: every article is stored once,
    in one story, and the stored stories are those of one store taking the articles in their stored
    order (a new store replays them all without a mismatch)."""
    rows = [Article.model_validate(row) for row in articles()]
    copies = {k: [a.model_copy(update={"id": f"{a.id}-{k}"}) for a in rows] for k in COPIES}
    start = threading.Barrier(2)
    placed: dict[str, list[Placed]] = {"one": [], "two": []}

    def replica(name: str, takes: Sequence[Article]) -> None:
        replica_store = StoryStore(store.settings())
        start.wait(timeout=RACE_TIMEOUT_S)
        for article in takes:
            placed[name] += replica_store.add("news", [article])

    one = [a for k in ONE_TAKES for a in copies[k]]
    two = [a for k in TWO_TAKES for a in reversed(copies[k])]
    threads = [threading.Thread(target=replica, args=args) for args in (("one", one), ("two", two))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RACE_TIMEOUT_S)
    assert not any(thread.is_alive() for thread in threads)

    every = {a.id for k in COPIES for a in copies[k]}
    added = [p for p in placed["one"] + placed["two"] if not p.duplicate]
    assert sorted(p.id for p in added) == sorted(every)  # none lost, none added twice
    story_of = {p.id: p.story_id for p in added}
    assert all(story_of[p.id] == p.story_id for p in placed["one"] + placed["two"] if p.duplicate)
    assert len(placed["one"]) == len(one) and len(placed["two"]) == len(two)  # no request failed

    late = StoryStore(store.settings()).add("news", [rows[0].model_copy(update={"id": "late"})])  # replays all
    groups: dict[str, set[str]] = {}
    for p in added:
        groups.setdefault(p.story_id, set()).add(p.id.rsplit("-", 1)[0])
    assert sorted(sorted(ids) for ids in groups.values()) == sorted(sorted(event) for event in EVENTS)
    assert late[0].story_id == story_of[f"{rows[0].id}-0"]


def test_a_new_sqlite_store_held_by_another_connection_is_waited_for(tmp_path: Path) -> None:
    """Switching a new file to WAL fails at once while another connection holds it (SQLite ignores
    its busy timeout there): two workers opening a new store at one moment once lost a request."""
    path = tmp_path / "streams.sqlite3"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE held (x)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO held VALUES (1)")
    threading.Timer(0.5, lambda: other.execute("COMMIT")).start()
    placed = StoryStore(Settings(streams_path=path)).add("news", [Article.model_validate(articles()[0])])
    other.close()
    assert len(placed) == 1 and not placed[0].duplicate
