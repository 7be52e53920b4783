"""A throwaway PostgreSQL server for the stream store's tests: initdb into a temporary folder, `pg_ctl start`
on 127.0.0.1 and a free port (trust authentication, nothing else listens), a fresh database per test, stopped
at the end. As root the server runs as the `postgres` user (or `nobody`): PostgreSQL refuses to run as root.
Without the server binaries or the driver the tests skip, unless NEWSBRIEF_REQUIRE_POSTGRES=1 (CI sets it)."""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRED = os.environ.get("NEWSBRIEF_REQUIRE_POSTGRES") == "1"
# hang guards: initdb and a start or stop take a few seconds on an idle machine, far more on a loaded one
INITDB_TIMEOUT_S = 180
START_STOP_TIMEOUT_S = 120


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"NEWSBRIEF_REQUIRE_POSTGRES=1, but {reason}")
    pytest.skip(reason)


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<newest>/bin."""
    found = shutil.which("initdb")
    if found is not None:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


def server_user() -> str | None:
    """Who runs the server: this user, or as root a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    unavailable("running as root with neither a `postgres` nor a `nobody` user to run PostgreSQL as")
    return None


class Server:
    """A PostgreSQL server in its own folder; `database()` makes an empty database and gives its URL."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.user = server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="newsbrief-pg-"))
        self.data = self.folder / "data"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._names = (f"test_{n}" for n in itertools.count(1))
        if self.user is not None:
            shutil.chown(self.folder, self.user)

    def _run(self, *args: str, timeout: float) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}{tail}")

    def start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8",
            timeout=INITDB_TIMEOUT_S,
        )  # fmt: skip
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options,
            "-w", "-t", str(START_STOP_TIMEOUT_S), "start",
            timeout=START_STOP_TIMEOUT_S + 10,
        )  # fmt: skip

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(
                    "pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", str(START_STOP_TIMEOUT_S), "stop",
                    timeout=START_STOP_TIMEOUT_S + 10,
                )  # fmt: skip
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """The URL of a new, empty database."""
        import psycopg

        name = next(self._names)
        with psycopg.connect(self.url("postgres"), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def postgres_server() -> Iterator[Server]:
    """The body of the session fixture: a started server, stopped afterwards; a skip (or a failure when
    required) without the binaries or the driver."""
    bin_dir = server_binaries()
    if bin_dir is None:
        unavailable("PostgreSQL's initdb is not installed (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("the PostgreSQL driver is not installed (pip install 'newsbrief[postgres]')")
    assert bin_dir is not None
    server = Server(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
