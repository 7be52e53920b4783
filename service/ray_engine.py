"""`newsbrief batch --engine ray`: batch.py's per-line work on Ray actors, here or on a cluster.

This process (the driver) reads the input and writes the output as the local engine does (it runs
batch.run_batch: the same reader, --resume, whole records, signals); only `summarize_line` runs on
the actors. Lines go out in chunks, each chunk to the actor with the least work in flight, and
their records come back in input order with a bounded number of chunks in flight: the output is
byte-identical to the local engine's, memory stays flat, and the input never has to be on the
cluster's nodes. An actor that dies (killed, out of memory, its node lost) is restarted by Ray; its
chunk is run again one line at a time, so a line that kills it alone gets an error record.

Whether a cluster takes this client is first asked in a child process that is killed at the
deadline (NEWSBRIEF_RAY_CONNECT_TIMEOUT_S): Ray on its own retries for 20 s to minutes, logging each
try, and then fails with a bare ConnectionError, whether nothing answers, the cluster wants a token
(`RAY_AUTH_MODE=token`) or it runs another Ray or Python version.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from service.batch import BatchStats, Record, Work, died_record, run_batch, summarize_line
from service.errors import EngineError
from service.sets import Line
from service.settings import Settings
from service.summarizer import Summarizer
from service.workers import die_with_parent

# Lines per actor call: a set from seeds/ takes ~10 ms and a Ray actor call ~1 ms of overhead on
# the 2-core dev machine, so 8 lines keep the overhead near 1 % and still spread small inputs
CHUNK_LINES = 8
CHUNK_BYTES = 4 * 2**20  # a chunk of big sets is cut sooner: what is in flight stays small
# Chunks in flight per actor: one running and two queued, so no actor waits for the driver
WINDOW_PER_ACTOR = 3
RESTART_POLL_S = 0.2  # how often a restarting actor is asked whether it is back (Ray takes ~1-5 s)
CPUS_PER_ACTOR = 1  # a Summarizer is one thread of Python and small numpy work
_NO_EXTRA = "the ray engine needs the ray extra: pip install 'newsbrief[ray]'"
_NOT_A_CLUSTER = ("local", "")  # what ray.init takes as "start Ray here" (RAY_ADDRESS may say it)
_AUTH_SIGNS = ("AuthenticationError", "InvalidAuthToken", "Unauthenticated")  # how Ray 2.5x-2.6x says it
_VERSIONS = re.compile(r"Ray: (\S+)\s+Python: (\S+)")  # Ray's mismatch message: the cluster's, then ours
_REASON_CHARS = 300  # of a Ray message quoted in an error line
_OWN_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # a batch run's own: whole records, then exit 130 / 143
_RAY_TRIES = "RAY_gcs_server_port_wait_time_s"  # how many times (a second apart) ray.init tries the GCS


class LineWorker:
    """A Ray actor: builds the pipeline (and any model) once, then turns chunks of lines into records."""

    def __init__(self, settings: Settings, max_words: int | None, max_sentences: int | None) -> None:
        self.summarizer = Summarizer(settings)
        self.max_words, self.max_sentences = max_words, max_sentences

    def ready(self) -> bool:
        """True once the actor runs: an actor that cannot start (no newsbrief on its node) raises here."""
        return True

    def summarize(self, chunk: list[Line]) -> list[Record]:
        return [summarize_line(self.summarizer, n, line, self.max_words, self.max_sentences) for n, line in chunk]


def chunks(lines: Iterable[Line]) -> Iterator[list[Line]]:
    """The lines in input order, CHUNK_LINES at a time (fewer once CHUNK_BYTES are reached)."""
    chunk: list[Line] = []
    size = 0
    for line in lines:
        chunk.append(line)
        size += len(line[1] or b"")
        if len(chunk) >= CHUNK_LINES or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


class _InFlight(NamedTuple):
    chunk: list[Line]
    ref: Any  # the ObjectRef of the chunk's records
    actor: int


class OrderedActors:
    """`map` gives every line's record in input order, with WINDOW_PER_ACTOR chunks per actor in flight."""

    def __init__(self, ray: Any, actors: list[Any]) -> None:
        self.ray, self.actors = ray, actors
        self.window: deque[_InFlight] = deque()

    def map(self, lines: Iterable[Line]) -> Generator[Record, None, None]:
        for chunk in chunks(lines):
            self._submit(chunk)
            if len(self.window) >= WINDOW_PER_ACTOR * len(self.actors):
                yield from self._next()
        while self.window:
            yield from self._next()

    def _submit(self, chunk: list[Line]) -> None:
        """To the actor with the fewest unfinished chunks (the first of them on a tie)."""
        busy = [0] * len(self.actors)
        refs = [job.ref for job in self.window]
        finished, _ = self.ray.wait(refs, num_returns=len(refs), timeout=0, fetch_local=False)
        done = set(finished)
        for job in self.window:
            busy[job.actor] += job.ref not in done
        actor = min(range(len(self.actors)), key=lambda i: (busy[i], i))
        self.window.append(_InFlight(chunk, self.actors[actor].summarize.remote(chunk), actor))

    def _next(self) -> list[Record]:
        job = self.window.popleft()
        try:
            records: list[Record] = self.ray.get(job.ref)
        except self.ray.exceptions.RayActorError:
            return self._one_by_one(job)
        return records

    def _one_by_one(self, lost: _InFlight) -> list[Record]:
        """The actor died with this chunk: once the rest of its work has settled, the restarted actor
        runs the chunk's lines one at a time, so a line it dies on again is the cause."""
        settling = [job.ref for job in self.window if job.actor == lost.actor]
        self.ray.wait(settling, num_returns=len(settling), fetch_local=False)
        actor = self.actors[lost.actor]
        records: list[Record] = []
        for line in lost.chunk:
            self._alive(actor)
            try:
                records += self.ray.get(actor.summarize.remote([line]))
            except self.ray.exceptions.RayActorError:
                records.append(died_record(line))
        return records

    def _alive(self, actor: Any) -> None:
        """Once Ray has restarted the actor (a call meanwhile fails at once as unavailable)."""
        while True:
            try:
                self.ray.get(actor.ready.remote())
            except self.ray.exceptions.ActorUnavailableError:
                time.sleep(RESTART_POLL_S)
                continue
            except self.ray.exceptions.ActorDiedError as exc:
                raise EngineError(f"a Ray actor is gone for good: {_reason(exc)}") from None
            return


