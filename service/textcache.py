"""Bounded caches of per-sentence text work, and one switch that forgets them all.

A sentence is read by several stages (represented, then scored; a trimmed contender read again),
so its tokens are cached. The caches outlive a request; after a flood of large bodies they would
keep tens of MB of that flood's sentences resident, so the server forgets them when it goes idle
(service/api/gate.py) and benchmarks forget them to time each system from cold.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# the callers cache only texts up to records.LONGEST_SENTENCE characters: with this many entries a
# cache holds at most ~30 MB, however long the sentences sent
ENTRIES = 2**14

_caches: list[Any] = []


def text_cache(function: F) -> F:
    """`function` memoised (ENTRIES most recent calls), registered so that forget() clears it."""
    cached = lru_cache(maxsize=ENTRIES)(function)
    _caches.append(cached)
    return cached  # type: ignore[return-value]


def size() -> int:
    """Entries held in all text caches together."""
    return sum(cached.cache_info().currsize for cached in _caches)


def forget() -> None:
    """Clear every text cache."""
    for cached in _caches:
        cached.cache_clear()
