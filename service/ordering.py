"""Order chosen sentences so the brief reads like a news story: leads first, then chronology."""

from __future__ import annotations

from collections.abc import Sequence

from service.records import Article, Sentence


def order(chosen: Sequence[Sentence], articles: Sequence[Article], sentence_counts: Sequence[int]) -> list[int]:
    """Positions into `chosen`, sorted by relative place in the article, then publication time."""

    def key(i: int) -> tuple[float, float, int, int]:
        s = chosen[i]
        published = articles[s.doc_pos].published_at  # aware: records.zoned
        stamp = published.timestamp() if published is not None else 0.0
        return (s.index / max(sentence_counts[s.doc_pos], 1), stamp, s.doc_pos, s.index)

    return sorted(range(len(chosen)), key=key)
