"""`newsbrief batch --engine ray --ray-address` against real clusters started with `ray start`, with
token authentication on (as `ray start --head` turns it on once a token exists): the output equals
the local engine's byte for byte with the head alone and with a worker node joined; stdin, signals,
--resume, a killed actor and a killed driver lose nothing; an address nobody answers, a refused
token, another Python and too few CPUs are one-line errors in bounded time.

Everything listens on 127.0.0.2, a loopback address: Ray swaps 127.0.0.1 for the machine's outward
address, but leaves other addresses alone. Each `ray start` and each run has a session of its own;
stopping a node kills what is left of its session by PID, and every run and node is checked to have
left nothing behind.
"""

from __future__ import annotations

import codecs
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from service import Settings
from service.batch import run_batch
from tests.helpers import assert_clean_failure, one_set, read_records, synthetic_sets, wait_until

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.ray, pytest.mark.slow]

HOST = "127.0.0.2"
RAY_MAIN = "import sys; from ray.scripts.scripts import main; sys.argv[0] = 'ray'; sys.exit(main())"
LIMIT = "32768"  # NEWSBRIEF_MAX_LINE_BYTES of every run here: one line of the input is longer
BUDGET = ["--max-words", "60"]
RUN_TIMEOUT = 300  # a hang guard for one CLI run on a busy 2-core machine, not a timing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("", 0))
        port: int = sock.getsockname()[1]
        return port


