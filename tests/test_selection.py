"""Both selectors on hand-made scores: budgets, redundancy, known facts, optimum and ties, never an empty brief."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from service import Settings
from service.records import Sentence
from service.salience import concepts
from service.scoring import Scores
from service.selection import Pick, select


def sentences(*words: int) -> list[Sentence]:
    return [Sentence(f"d{i}", i, 0, 0, 1, ((0, 1),), "x", n, "en") for i, n in enumerate(words)]


def worded(*texts: str) -> list[Sentence]:
    return [Sentence(f"d{i}", i, 0, 0, 1, ((0, 1),), t, len(t.split()), "en") for i, t in enumerate(texts)]


def scores(
    total: list[float],
    similarity: list[list[float]] | None = None,
    known: list[float] | None = None,
    concepts: dict[str, float] | None = None,
) -> Scores:
    n = len(total)
    sim = np.array(similarity) if similarity is not None else np.eye(n)
    parts = {"known": np.array(known if known is not None else [0.0] * n)}
    return Scores(sim, np.eye(n, dtype=bool), np.array(total), parts, concepts or {})


SETTINGS = Settings(selection="mmr")
COVERAGE = Settings(selection="coverage")
# stemmed bigrams: the concepts of the texts below
WEIGHTS = {"quak citi": 1.0, "citi flood": 0.8, "flood rescu": 0.6, "rescu toll": 0.5, "toll rise": 0.4}


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


@pytest.mark.parametrize("settings", [SETTINGS, COVERAGE], ids=["mmr", "coverage"])
@pytest.mark.parametrize("known", [None, [1.0, 1.0]])
def test_never_empty(known: list[float] | None, settings: Settings) -> None:
    words = (40, 50) if known is None else (5, 5)
    picks = select(sentences(*words), scores([0.2, 0.9], known=known), settings, max_words=10, max_sentences=None)
    assert len(picks) == 1
    assert picks[0].candidate == 1
    # a budget smaller than any sentence clips the best one; a known-only set takes the best as it is
    assert picks[0].clip_words == (10 if known is None else None)


@pytest.mark.parametrize("settings", [SETTINGS, COVERAGE], ids=["mmr", "coverage"])
def test_no_candidates_no_picks(settings: Settings) -> None:
    assert select([], scores([]), settings, 10, None) == []


def brute_force(texts: list[str], budget: int) -> float:
    """The best coverage any subset within the budget reaches (the exact optimum, by enumeration)."""
    best = 0.0
    for size in range(len(texts) + 1):
        for subset in itertools.combinations(range(len(texts)), size):
            if sum(len(texts[i].split()) for i in subset) <= budget:
                held = {c for i in subset for c in concepts(texts[i])}
                best = max(best, sum(WEIGHTS.get(c, 0.0) for c in held))
    return best


def covered(texts: list[str], picks: list[Pick]) -> float:
    held = {c for p in picks for c in concepts(texts[p.candidate])}
    return sum(WEIGHTS.get(c, 0.0) for c in held)


TEXTS = [
    "quake city",  # 1.0 in two words
    "quake city flood",  # 1.8 in three
    "flood rescue toll",  # 1.1 in three
    "rescue toll",  # 0.5 in two
    "toll rise",  # 0.4 in two
]
# (1 - 1/e) / 2: the cost-scaled greedy with the best-single-sentence fallback (Khuller et al. 1999)
GUARANTEE = (1 - 1 / math.e) / 2


@pytest.mark.parametrize("budget", range(2, 14))  # 1 word: the clipped fallback
def test_coverage_holds_the_budget_and_its_guarantee(budget: int) -> None:
    picks = select(worded(*TEXTS), scores([0.5] * len(TEXTS), concepts=WEIGHTS), COVERAGE, budget, None)
    assert sum(len(TEXTS[p.candidate].split()) for p in picks) <= budget
    assert covered(TEXTS, picks) >= GUARANTEE * brute_force(TEXTS, budget)


# the candidates are the contenders: the best-scored sentences, one per word of the budget
@pytest.mark.parametrize(("budget", "expected"), [(2, [0]), (3, [1]), (5, [1, 3]), (6, [1, 2]), (8, [1, 2, 4])])
def test_coverage_finds_the_optimum_of_small_instances(budget: int, expected: list[int]) -> None:
    picks = select(worded(*TEXTS), scores([0.5] * len(TEXTS), concepts=WEIGHTS), COVERAGE, budget, None)
    assert [p.candidate for p in picks] == expected
    assert covered(TEXTS, picks) == pytest.approx(brute_force(TEXTS, budget))


def test_coverage_counts_a_concept_once() -> None:
    texts = ["quake city", "the quake city", "flood rescue"]
    picks = select(worded(*texts), scores([0.9, 0.8, 0.1], concepts=WEIGHTS), COVERAGE, 5, None)
    assert [p.candidate for p in picks] == [0, 2]  # the second "quake city" adds nothing


def test_coverage_takes_the_best_single_sentence_when_greedy_by_ratio_is_worse() -> None:
    # "quake city" has the best ratio but leaves no room for the sentence worth most
    texts = ["quake city", "city flood rescue toll rise"]
    picks = select(worded(*texts), scores([0.5, 0.5], concepts=WEIGHTS), COVERAGE, 5, None)
    assert picks == [Pick(1)]


def test_coverage_ties_go_to_the_earlier_sentence() -> None:
    texts = ["rescue toll", "quake city", "quake city"]
    picks = select(worded(*texts), scores([0.5] * 3, concepts=WEIGHTS), COVERAGE, 2, None)
    assert picks == [Pick(1)]


def test_coverage_never_takes_a_near_duplicate_nor_what_the_reader_knows() -> None:
    same = COVERAGE.duplicate_similarity
    texts = ["quake city", "quake city flood", "rescue toll", "toll rise"]
    similarity = np.eye(4)
    similarity[0, 1] = similarity[1, 0] = same
    known = [0.0, 0.0, same / COVERAGE.known_redundancy, 0.0]
    picks = select(worded(*texts), scores([0.5] * 4, similarity, known, WEIGHTS), COVERAGE, 100, None)
    assert [p.candidate for p in picks] == [1, 3]


def test_coverage_respects_the_sentence_budget() -> None:
    picks = select(worded(*TEXTS), scores([0.5] * len(TEXTS), concepts=WEIGHTS), COVERAGE, 100, 2)
    assert len(picks) == 2
