"""Streams that keep their stories: articles come in over time, each joins a story or opens one, and
the stories' briefs are made when asked for (cached until the story changes). The state lives in
SQLite, so it survives a restart and several worker processes can share one file.

Schema (version 1; `PRAGMA user_version` holds the version, `_MIGRATIONS[v]` takes a store from
version v to v + 1, run in one transaction when the store is first opened):

    articles(seq INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT, id TEXT, story INTEGER, article TEXT)
        one row per article in arrival order; `article` is the Article as JSON; UNIQUE(stream, id)
    stories(stream TEXT, story INTEGER, revision INTEGER, brief TEXT, brief_revision INTEGER)
        PRIMARY KEY(stream, story); `revision` is the seq of its latest article, `brief` the cached
        StoryRecord (JSON) made at `brief_revision`

The clustering state (service/stories.py) is not stored: a process rebuilds a stream's clusterer by
replaying its articles in `seq` order (the clusterer is deterministic), and catches up the same way,
inside the write transaction, with articles another process added. A replay that assigns a stored
article to another story than the stored one (the stream was grouped under other settings) is an error,
never a silent regrouping. Several hosts would share the state through the same two tables on a server
database (PostgreSQL: `BEGIN IMMEDIATE` becomes a lock on the stream's row); that is not built.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from service.errors import NewsbriefError
from service.records import Article
from service.settings import Settings
from service.stories import StoryClusterer, stream_order
from service.story_briefs import StoryRecord, brief_story, story_id
from service.summarizer import Summarizer

_MIGRATIONS = (
    """
    CREATE TABLE articles (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        stream TEXT NOT NULL,
        id TEXT NOT NULL,
        story INTEGER NOT NULL,
        article TEXT NOT NULL,
        UNIQUE (stream, id)
    );
    CREATE TABLE stories (
        stream TEXT NOT NULL,
        story INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        brief TEXT,
        brief_revision INTEGER,
        PRIMARY KEY (stream, story)
    );
    CREATE INDEX stories_by_revision ON stories (stream, revision);
    """,
)


class StoreError(NewsbriefError):
    """The stream store cannot be used (unreadable file, a newer schema, other settings): a server fault."""

    kind = "store_error"


@dataclass(frozen=True, slots=True)
class Placed:
    """Where an article went: its story, its similarity to it (1.0 when it opened it), or `duplicate`
    when the stream already had an article with its id (it keeps its story and is not added again)."""

    id: str
    story_id: str
    similarity: float | None
    duplicate: bool


class _Stream:
    """A stream's clusterer and the last article seq it has seen."""

    def __init__(self, settings: Settings) -> None:
        self.clusterer = StoryClusterer(settings)
        self.seen = 0
        self.lock = threading.Lock()


