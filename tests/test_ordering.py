"""Brief order: relative place in the article, then publication time, then article order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from service.ordering import order
from service.records import Article, Sentence


def sentence(doc_pos: int, index: int) -> Sentence:
    return Sentence(f"a{doc_pos}", doc_pos, index, 0, 1, ((0, 1),), "x", 1, "en")


def articles(*published: datetime | None) -> list[Article]:
    return [Article(id=f"a{i}", text="x", published_at=p) for i, p in enumerate(published)]


def test_leads_before_later_sentences_across_articles() -> None:
    chosen = [sentence(0, 9), sentence(1, 0), sentence(0, 0)]
    assert order(chosen, articles(None, None), [10, 10]) == [2, 1, 0]


def test_relative_position_not_index() -> None:
    # sentence 2 of 4 (0.5) comes before sentence 3 of 5 (0.6)
    chosen = [sentence(1, 3), sentence(0, 2)]
    assert order(chosen, articles(None, None), [4, 5]) == [1, 0]


def test_same_place_older_article_first() -> None:
    now = datetime(2023, 6, 18, 12, tzinfo=UTC)
    chosen = [sentence(0, 0), sentence(1, 0)]
    assert order(chosen, articles(now, now - timedelta(hours=1)), [3, 3]) == [1, 0]


def test_naive_times_are_utc() -> None:
    aware = datetime(2023, 6, 18, 12, tzinfo=timezone(timedelta(hours=2)))  # 10:00 UTC
    naive = datetime(2023, 6, 18, 11)  # read as 11:00 UTC
    assert order([sentence(0, 0), sentence(1, 0)], articles(naive, aware), [1, 1]) == [1, 0]


def test_ties_keep_article_order() -> None:
    chosen = [sentence(2, 0), sentence(0, 0), sentence(1, 0)]
    assert order(chosen, articles(None, None, None), [1, 1, 1]) == [1, 2, 0]