# -- reaching the cluster


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EngineError(_NO_EXTRA) from None
    return ray


def endpoint(address: str) -> tuple[str, int] | None:
    """The host and port of `host:port` or `ray://host:port`; None for `auto` (Ray looks it up)."""
    if not address.isprintable() or any(c.isspace() for c in address):
        raise EngineError(f"Ray address {address!r}: expected host:port (e.g. 10.0.0.5:6379) or ray://host:10001")
    if address == "auto":
        return None
    parts = urlsplit(address if "://" in address else f"//{address}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        raise EngineError(f"Ray address {address!r}: expected host:port (e.g. 10.0.0.5:6379) or ray://host:10001")
    return parts.hostname, port


def check_cluster(address: str, timeout: float) -> None:
    """Return once the Ray cluster at `address` takes this client; else EngineError saying why, within
    `timeout` seconds: no answer, a token it wants, or other Ray / Python versions than ours."""
    deadline = time.monotonic() + timeout
    waited = f"waited {timeout:g} s, NEWSBRIEF_RAY_CONNECT_TIMEOUT_S"
    host_port = endpoint(address)
    if host_port is not None:
        try:
            socket.create_connection(host_port, timeout=timeout).close()
        except OSError as exc:
            why = f"no answer ({waited})" if isinstance(exc, TimeoutError) else exc.strerror or type(exc).__name__
            raise EngineError(f"no Ray cluster at {address}: {why}; is `ray start --head` running there?") from None
    try:
        probe = subprocess.run(
            [sys.executable, "-m", "service.ray_engine", address],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=max(deadline - time.monotonic(), 0.0),
            check=False,
        )
    except subprocess.TimeoutExpired as late:
        last = _last_verdict(late.stdout or b"")
        why = f": the last try said {last['reason']}" if last else ""
        raise EngineError(
            f"the Ray cluster at {address} did not take this client ({waited}){why}; is it the address "
            "`ray start --head` printed?"
        ) from None
    verdict = _last_verdict(probe.stdout)
    if verdict is None:
        words = probe.stderr.decode(errors="replace").strip().splitlines() or [f"exit code {probe.returncode}"]
        verdict = {"refused": "other", "reason": f"the check failed: {_one_line(words[-1])}"}
    if verdict:
        raise EngineError(_refusal(address, verdict))


def _last_verdict(stdout: bytes) -> dict[str, str] | None:
    """The child's last JSON line: {} once the cluster took it, else why not; None when it has none."""
    for line in reversed(stdout.splitlines()):
        try:
            verdict: dict[str, str] = json.loads(line)
        except ValueError:
            continue
        return verdict
    return None


def _refusal(address: str, verdict: dict[str, str]) -> str:
    if verdict["refused"] == "token":
        mode = os.environ.get("RAY_AUTH_MODE", "unset")
        return (
            f"the Ray cluster at {address} refused this client's authentication: set RAY_AUTH_MODE=token "
            f"(here: {mode}) and give the cluster's token (`ray get-auth-token` on its head prints it) in "
            "~/.ray/auth_token, the file RAY_AUTH_TOKEN_PATH names, or RAY_AUTH_TOKEN"
        )
    if verdict["refused"] == "version":
        return (
            f"the Ray cluster at {address} runs {verdict['cluster']}, this client {verdict['here']}: Ray needs "
            "the same on both sides; install those versions here, or run the batch on the cluster as a Ray job "
            "(deploy/ray/)"
        )
    return f"cannot use the Ray cluster at {address}: {verdict['reason']}"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:_REASON_CHARS]


