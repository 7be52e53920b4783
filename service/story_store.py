"""Streams that keep their stories: articles come in over time, each joins a story or opens one, and
the stories' briefs are made when asked for (cached until the story changes). The state lives in a SQL
database: a SQLite file by default (`NEWSBRIEF_STREAMS_PATH`; the worker processes of one server share
it), or PostgreSQL (`NEWSBRIEF_STREAMS_URL=postgresql://…`; the replicas of a deployment share it).
Both run the same statements and the same migrations; `Database` holds what differs.

Schema (version 1; `_MIGRATIONS[v]` takes a store from version v to v + 1, run in one transaction, under
the database's lock, when the store is first opened; SQLite keeps the version in `PRAGMA user_version`,
PostgreSQL in the one-row table `newsbrief_schema`):

    articles(seq, stream TEXT, id TEXT, story INTEGER, article TEXT)
        one row per article in arrival order (`seq` grows: SQLite AUTOINCREMENT, PostgreSQL an identity
        column); `article` is the Article as JSON; UNIQUE(stream, id)
    stories(stream TEXT, story INTEGER, revision BIGINT, brief TEXT, brief_revision BIGINT)
        PRIMARY KEY(stream, story); `revision` is the seq of its latest article, `brief` the cached
        StoryRecord (JSON) made at `brief_revision`

The clustering state (service/stories.py) is not stored: a process rebuilds a stream's clusterer by
replaying its articles in `seq` order (the clusterer is deterministic), and catches up the same way,
inside the write transaction, with articles another process added. A replay that assigns a stored
article to another story than the stored one (the stream was grouped under other settings) is an error,
never a silent regrouping. Writes to one stream take turns: SQLite's `BEGIN IMMEDIATE` (one writer per
file), PostgreSQL's transaction-scoped advisory lock on the stream's name (other streams write at the
same time). Under that lock a stream's `seq`s grow in commit order, which the replay and the `since`
cursor rely on.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from service.errors import NewsbriefError
from service.records import Article
from service.settings import Settings
from service.stories import StoryClusterer, stream_order
from service.story_briefs import StoryRecord, brief_story, story_id
from service.summarizer import Summarizer

if TYPE_CHECKING:
    import psycopg

# `{serial}`: the column type of `articles.seq`, the one the dialects spell differently (Database.serial)
_MIGRATIONS = (
    """
    CREATE TABLE articles (
        seq {serial},
        stream TEXT NOT NULL,
        id TEXT NOT NULL,
        story INTEGER NOT NULL,
        article TEXT NOT NULL,
        UNIQUE (stream, id)
    );
    CREATE TABLE stories (
        stream TEXT NOT NULL,
        story INTEGER NOT NULL,
        revision BIGINT NOT NULL,
        brief TEXT,
        brief_revision BIGINT,
        PRIMARY KEY (stream, story)
    );
    CREATE INDEX stories_by_revision ON stories (stream, revision);
    """,
)
# a writer waits this long for another's transaction on the same stream before the request fails (503);
# the request deadline (NEWSBRIEF_REQUEST_TIMEOUT_S, 30 s by default) bounds the wait anyway
_LOCK_WAIT_S = 30.0
# SQLite: pause between tries to switch a new file to WAL while another connection holds it
_RETRY_S = 0.05
# PostgreSQL: a server that does not answer within this is unavailable (503), not a hung request
_CONNECT_TIMEOUT_S = 10
# PostgreSQL advisory locks are (int, int) pairs shared by every client of the database: the first
# number says "newsbrief", the second which lock (0: migrations; a stream: hashtext of its name, where a
# collision only makes two streams take turns). The values are arbitrary, only distinct.
_ADVISORY_SPACE = 0x6E62  # "nb"
_MIGRATION_LOCK = 0


class StoreError(NewsbriefError):
    """The stream store cannot be used (unreachable, a newer schema, other settings): a server fault."""

    kind = "store_error"


class Cursor(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...
    def close(self) -> None: ...


class Connection(Protocol):
    """A DB-API connection in autocommit mode taking `?` placeholders (transactions are explicit)."""

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor: ...
    def close(self) -> None: ...


class Database(ABC):
    """What differs between the databases the store runs on: connecting, the errors, the schema version,
    the locks. The statements and the migrations are the store's, the same for all."""

    serial: str  # the type of `articles.seq`: an integer key that grows

    @property
    @abstractmethod
    def errors(self) -> tuple[type[Exception], ...]:
        """What the driver raises (the store reports it as a StoreError)."""

    @abstractmethod
    def connect(self) -> Connection:
        """A new connection; a StoreError when there is none to be had."""

    @abstractmethod
    def begin_migration(self, db: Connection) -> int:
        """Begin the migration transaction, holding the lock that lets one process migrate; the version."""

    @abstractmethod
    def set_version(self, db: Connection, version: int) -> None: ...

    @abstractmethod
    def begin_write(self, db: Connection, stream: str) -> None:
        """Begin a transaction that no other writer of `stream`, in any process, runs beside."""


