"""Bounded concurrency: a request either gets a slot now or is told to retry (429), never queued forever."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class Gate:
    def __init__(self, slots: int) -> None:
        self._slots = slots
        self._busy = 0
        self._lock = threading.Lock()
        self._limiter = anyio.CapacityLimiter(slots)

    @property
    def busy(self) -> int:
        return self._busy

    def try_enter(self) -> bool:
        with self._lock:
            if self._busy >= self._slots:
                return False
            self._busy += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._busy -= 1

    async def run(self, work: Callable[[], T], timeout_s: float) -> T:
        """Run `work` in a worker thread (off the event loop) within `timeout_s`.

        The caller must hold a slot; it is given back when the thread ends, even after a timeout,
        so abandoned work still counts against the limit until it really stops.
        """

        def guarded() -> T:
            try:
                return work()
            finally:
                self.leave()

        with anyio.fail_after(timeout_s):
            return await anyio.to_thread.run_sync(guarded, abandon_on_cancel=True, limiter=self._limiter)
