"""The per-sentence caches: memoised, bounded, and forgotten when the server goes idle after large bodies."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Gauge

from service import textcache
from service.api.gate import Gate
from service.representation import stemmed_terms
from service.salience import concepts


def test_a_cached_function_runs_once_per_text_until_forgotten() -> None:
    calls: list[str] = []

    @textcache.text_cache
    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    assert upper("talks") == upper("talks") == "TALKS"
    assert calls == ["talks"]
    textcache.forget()
    assert upper("talks") == "TALKS"
    assert calls == ["talks", "talks"]


def test_the_gate_forgets_the_caches_once_idle_after_a_megabyte_of_bodies() -> None:
    stemmed_terms("The ministers met in the capital on Monday.")
    concepts("The ministers met in the capital on Monday.")
    assert textcache.size() >= 2
    gate = Gate(slots=2, budget=2**24, in_flight=Gauge("in_flight", "test", registry=CollectorRegistry()))
    small = gate.admit(100)
    assert small is not None
    small.release()
    assert textcache.size() >= 2  # small requests keep the caches warm
    big = gate.admit(2**20)
    assert big is not None
    big.release()
    deadline = time.monotonic() + 30  # the trim runs in its own thread: a hang guard, not a timing
    while textcache.size() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert textcache.size() == 0
