"""Budgeted MMR on hand-made scores: budgets, redundancy, known facts, and never an empty brief."""

from __future__ import annotations

import numpy as np
import pytest

from service import Settings
from service.records import Sentence
from service.scoring import Scores
from service.selection import Pick, select


def sentences(*words: int) -> list[Sentence]:
    return [Sentence(f"d{i}", i, 0, 0, 1, ((0, 1),), "x", n, "en") for i, n in enumerate(words)]


def scores(total: list[float], similarity: list[list[float]] | None = None, known: list[float] | None = None) -> Scores:
    n = len(total)
    sim = np.array(similarity) if similarity is not None else np.eye(n)
    parts = {"known": np.array(known if known is not None else [0.0] * n)}
    return Scores(sim, np.eye(n, dtype=bool), np.array(total), parts)


SETTINGS = Settings()


def test_best_first_within_the_word_budget() -> None:
    picks = select(sentences(10, 10, 10), scores([0.2, 0.9, 0.5]), SETTINGS, max_words=20, max_sentences=None)
    assert picks == [Pick(1), Pick(2)]


def test_sentence_budget() -> None:
    picks = select(sentences(5, 5, 5), scores([0.3, 0.2, 0.1]), SETTINGS, max_words=100, max_sentences=2)
    assert [p.candidate for p in picks] == [0, 1]


def test_a_near_duplicate_of_a_chosen_sentence_is_never_taken() -> None:
    same = SETTINGS.duplicate_similarity
    similarity = [[1, same, 0], [same, 1, 0], [0, 0, 1]]
    picks = select(sentences(5, 5, 5), scores([0.9, 0.8, 0.1], similarity), SETTINGS, 100, None)
    assert [p.candidate for p in picks] == [0, 2]


def test_redundancy_trades_against_salience() -> None:
    similarity = [[1, 0.3, 0], [0.3, 1, 0], [0, 0, 1]]
    picks = select(sentences(5, 5, 5), scores([0.9, 0.5, 0.45], similarity), SETTINGS, 100, None)
    assert [p.candidate for p in picks] == [0, 2, 1]  # 0.7*0.45 > 0.7*0.5 - 0.3*0.3


def test_what_the_reader_knows_is_not_told_again() -> None:
    known = [SETTINGS.duplicate_similarity / SETTINGS.known_redundancy, 0.0]
    picks = select(sentences(5, 5), scores([0.9, 0.1], known=known), SETTINGS, 100, None)
    assert [p.candidate for p in picks] == [1]


def test_ties_go_to_the_earlier_sentence() -> None:
    picks = select(sentences(5, 5, 5), scores([0.5, 0.5, 0.5]), SETTINGS, max_words=5, max_sentences=None)
    assert picks == [Pick(0)]


@pytest.mark.parametrize("known", [None, [1.0, 1.0]])
def test_never_empty(known: list[float] | None) -> None:
    words = (40, 50) if known is None else (5, 5)
    picks = select(sentences(*words), scores([0.2, 0.9], known=known), SETTINGS, max_words=10, max_sentences=None)
    assert len(picks) == 1
    assert picks[0].candidate == 1
    # a budget smaller than any sentence clips the best one; a known-only set takes the best as it is
    assert picks[0].clip_words == (10 if known is None else None)


def test_no_candidates_no_picks() -> None:
    assert select([], scores([]), SETTINGS, 10, None) == []
