from __future__ import annotations

import pytest

from service.evaluation import mean, query_text, rouge, truncate_words


def test_identical_text_scores_100() -> None:
    score = rouge("The talks were candid and constructive.", ["The talks were candid and constructive."], 100)
    assert score.recall["rouge1"] == pytest.approx(100)
    assert score.f1["rouge2"] == pytest.approx(100)


def test_scores_average_over_references_and_respect_budget() -> None:
    score = rouge("talks held in Beijing", ["talks held in Beijing", "nothing alike here"], 100)
    assert score.recall["rouge1"] == pytest.approx(50)
    assert truncate_words("a b c d", 2) == "a b"
    assert rouge("x y z", ["w"], 2).recall["rouge1"] == 0
    assert mean([score, score]).recall == score.recall


def test_query_text() -> None:
    assert query_text({"title": "Euro", "narrative": "Describe steps."}) == "Euro Describe steps."
    assert query_text(None) is None
    assert query_text("topic") == "topic"