def session(sid: int) -> list[int]:
    """The live processes of session `sid` (a zombie is not live)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == sid:
            members.append(int(stat.parent.name))
    return members


def titled(prefix: str, sessions: list[int]) -> list[int]:
    """The processes of those sessions whose command line (a Ray worker's title) starts with `prefix`."""
    found = []
    for sid in sessions:
        for pid in session(sid):
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(prefix.encode()):
                    found.append(pid)
            except OSError:
                continue
    return found


def kill_session(sid: int) -> None:
    for pid in session(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue


def clean_env(home: Path, **settings: str) -> dict[str, str]:
    """This environment without Ray's and newsbrief's settings, with `home` as HOME, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "NEWSBRIEF_"))}
    return {**env, "HOME": str(home), **settings}


class RayNode:
    """One `ray start --block` (with `python`), in a session of its own."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, python: str = sys.executable) -> None:
        self.log = log
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                [python, "-c", RAY_MAIN, "start", "--block", *args],
                env=env,
                cwd=log.parent,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started = wait_until(lambda: b"Ray runtime started" in log.read_bytes() or self.process.poll() is not None, 180)
        if not started or self.process.poll() is not None:
            self.stop()
            pytest.fail("ray start failed:\n" + log.read_text(errors="replace")[-3000:])

    @property
    def sid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """SIGTERM (`ray start --block` then stops what it started), then SIGKILL to what is left."""
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        kill_session(self.sid)
        assert wait_until(lambda: not session(self.sid), 30), f"processes outlived ray start: {session(self.sid)}"


def node_args(cpus: int) -> list[str]:
    """What a node on this machine needs besides defaults that would clash with other Ray instances."""
    ports = ("--dashboard-agent-listen-port", "--dashboard-agent-grpc-port", "--runtime-env-agent-port")
    return [
        "--node-ip-address",
        HOST,
        "--num-cpus",
        str(cpus),
        "--object-store-memory",
        str(100 * 10**6),
        "--min-worker-port",
        "0",
        "--max-worker-port",
        "0",
        "--metrics-export-port",
        str(free_port()),
        "--disable-usage-stats",
        *(arg for flag in ports for arg in (flag, str(free_port()))),
    ]


class Cluster:
    """A head on 127.0.0.2 with token authentication on (the token is in `home`), under `python`."""

    def __init__(self, home: Path, cpus: int, python: str = sys.executable) -> None:
        self.home, self.port = home, free_port()
        self.address = f"{HOST}:{self.port}"
        self.temp = Path(tempfile.mkdtemp(prefix="nbray", dir="/tmp"))  # short: Ray's socket paths must fit
        # RAY_raylet_start_wait_time_s: how long a starting node waits for the GCS to list it (Ray's
        # default, 30 s, ran out on the loaded 2-core dev machine: "The current node timed out during startup")
        self.env = clean_env(home, RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S="0", RAY_raylet_start_wait_time_s="180")
        if python != sys.executable:  # Ray and newsbrief from this environment, under another interpreter
            self.env["PYTHONPATH"] = str(Path(ray.__file__).parent.parent)
        head = [
            *("--head", "--port", str(self.port), "--temp-dir", str(self.temp), "--include-dashboard", "false"),
            *("--dashboard-port", str(free_port()), "--ray-client-server-port", str(free_port())),
            *node_args(cpus),
        ]
        try:
            self.nodes = [RayNode(head, self.env, home.parent / f"head-{self.port}.log", python)]
        except BaseException:
            shutil.rmtree(self.temp, ignore_errors=True)
            raise

    def join(self, cpus: int) -> RayNode:
        env = {**self.env, "RAY_AUTH_MODE": "token"}  # a node joining by address turns token auth on only so
        node = RayNode(["--address", self.address, *node_args(cpus)], env, self.home.parent / "worker.log")
        self.nodes.append(node)
        return node

    def client(self, **settings: str) -> dict[str, str]:
        """A client's environment: token mode on (the token is in ~/.ray) and newsbrief's line limit."""
        return clean_env(self.home, RAY_AUTH_MODE="token", NEWSBRIEF_MAX_LINE_BYTES=LIMIT, **settings)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
        shutil.rmtree(self.temp, ignore_errors=True)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HOME with a token in ~/.ray/auth_token, made by Ray: `ray start --head` then turns token auth on."""
    home = tmp_path_factory.mktemp("ray") / "home"
    home.mkdir()
    subprocess.run(
        [sys.executable, "-c", RAY_MAIN, "get-auth-token", "--generate"],
        env=clean_env(home),
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert (home / ".ray" / "auth_token").is_file()
    return home


@pytest.fixture(scope="module")
def cluster(home: Path) -> Iterator[Cluster]:
    """A head with 1 CPU; the worker-node test joins a node with 2 more."""
    started = Cluster(home, cpus=1)
    try:
        yield started
    finally:
        started.stop()


def other_python() -> tuple[str, str] | None:
    """Another patch version of this Python (Debian's beside a pyenv one), and its version, if any."""
    name = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for folder in ("/usr/bin", "/usr/local/bin", "/bin", "/opt/python/bin"):
        candidate = Path(folder) / name
        if not candidate.is_file() or candidate.resolve() == Path(sys.executable).resolve():
            continue
        probe = [str(candidate), "-c", "import platform; print(platform.python_version())"]
        version = subprocess.run(probe, capture_output=True, text=True, timeout=60, check=False).stdout.strip()
        if version and version != platform.python_version():
            return str(candidate), version
    return None


@pytest.fixture(scope="module")
def other_cluster(home: Path) -> Iterator[tuple[Cluster, str]]:
    """A head started by another patch version of this Python (Ray refuses to mix them), and that version."""
    found = other_python()
    if found is None:
        pytest.skip("no other patch version of this Python here to start a mismatched head with")
    python, version = found
    started = Cluster(home, cpus=0, python=python)
    try:
        yield started, version
    finally:
        started.stop()


def local_output(folder: Path, lines: list[bytes]) -> tuple[Path, bytes]:
    """The input written from `lines`, and the local engine's output of it."""
    source, out = folder / "sets.jsonl", folder / "local.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    run_batch(Settings(max_line_bytes=int(LIMIT)), str(source), out, workers=2, max_words=60)
    return source, out.read_bytes()


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """Good sets with hostile lines among them."""
    hostile = [
        b'{"id": "caf\xe9", "documents": ["x"]}',
        b"[" * 100_000,
        b" \t\r",
        one_set("long").ljust(int(LIMIT) + 10).encode(),
        one_set("dup").encode(),
        one_set("dup").encode(),
        one_set("sep").replace("sep", "sep\u2028arator").encode(),
        b'{"id": "torn", "documents": [{"te',
    ]
    good = [line.encode() for line in synthetic_sets(12, seed=5)]
    return local_output(tmp_path_factory.mktemp("sets"), [codecs.BOM_UTF8 + one_set("bom").encode(), *good, *hostile])


@pytest.fixture(scope="module")
def long_sets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """Enough sets that a run on one actor is still going when it is signalled or killed."""
    return local_output(tmp_path_factory.mktemp("long"), [line.encode() for line in synthetic_sets(160, seed=13)])


def start(env: dict[str, str], *args: str, stdin: int | IO[bytes] = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """`newsbrief batch ARGS` in a session of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "service", "batch", *args, "--no-progress"],
        env=env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def finish(run: subprocess.Popen[bytes]) -> subprocess.CompletedProcess[str]:
    """The end of a run, once nothing of its session is left (a probe of the cluster included)."""
    try:
        out, err = run.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        kill_session(run.pid)
        raise
    assert wait_until(lambda: not session(run.pid), 30), f"processes outlived the run: {session(run.pid)}"
    return subprocess.CompletedProcess(
        run.args, run.returncode, out.decode(errors="replace"), err.decode(errors="replace")
    )


def assert_only_stats(result: subprocess.CompletedProcess[str]) -> None:
    """Exit 1 (bad lines are there on purpose), and stderr has the stats and warnings only: Ray said nothing."""
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert lines, result.stderr
    assert lines[0].startswith("done: "), result.stderr
    assert all(line.startswith("warning: ") for line in lines[1:]), result.stderr


def records_at_least(out: Path, count: int) -> bool:
    return out.exists() and out.read_bytes().count(b"\n") >= count


# -- the output equals the local engine's


def test_a_run_on_the_head_equals_the_local_engine(cluster: Cluster, sets: tuple[Path, bytes], tmp_path: Path) -> None:
    source, local = sets
    out = tmp_path / "out.jsonl"
    result = finish(
        start(
            cluster.client(), str(source), "-o", str(out), "--engine", "ray", "--ray-address", cluster.address, *BUDGET
        )
    )
    assert_only_stats(result)
    assert out.read_bytes() == local


def test_a_joined_worker_node_takes_work_and_stdin_stays_with_the_driver(
    cluster: Cluster, sets: tuple[Path, bytes], tmp_path: Path
) -> None:
    """Three actors of one CPU each need the head's CPU and the joined node's two: work crosses nodes."""
    worker = cluster.join(cpus=2)
    source, local = sets
    out = tmp_path / "out.jsonl"
    with source.open("rb") as stdin:
        args = ["-", "-o", str(out), "--engine", "ray", "--ray-address", cluster.address, "--workers", "3", *BUDGET]
        run = start(cluster.client(), *args, stdin=stdin)
        actors_there: list[int] = []
        while run.poll() is None and not actors_there:  # an actor lives from the start to the end of the run
            actors_there = titled("ray::LineWorker", [worker.sid])
        result = finish(run)
    assert actors_there, "no actor ran on the joined node"
    assert_only_stats(result)
    assert out.read_bytes() == local


# -- signals and kills mid-run lose nothing, and leave nothing


def test_sigterm_mid_run_leaves_whole_records_and_resume_completes(
    cluster: Cluster, long_sets: tuple[Path, bytes], tmp_path: Path
) -> None:
    source, whole = long_sets
    out = tmp_path / "out.jsonl"
    env = cluster.client(RAY_ADDRESS=cluster.address)  # the address as Ray's own setting gives it
    args = [str(source), "-o", str(out), "--engine", "ray", *BUDGET]
    run = start(env, *args)
    assert wait_until(lambda: records_at_least(out, 8), RUN_TIMEOUT)
    run.send_signal(signal.SIGTERM)
    result = finish(run)
    assert result.returncode == 143, result.stderr
    assert result.stderr == f"error: interrupted by SIGTERM; {out} holds whole records only: --resume completes it\n"
    written = read_records(out)
    assert 8 <= len(written) < 160
    resumed = finish(start(env, *args, "--resume"))
    assert_only_stats(resumed)
    assert f"skipped: {len(written)}," in resumed.stderr
    assert out.read_bytes() == whole


def test_an_actor_killed_mid_run_costs_nothing(cluster: Cluster, long_sets: tuple[Path, bytes], tmp_path: Path) -> None:
    """Ray restarts the actor and its lost lines are run again, one at a time."""
    source, whole = long_sets
    out = tmp_path / "out.jsonl"
    run = start(
        cluster.client(), str(source), "-o", str(out), "--engine", "ray", "--ray-address", cluster.address, *BUDGET
    )
    assert wait_until(lambda: records_at_least(out, 8), RUN_TIMEOUT)
    actors = titled("ray::LineWorker", [node.sid for node in cluster.nodes])
    assert actors
    os.kill(actors[0], signal.SIGKILL)
    assert_only_stats(finish(run))
    assert out.read_bytes() == whole


def test_a_killed_driver_leaves_no_actor_and_whole_records(
    cluster: Cluster, long_sets: tuple[Path, bytes], tmp_path: Path
) -> None:
    """kill -9 of the driver: Ray ends its actors, and the output is an in-order prefix (a torn last
    line aside) that --resume completes as the SIGTERM test shows."""
    source, whole = long_sets
    out = tmp_path / "out.jsonl"
    args = [str(source), "-o", str(out), "--engine", "ray", "--ray-address", cluster.address, *BUDGET]
    run = start(cluster.client(), *args)
    assert wait_until(lambda: records_at_least(out, 8), RUN_TIMEOUT)
    assert titled("ray::LineWorker", [node.sid for node in cluster.nodes])
    run.kill()
    finish(run)
    assert wait_until(lambda: not titled("ray::LineWorker", [node.sid for node in cluster.nodes]), 60), (
        "actors outlived their driver"
    )
    written = out.read_bytes()
    assert whole.startswith(written[: written.rfind(b"\n") + 1])


# -- a cluster that cannot be used: one line, in bounded time, and the output is not touched


def refused(env: dict[str, str], address: str, tmp_path: Path, *more: str) -> str:
    """The one error line of a run against `address`; the output file was never opened."""
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(one_set("a") + "\n", encoding="utf-8")
    result = finish(start(env, str(source), "-o", str(out), "--engine", "ray", "--ray-address", address, *more))
    assert_clean_failure(result)
    assert not out.exists()
    return result.stderr


def test_an_address_where_nothing_listens(home: Path, tmp_path: Path) -> None:
    address = f"{HOST}:{free_port()}"
    said = refused(clean_env(home, RAY_AUTH_MODE="token"), address, tmp_path)
    assert said == f"error: no Ray cluster at {address}: Connection refused; is `ray start --head` running there?\n"


def test_an_address_that_never_answers_fails_at_the_deadline(home: Path, tmp_path: Path) -> None:
    """A listener that never answers (its backlog takes the connection): Ray alone would wait minutes."""
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen()
        address = f"{HOST}:{listener.getsockname()[1]}"
        env = clean_env(home, RAY_AUTH_MODE="token", NEWSBRIEF_RAY_CONNECT_TIMEOUT_S="5")
        said = refused(env, address, tmp_path)
    assert said.startswith(
        f"error: the Ray cluster at {address} did not take this client (waited 5 s, NEWSBRIEF_RAY_CONNECT_TIMEOUT_S)"
    )


@pytest.mark.parametrize(
    ("auth", "mode"),
    [({}, "unset"), ({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "0123456789abcdef" * 4}, "token")],
    ids=["no-token", "wrong-token"],
)
def test_a_refused_token_names_the_settings(cluster: Cluster, tmp_path: Path, auth: dict[str, str], mode: str) -> None:
    said = refused(clean_env(cluster.home, **auth), cluster.address, tmp_path)
    assert said.startswith(
        f"error: the Ray cluster at {cluster.address} refused this client's authentication: "
        f"set RAY_AUTH_MODE=token (here: {mode}) and give the cluster's token"
    )
    assert "~/.ray/auth_token" in said
    assert "RAY_AUTH_TOKEN_PATH" in said


def test_another_python_on_the_cluster(other_cluster: tuple[Cluster, str], tmp_path: Path) -> None:
    head, version = other_cluster
    said = refused(head.client(), head.address, tmp_path)
    assert said.startswith(
        f"error: the Ray cluster at {head.address} runs Ray {ray.__version__} on Python {version}, "
        f"this client Ray {ray.__version__} on Python {platform.python_version()}: Ray needs the same on both sides"
    )


def test_more_actors_than_the_cluster_has_cpus(cluster: Cluster, tmp_path: Path) -> None:
    said = refused(cluster.client(), cluster.address, tmp_path, "--workers", "64")
    assert re.match(r"error: the Ray cluster has \d+ CPUs and 64 actors \(--workers\) need 64; ", said), said
