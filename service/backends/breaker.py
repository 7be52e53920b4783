"""A circuit breaker for a model server: after `failures` failed calls in a row the server counts
as down, and calls are refused at once (the extractive brief, `unavailable`) until `reset_s` have
passed; then one trial call goes through, and its result closes or reopens the circuit.

Written here rather than taken from pybreaker (1.4.1): that one holds its lock for the whole call,
which would let only one request at a time reach the server, and cannot say whether a call would
be let through now (what `rewrite=auto` and /info ask) without making one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from service.errors import Fallback, ModelError


class Breaker:
    def __init__(self, failures: int, reset_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures, self.reset_s, self._clock = failures, reset_s, clock
        self._lock = threading.Lock()
        self._count = 0
        self._opened_at: float | None = None
        self._trial = False  # a trial call is in flight (half-open)

    def allows(self) -> bool:
        """Whether a call would be let through now (closed, or open long enough for a trial)."""
        with self._lock:
            return self._opened_at is None or (not self._trial and self._clock() - self._opened_at >= self.reset_s)

    def enter(self) -> None:
        """Before a call: ModelError (unavailable) while the circuit is open."""
        with self._lock:
            if self._opened_at is None:
                return
            waited = self._clock() - self._opened_at
            if self._trial or waited < self.reset_s:
                left = max(0.0, self.reset_s - waited)
                raise ModelError(
                    f"the model server failed {self._count} times in a row; it is tried again in {left:.0f} s",
                    reason=Fallback.UNAVAILABLE,
                )
            self._trial = True

    def succeeded(self) -> None:
        """After a call the server answered (even with a refusal): it is up."""
        with self._lock:
            self._count, self._opened_at, self._trial = 0, None, False

    def failed(self) -> None:
        """After a call the server did not answer in time, or answered only 429/5xx."""
        with self._lock:
            self._count += 1
            if self._trial or self._count >= self.failures:
                self._opened_at, self._trial = self._clock(), False
