"""newsbrief_* Prometheus metrics, in a registry of the app's own (several apps can live in one process).

With several worker processes (`newsbrief serve --workers N`) every worker writes its values to a
shared folder (prometheus-client's multiprocess mode) and `/metrics`, whichever worker answers,
reads them all: one consistent view per pod.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

from service.result import Summary

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's switch; read when it is imported


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    stage_seconds: Histogram
    input_articles: Histogram
    input_chars: Histogram
    fallbacks: Counter
    rejections: Counter
    rewrite_available: Gauge
    in_flight: Gauge

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            stage_seconds=Histogram(
                "newsbrief_stage_seconds",
                "Time spent in each pipeline stage",
                ["stage"],
                registry=registry,
                buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            ),
            input_articles=Histogram(
                "newsbrief_input_articles", "Articles per set", registry=registry, buckets=(1, 2, 3, 5, 10, 25, 50, 100)
            ),
            input_chars=Histogram(
                "newsbrief_input_chars",
                "Characters per set",
                registry=registry,
                buckets=(1e3, 5e3, 1e4, 5e4, 1e5, 5e5, 1e6, 5e6),
            ),
            fallbacks=Counter(
                "newsbrief_fallbacks", "Rewrites replaced by the extractive brief", ["reason"], registry=registry
            ),
            rejections=Counter("newsbrief_rejections", "Requests refused, by reason", ["reason"], registry=registry),
            rewrite_available=Gauge(
                "newsbrief_rewrite_available",
                "1 when the configured rewrite model is loaded, 0 when it could not be (reason label; /info says more)",
                ["reason"],
                registry=registry,
                multiprocess_mode="livemin",
            ),
            in_flight=Gauge(
                "newsbrief_in_flight",
                "Summary requests admitted and not finished (abandoned work after a 504 included)",
                registry=registry,
                multiprocess_mode="livesum",
            ),
        )

    def observe(self, summary: Summary, chars: int) -> None:
        for stage, ms in summary.timings_ms.items():
            self.stage_seconds.labels(stage).observe(ms / 1000)
        self.input_articles.observe(summary.articles)
        self.input_chars.observe(chars)

    def exposition(self) -> bytes:
        """The text format: this process's registry, or every worker's values in multiprocess mode."""
        if not os.environ.get(MULTIPROCESS_DIR):
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return generate_latest(merged)


@contextmanager
def shared_between_workers() -> Iterator[None]:
    """Multiprocess mode for the worker processes started inside: a fresh folder, removed after
    (unless the operator set PROMETHEUS_MULTIPROC_DIR, which is then used as it is)."""
    if os.environ.get(MULTIPROCESS_DIR):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="newsbrief-metrics-") as folder:
        os.environ[MULTIPROCESS_DIR] = folder
        try:
            yield
        finally:
            del os.environ[MULTIPROCESS_DIR]
