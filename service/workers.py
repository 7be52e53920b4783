"""Worker processes that give results in input order, never outlive their parent, and survive the
death of one of their own.

A worker dies with its parent: on Linux the kernel kills it (prctl PR_SET_PDEATHSIG), and on any
platform a watcher thread ends it once the parent's sentinel closes. A worker that dies mid-job
(killed, out of memory) breaks the pool and loses every job in flight: those jobs are run again one
at a time in a fresh pool, so a job that kills its worker on its own is known to be the cause; its
result is `died(job)` and the run goes on.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WINDOW_PER_WORKER = 4  # jobs in flight per worker: every worker stays busy, memory stays flat


def die_with_parent() -> None:
    """End this (worker) process when its parent ends, however it ends (kill -9 too)."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    parent = multiprocessing.parent_process()
    if parent is not None:  # also a parent that died before prctl ran, and systems without prctl
        threading.Thread(target=_exit_when_closed, args=(parent.sentinel,), daemon=True).start()


def _exit_when_closed(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _start_worker(initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a fork copies the parent's handler; terminate() must kill
    initializer(*initargs)


class OrderedPool(Generic[Job, Result]):
    """`map` runs `work(job)` on `workers` processes (built by `initializer(*initargs)`) and yields
    the results in input order, with at most WINDOW_PER_WORKER jobs per worker in flight."""

    def __init__(
        self,
        workers: int,
        work: Callable[[Job], Result],
        died: Callable[[Job], Result],
        initializer: Callable[..., None],
        initargs: tuple[Any, ...] = (),
    ) -> None:
        self.workers, self.work, self.died = workers, work, died
        self.initializer, self.initargs = initializer, initargs
        self.pool = self._fresh()
        self.window: deque[tuple[Job, Future[Result]]] = deque()

    def _fresh(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, initializer=_start_worker, initargs=(self.initializer, self.initargs))

    def map(self, jobs: Iterable[Job]) -> Iterator[Result]:
        try:
            for job in jobs:
                self._submit(job)
                if len(self.window) >= WINDOW_PER_WORKER * self.workers:
                    yield self._next()
            while self.window:
                yield self._next()
        except BaseException:  # an interrupt, a failed write, the consumer gone: stop now
            self.abandon()
            raise
        self.pool.shutdown()

    def _submit(self, job: Job) -> None:
        try:
            future = self.pool.submit(self.work, job)
        except BrokenProcessPool as exc:  # it broke since the last job: this one is lost with the others
            future = Future()
            future.set_exception(exc)
        self.window.append((job, future))

    def _next(self) -> Result:
        try:
            result = self.window[0][1].result()
        except BrokenProcessPool:
            self._redo_lost()
            result = self.window[0][1].result()
        self.window.popleft()
        return result

    def _redo_lost(self) -> None:
        """A worker died: run every job in flight that has no result yet again, one at a time."""
        self.pool.shutdown(wait=False)
        self.pool = self._fresh()
        redone: deque[tuple[Job, Future[Result]]] = deque()
        for job, future in self.window:
            if future.exception() is not None:
                future = Future()
                future.set_result(self._alone(job))
            redone.append((job, future))
        self.window = redone

    def _alone(self, job: Job) -> Result:
        """`job` with nothing else in flight: if its worker dies now, the job is the cause."""
        try:
            return self.pool.submit(self.work, job).result()
        except BrokenProcessPool:
            self.pool.shutdown(wait=False)
            self.pool = self._fresh()
            return self.died(job)

    def abandon(self) -> None:
        """Cancel what is queued and kill the workers rather than wait for their jobs (what Python
        3.14's `kill_workers()` does; 3.11 has only the private process map)."""
        workers = list(self.pool._processes.values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            process.kill()
