"""Bounded concurrency: a request either gets a slot now or is told to retry (429), never queued forever.

The slot is taken before the body is read (service/api/intake.py), so refused requests cost no
body memory, and given back when the request ends or, when its work runs in a thread, when that
thread ends: abandoned work (after a 504) still counts against the limit until it really stops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from prometheus_client import Gauge

from service import textcache
from service.errors import DeadlineError

T = TypeVar("T")

# once idle after this many body bytes, free heap pages go back to the OS (a trim scans the heap:
# worth it after large bodies, not after every small request)
_TRIM_AFTER_BYTES = 2**20
# requests with bodies this large are summarised one at a time per process: under the GIL two at
# once take as long as one after the other, and hold twice the memory (two 10 MB bodies at once:
# peak ~0.8 GB and ~50 MiB of fragmented heap left after; one at a time ~0.5 GB and ~20 MiB,
# benchmarks/hostile_http.py); smaller requests run beside them
_ALONE_BYTES = 2**20


def give_back_memory() -> None:
    """Forget the text caches (a flood's sentences would stay in them), then return free heap pages:
    glibc keeps memory freed in worker threads' arenas resident, and malloc_trim(0) gives back the
    free pages of every arena, so a worker's RSS comes back near idle after a flood
    (docs/benchmarks.md). The trim is skipped where the C library has no malloc_trim."""
    textcache.forget()
    gc.collect()  # garbage in reference cycles holds its pages until a full collection
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    if trim is not None:
        trim(0)


class Gate:
    """At most `slots` requests and `budget` body bytes at once (one request is always let in)."""

    def __init__(self, slots: int, budget: int, in_flight: Gauge) -> None:
        self._slots, self._budget = slots, budget
        self._busy = self._bytes = self._since_trim = 0
        self._lock = threading.Lock()
        self._limiter = anyio.CapacityLimiter(slots)
        self._large = threading.Lock()
        self._in_flight = in_flight

    @property
    def busy(self) -> int:
        return self._busy

    def admit(self, weight: int) -> Ticket | None:
        """A slot for one request whose body is `weight` bytes, or None when the gate is full."""
        with self._lock:
            if self._busy >= self._slots or (self._busy and self._bytes + weight > self._budget):
                return None
            self._busy += 1
            self._bytes += weight
        self._in_flight.inc()
        return Ticket(weight, lambda: self._leave(weight))

    def _leave(self, weight: int) -> None:
        with self._lock:
            self._busy -= 1
            self._bytes -= weight
            self._since_trim += weight
            trim = self._busy == 0 and self._since_trim >= _TRIM_AFTER_BYTES
            if trim:
                self._since_trim = 0
        self._in_flight.dec()
        if trim:
            threading.Thread(target=give_back_memory, daemon=True).start()  # off the event loop

    async def run(self, ticket: Ticket, work: Callable[[], T], timeout_s: float) -> T:
        """Run `work` in a worker thread (off the event loop) within `timeout_s` (TimeoutError); a
        large request waits for the large one before it, within the same time."""
        deadline = time.monotonic() + timeout_s

        def guarded() -> T:
            if not ticket.share():  # the request ended (timed out) before this thread started
                raise DeadlineError("the request ended before its work started")
            try:
                if ticket.size < _ALONE_BYTES:
                    return work()
                if not self._large.acquire(timeout=max(0.0, deadline - time.monotonic())):
                    raise DeadlineError("the request's time ran out while a large request before it was summarised")
                try:
                    return work()
                finally:
                    self._large.release()
            finally:
                ticket.release()

        with anyio.fail_after(timeout_s):
            return await anyio.to_thread.run_sync(guarded, abandon_on_cancel=True, limiter=self._limiter)


class Ticket:
    """One request's slot, held by the request and, while it runs, by its worker thread; the slot
    goes back to the gate when the last holder lets go."""

    def __init__(self, weight: int, on_free: Callable[[], None]) -> None:
        self.size = weight  # the body's bytes: as admitted, then as read (the intake sets it)
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