def diagnose(exc: BaseException) -> dict[str, str]:
    """Why ray.init failed, from the exception and its causes (Ray keeps only the text of some)."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    text = " ".join(f"{type(e).__name__}: {e}" for e in chain)
    if any(sign in text for sign in _AUTH_SIGNS):
        return {"refused": "token"}
    versions = _VERSIONS.findall(text)
    if "Version mismatch" in text and len(versions) >= 2:
        (ray_there, python_there), (ray_here, python_here) = versions[:2]
        return {
            "refused": "version",
            "cluster": f"Ray {ray_there} on Python {python_there}",
            "here": f"Ray {ray_here} on Python {python_here}",
        }
    return {"refused": "other", "reason": _reason(exc)}


def _reason(exc: BaseException) -> str:
    """The first line of an exception's message, with its type: enough to say what Ray said."""
    first = str(exc).partition("\n")[0]
    return _one_line(f"{type(exc).__name__}: {first}")


def _probe(address: str) -> None:
    """check_cluster's child: connect as the driver will, one try at a time, printing why each failed;
    it stops at the first success or refusal (a token, other versions), or when the parent kills it."""
    die_with_parent()
    os.environ[_RAY_TRIES] = "1"  # Ray would retry a refusal for 20 s; this loop retries the rest
    ray = _import_ray()
    while True:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        except Exception as exc:  # whatever Ray raises is reported, never a traceback
            verdict = diagnose(exc)
            print(json.dumps(verdict), flush=True)
            if verdict["refused"] != "other":
                return
            continue
        ray.shutdown()
        print("{}", flush=True)
        return


@contextmanager
def _connected(address: str | None, timeout: float) -> Iterator[Any]:
    """The ray module, connected to the cluster at `address` (RAY_ADDRESS when None) or to a Ray started
    here for the run; a connection the caller made already (a notebook, the tests) is used and left open."""
    if importlib.util.find_spec("ray") is None:
        raise EngineError(_NO_EXTRA)
    if "ray" in sys.modules and sys.modules["ray"].is_initialized():
        yield sys.modules["ray"]
        return
    target = address or os.environ.get("RAY_ADDRESS", "")
    if target not in _NOT_A_CLUSTER:
        check_cluster(target, timeout)  # before Ray is imported here: a refusal costs one import, not two
    ray = _import_ray()
    handlers = {signum: signal.getsignal(signum) for signum in _OWN_SIGNALS}
    try:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    except Exception as exc:  # the cluster changed since the check, or Ray could not start here
        raise EngineError(_refusal(target or "this machine", diagnose(exc))) from None
    if threading.current_thread() is threading.main_thread():
        for signum, handler in handlers.items():  # Ray's crash handler took SIGTERM: print a stack, exit 15
            signal.signal(signum, handler)
    try:
        yield ray
    finally:
        ray.shutdown()


def _start_actors(
    ray: Any, count: int, settings: Settings, max_words: int | None, max_sentences: int | None
) -> list[Any]:
    cpus = ray.cluster_resources().get("CPU", 0.0)
    if cpus < count * CPUS_PER_ACTOR:
        raise EngineError(
            f"the Ray cluster has {cpus:g} CPUs and {count} actors (--workers) need {count * CPUS_PER_ACTOR:g}; "
            "ask for fewer, or add nodes"
        )
    remote = ray.remote(LineWorker).options(
        num_cpus=CPUS_PER_ACTOR, max_restarts=-1, max_task_retries=0, scheduling_strategy="SPREAD"
    )
    actors = [remote.remote(settings, max_words, max_sentences) for _ in range(count)]
    try:
        ray.get([actor.ready.remote() for actor in actors])
    except ray.exceptions.RayError as exc:
        for actor in actors:
            ray.kill(actor)
        raise EngineError(
            f"newsbrief does not start on the Ray cluster's workers ({_reason(exc)}): every node needs newsbrief "
            "and its dependencies, in the driver's versions (the project's image has them: deploy/ray/)"
        ) from None
    return actors


@contextmanager
def ray_lines(
    settings: Settings,
    *,
    address: str | None = None,
    actors: int = 1,
    max_words: int | None = None,
    max_sentences: int | None = None,
) -> Iterator[Work]:
    """`run_batch`'s `work` on `actors` Ray actors, on the cluster at `address` or a Ray started here;
    the actors are ready when this yields, and killed when it ends."""
    with _connected(address, settings.ray_connect_timeout_s) as ray:
        started = _start_actors(ray, actors, settings, max_words, max_sentences)
        try:
            yield OrderedActors(ray, started).map
        finally:
            for actor in started:
                ray.kill(actor)


def run_ray(
    settings: Settings,
    source: str,
    output: Path,
    *,
    address: str | None = None,
    actors: int = 1,
    resume: bool = False,
    max_words: int | None = None,
    max_sentences: int | None = None,
) -> BatchStats:
    """`run_batch` with the lines summarised by `actors` Ray actors."""
    with ray_lines(settings, address=address, actors=actors, max_words=max_words, max_sentences=max_sentences) as work:
        return run_batch(settings, source, output, resume=resume, work=work)


if __name__ == "__main__":
    _probe(sys.argv[1])