class StoryStore:
    """Stories of named streams in one SQLite file (`NEWSBRIEF_STREAMS_PATH`), opened on first use."""

    def __init__(self, settings: Settings, path: Path) -> None:
        self.settings = settings
        self.path = path
        self._open: OrderedDict[str, _Stream] = OrderedDict()  # at most NEWSBRIEF_STREAMS_OPEN clusterers
        self._lock = threading.Lock()
        self._migrated = False

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"the stream store {self.path} cannot be opened: {exc}") from None
        try:
            if not self._migrated:
                self._migrate(db)
            yield db
        except sqlite3.Error as exc:
            raise StoreError(f"the stream store {self.path} failed: {exc}") from None
        finally:
            db.close()

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("PRAGMA journal_mode = WAL")  # readers do not wait for a writer, nor it for them
        db.execute("BEGIN IMMEDIATE")
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > len(_MIGRATIONS):
                raise StoreError(f"the stream store {self.path} has schema version {version}; this build knows 1")
            for number in range(version, len(_MIGRATIONS)):
                for statement in _MIGRATIONS[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._migrated = True

    def _stream(self, name: str) -> _Stream:
        with self._lock:
            stream = self._open.pop(name, None) or _Stream(self.settings)
            self._open[name] = stream  # most recently used last
            while len(self._open) > self.settings.streams_open:
                self._open.popitem(last=False)  # rebuilt by replay when it is used again
            return stream

    def _forget(self, name: str, stream: _Stream) -> None:
        with self._lock:
            if self._open.get(name) is stream:
                del self._open[name]

    def _catch_up(self, db: sqlite3.Connection, name: str, stream: _Stream) -> None:
        """Replay the stream's articles this process has not seen (all of them after a restart)."""
        rows = db.execute(
            "SELECT seq, story, article FROM articles WHERE stream = ? AND seq > ? ORDER BY seq", (name, stream.seen)
        )
        with closing(rows):  # an open statement would keep its read lock while an error is being reported
            for seq, story, data in rows:
                number, _ = stream.clusterer.add(Article.model_validate_json(data))
                if number != story:
                    raise StoreError(
                        f"stream {name!r} was grouped under other settings (NEWSBRIEF_STORIES_*): "
                        f"article seq {seq} replays into another story; use a new stream or the old settings"
                    )
                stream.seen = seq

    def add(self, name: str, articles: Sequence[Article]) -> list[Placed]:
        """Place `articles` (in the order given) in stream `name`'s stories; one transaction."""
        stream = self._stream(name)
        with stream.lock, self._connection() as db:
            db.execute("BEGIN IMMEDIATE")  # one writer at a time, across processes too
            try:
                self._catch_up(db, name, stream)
                placed = [self._place(db, name, stream, article) for article in articles]
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                self._forget(name, stream)  # its clusterer holds articles that were not stored
                raise
        return placed

    def _place(self, db: sqlite3.Connection, name: str, stream: _Stream, article: Article) -> Placed:
        known = db.execute("SELECT story FROM articles WHERE stream = ? AND id = ?", (name, article.id)).fetchone()
        if known is not None:
            return Placed(article.id, story_id(int(known[0])), None, True)
        number, similarity = stream.clusterer.add(article)
        seq = db.execute(
            "INSERT INTO articles (stream, id, story, article) VALUES (?, ?, ?, ?)",
            (name, article.id, number, article.model_dump_json()),
        ).lastrowid
        db.execute(
            "INSERT INTO stories (stream, story, revision) VALUES (?, ?, ?) "
            "ON CONFLICT (stream, story) DO UPDATE SET revision = excluded.revision",
            (name, number, seq),
        )
        stream.seen = int(seq or 0)
        return Placed(article.id, story_id(number), round(similarity, 4), False)

    def stories(
        self, name: str, since: int, limit: int, summarizer: Summarizer, deadline: float | None = None
    ) -> tuple[list[StoryRecord], int]:
        """Up to `limit` stories of stream `name` changed after revision `since`, least recently changed
        first, each with its brief (made now if the story changed since its last one); and the cursor to
        pass as `since` next (the latest revision returned, or `since` when none was)."""
        with self._connection() as db:
            changed = db.execute(
                "SELECT story, revision, brief, brief_revision FROM stories "
                "WHERE stream = ? AND revision > ? ORDER BY revision LIMIT ?",
                (name, since, limit),
            ).fetchall()
        found: list[StoryRecord] = []
        for story, revision, cached, made_at in changed:
            if cached is not None and made_at == revision:
                found.append(StoryRecord.model_validate_json(cached))
                continue
            record = self._brief(name, story, revision, summarizer, deadline)
            found.append(record)
        return found, (changed[-1][1] if changed else since)

    def _brief(
        self, name: str, story: int, revision: int, summarizer: Summarizer, deadline: float | None
    ) -> StoryRecord:
        """The story's brief as of `revision` (its articles up to it), cached unless the story moved on."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT article FROM articles WHERE stream = ? AND story = ? AND seq <= ? ORDER BY seq",
                (name, story, revision),
            ).fetchall()
        articles = [Article.model_validate_json(data) for (data,) in rows]
        record = brief_story(story, [articles[i] for i in stream_order(articles)], summarizer, deadline=deadline)
        with self._connection() as db:
            db.execute(
                "UPDATE stories SET brief = ?, brief_revision = ? WHERE stream = ? AND story = ? AND revision = ?",
                (record.model_dump_json(), revision, name, story, revision),
            )
        return record
