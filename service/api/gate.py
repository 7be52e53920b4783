"""Bounded concurrency: a request either gets a slot now or is told to retry (429), never queued forever.

The slot is taken before the body is read (service/api/intake.py), so refused requests cost no
body memory, and given back when the request ends or, when its work runs in a thread, when that
thread ends: abandoned work (after a 504) still counts against the limit until it really stops.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from service.errors import DeadlineError

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

    def admit(self) -> Ticket | None:
        """A slot for one request, or None when all are taken."""
        with self._lock:
            if self._busy >= self._slots:
                return None
            self._busy += 1
        return Ticket(self._leave)

    def _leave(self) -> None:
        with self._lock:
            self._busy -= 1

    async def run(self, ticket: Ticket, work: Callable[[], T], timeout_s: float) -> T:
        """Run `work` in a worker thread (off the event loop) within `timeout_s` (TimeoutError)."""

        def guarded() -> T:
            if not ticket.share():  # the request ended (timed out) before this thread started
                raise DeadlineError("the request ended before its work started")
            try:
                return work()
            finally:
                ticket.release()

        with anyio.fail_after(timeout_s):
            return await anyio.to_thread.run_sync(guarded, abandon_on_cancel=True, limiter=self._limiter)


class Ticket:
    """One request's slot, held by the request and, while it runs, by its worker thread; the slot
    goes back to the gate when the last holder lets go."""

    def __init__(self, on_free: Callable[[], None]) -> None:
        self._on_free = on_free
        self._lock = threading.Lock()
        self._holders = 1

    def share(self) -> bool:
        """Add a holder; False once the slot has been given back."""
        with self._lock:
            if self._holders == 0:
                return False
            self._holders += 1
            return True

    def release(self) -> None:
        with self._lock:
            self._holders -= 1
            last = self._holders == 0
        if last:
            self._on_free()