class SqliteDatabase(Database):
    """One SQLite file (WAL: readers do not wait for a writer, nor it for them); one writer at a time."""

    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: Path) -> None:
        self.path = path

    def __str__(self) -> str:
        return str(self.path)

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.Error,)

    def connect(self) -> Connection:
        try:
            return sqlite3.connect(self.path, timeout=_LOCK_WAIT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"the stream store {self} cannot be opened: {exc}") from None

    def begin_migration(self, db: Connection) -> int:
        # switching a new file to WAL needs it alone, and SQLite answers "database is locked" at once
        # instead of waiting its busy timeout: two workers opening a new store at the same moment retry
        deadline = time.monotonic() + _LOCK_WAIT_S
        while True:
            try:
                db.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(_RETRY_S)
        db.execute("BEGIN IMMEDIATE")
        return int(db.execute("PRAGMA user_version").fetchone()[0])

    def set_version(self, db: Connection, version: int) -> None:
        db.execute(f"PRAGMA user_version = {int(version)}")

    def begin_write(self, db: Connection, stream: str) -> None:  # noqa: ARG002 (one writer per file, any stream)
        db.execute("BEGIN IMMEDIATE")


class _Postgres:
    """A psycopg connection taking the store's `?` placeholders (psycopg's are `%s`; the store's statements
    hold no other `?` or `%`)."""

    def __init__(self, db: psycopg.Connection[Any]) -> None:
        self._db = db

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor:
        return self._db.execute(sql.replace("?", "%s"), params)

    def close(self) -> None:
        self._db.close()


class PostgresDatabase(Database):
    """A PostgreSQL database that several hosts share; psycopg 3 (the `postgres` extra), imported here."""

    serial = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"

    def __init__(self, url: str) -> None:
        self.url = url

    def __str__(self) -> str:
        """The URL without user, password or parameters: it is shown in errors."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        import psycopg  # connect() imported it already

        return (psycopg.Error,)

    def connect(self) -> Connection:
        try:
            import psycopg
        except ImportError:
            raise StoreError(
                "NEWSBRIEF_STREAMS_URL names a PostgreSQL database, but its driver is not installed "
                "(pip install 'newsbrief[postgres]')"
            ) from None
        try:
            db = psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=_CONNECT_TIMEOUT_S,
                options=f"-c lock_timeout={int(_LOCK_WAIT_S * 1000)}",
            )
        except psycopg.Error as exc:
            raise StoreError(f"the stream store {self} cannot be opened: {exc}") from None
        return _Postgres(db)

    def begin_migration(self, db: Connection) -> int:
        db.execute("BEGIN")
        db.execute("SELECT pg_advisory_xact_lock(?, ?)", (_ADVISORY_SPACE, _MIGRATION_LOCK))
        db.execute("CREATE TABLE IF NOT EXISTS newsbrief_schema (version INTEGER NOT NULL)")
        return int(db.execute("SELECT coalesce(max(version), 0) FROM newsbrief_schema").fetchone()[0])

    def set_version(self, db: Connection, version: int) -> None:
        db.execute("DELETE FROM newsbrief_schema")
        db.execute("INSERT INTO newsbrief_schema (version) VALUES (?)", (version,))

    def begin_write(self, db: Connection, stream: str) -> None:
        db.execute("BEGIN")
        db.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (_ADVISORY_SPACE, stream))


def open_database(settings: Settings) -> Database:
    """PostgreSQL when `NEWSBRIEF_STREAMS_URL` is set, else the SQLite file `NEWSBRIEF_STREAMS_PATH`."""
    if settings.streams_url is not None:
        return PostgresDatabase(settings.streams_url.get_secret_value())
    return SqliteDatabase(settings.streams_path)


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
    """Stories of named streams in the database the settings name (`open_database`), opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = open_database(settings)
        self._open: OrderedDict[str, _Stream] = OrderedDict()  # at most NEWSBRIEF_STREAMS_OPEN clusterers
        self._lock = threading.Lock()
        self._migrated = False

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        db = self.database.connect()
        try:
            if not self._migrated:
                self._migrate(db)
            yield db
        except self.database.errors as exc:
            raise StoreError(f"the stream store {self.database} failed: {exc}") from None
        finally:
            db.close()

    def _migrate(self, db: Connection) -> None:
        version = self.database.begin_migration(db)
        try:
            if version > len(_MIGRATIONS):
                known = len(_MIGRATIONS)
                raise StoreError(f"the stream store {self.database} has schema version {version}; this build: {known}")
            for number in range(version, len(_MIGRATIONS)):
                for statement in _MIGRATIONS[number].format(serial=self.database.serial).split(";"):
                    if statement.strip():
                        db.execute(statement)
                self.database.set_version(db, number + 1)
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

    def _catch_up(self, db: Connection, name: str, stream: _Stream) -> None:
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
            self.database.begin_write(db, name)  # one writer of the stream at a time, across processes too
            try:
                self._catch_up(db, name, stream)
                placed = [self._place(db, name, stream, article) for article in articles]
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                self._forget(name, stream)  # its clusterer holds articles that were not stored
                raise
        return placed

    def _place(self, db: Connection, name: str, stream: _Stream, article: Article) -> Placed:
        known = db.execute("SELECT story FROM articles WHERE stream = ? AND id = ?", (name, article.id)).fetchone()
        if known is not None:
            return Placed(article.id, story_id(int(known[0])), None, True)
        number, similarity = stream.clusterer.add(article)
        seq = int(
            db.execute(
                "INSERT INTO articles (stream, id, story, article) VALUES (?, ?, ?, ?) RETURNING seq",
                (name, article.id, number, article.model_dump_json()),
            ).fetchone()[0]
        )
        db.execute(
            "INSERT INTO stories (stream, story, revision) VALUES (?, ?, ?) "
            "ON CONFLICT (stream, story) DO UPDATE SET revision = excluded.revision",
            (name, number, seq),
        )
        stream.seen = seq
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
