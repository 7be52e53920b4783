"""newsbrief_* Prometheus metrics, in a registry of the app's own (several apps can live in one process)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

from service.result import Summary


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    stage_seconds: Histogram
    input_articles: Histogram
    input_chars: Histogram
    fallbacks: Counter
    rejections: Counter

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
        )

    def observe(self, summary: Summary, chars: int) -> None:
        for stage, ms in summary.timings_ms.items():
            self.stage_seconds.labels(stage).observe(ms / 1000)
        self.input_articles.observe(summary.articles)
        self.input_chars.observe(chars)
