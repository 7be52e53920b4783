"""The learned salience model: the shipped file loads and holds weights only; features on hand-made sentences."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from service import Article, Settings, Summarizer
from service.errors import InputError
from service.records import Sentence
from service.salience import (
    CONCEPT_FEATURES,
    MODES,
    SENTENCE_FEATURES,
    concept_table,
    concepts,
    learn,
    load_model,
    parse_model,
)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "service" / "data" / "salience.json"


def sentence(doc: int, index: int, text: str) -> Sentence:
    return Sentence(f"d{doc}", doc, index, 0, len(text), ((0, len(text)),), text, len(text.split()), "en")


SET = [
    sentence(0, 0, "An earthquake struck the coastal city of Ayr on Monday."),
    sentence(0, 1, "Rescue teams searched collapsed buildings."),
    sentence(1, 0, "The earthquake in Ayr killed 40 people."),
    sentence(1, 1, "A football match was cancelled."),
    sentence(2, 0, "Rescue teams reached Ayr after the earthquake."),
]


def parts(n: int, query: bool = False) -> dict[str, np.ndarray]:
    ramp = np.linspace(1.0, 0.2, n)
    names = ("centrality", "support", "position", "length", "terms", "known")
    return {**dict.fromkeys(names, ramp), "query": ramp if query else np.zeros(n)}


def test_the_shipped_model_loads_once_and_holds_weights_only() -> None:
    model = load_model(None)
    assert load_model(None) is model  # read once
    for mode in MODES:
        assert set(model.concept[mode].features) <= set(CONCEPT_FEATURES)
        assert set(model.sentence[mode].features) <= set(SENTENCE_FEATURES)
        for head in (model.concept[mode], model.sentence[mode]):
            assert head.coef.shape == head.mean.shape == head.scale.shape == (len(head.features),)
            assert np.isfinite(head.coef).all()
            assert (head.scale > 0).all()
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    # numbers and feature names, nothing else: no text, no n-gram of the training data
    strings = {s for kind in data.values() for head in kind.values() for s in head["features"]}
    assert strings <= set(CONCEPT_FEATURES) | set(SENTENCE_FEATURES)
    assert SHIPPED.stat().st_size < 20_000


def test_the_model_round_trips_through_json() -> None:
    model = load_model(None)
    again = parse_model(model.to_json())
    for mode in MODES:
        np.testing.assert_allclose(again.concept[mode].coef, model.concept[mode].coef, atol=1e-8)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "{}",
        json.dumps({"concept": {}, "sentence": {}}),
        json.dumps(
            {
                kind: {
                    m: {"features": ["bias", "no such feature"], "mean": [0, 0], "scale": [1, 1], "coef": [0, 0]}
                    for m in MODES
                }
                for kind in ("concept", "sentence")
            }
        ),
        json.dumps(
            {
                kind: {m: {"features": ["bias"], "mean": [0, 0], "scale": [1], "coef": [0]} for m in MODES}
                for kind in ("concept", "sentence")
            }
        ),
    ],
)
def test_a_broken_model_file_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError, match="salience model"):
        parse_model(text)


def test_a_missing_model_file_fails_when_the_summarizer_is_built(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        Summarizer(Settings(salience_model=tmp_path / "missing.json"))


def test_concepts_are_the_bigrams_that_hold_a_content_word() -> None:
    assert concepts("The earthquake struck the city of Ayr.") == [
        "the earthquak",
        "earthquak struck",
        "struck the",
        "the citi",
        "citi of",
        "of ayr",
    ]
    assert concepts("of the and") == []  # stop words alone are no concept
    assert concepts("") == []


def test_concept_features_on_a_hand_made_set() -> None:
    table = concept_table(SET, parts(len(SET)), doc_count=3)
    m = len(table.names)
    assert table.incidence.shape == (len(SET), m)
    assert set(table.features) == set(CONCEPT_FEATURES)
    assert all(values.shape == (m,) for values in table.features.values())
    column = dict(zip(table.names, range(m), strict=True))
    share = table.features["doc_share"]
    assert share[column["the earthquak"]] == pytest.approx(2 / 3)  # "An earthquake" in the first
    assert share[column["rescu team"]] == pytest.approx(2 / 3)
    assert share[column["footbal match"]] == pytest.approx(1 / 3)
    assert table.features["capitalised"][column["in ayr"]] == 1.0
    assert table.features["capitalised"][column["rescu team"]] == 0.0
    assert table.features["digit"][column["kill 40"]] == 1.0
    assert table.features["stopword"][column["rescu team"]] == 0.0
    assert table.features["word_share_min"][column["footbal match"]] == pytest.approx(1 / 3)
    assert table.incidence[3, column["footbal match"]] == 1


def test_learned_salience_favours_what_several_articles_report() -> None:
    model = load_model(None)
    first = learn(SET, parts(len(SET)), 3, model)
    again = learn(SET, parts(len(SET)), 3, model)
    assert first.concepts == again.concepts  # deterministic
    np.testing.assert_array_equal(first.total, again.total)
    assert first.total.shape == (len(SET),)
    assert first.total.max() == 1.0
    assert first.concepts["rescu team"] > first.concepts["footbal match"]
    assert all(0 < w < 1 for w in first.concepts.values())


def test_the_query_heads_are_used_when_a_query_matches() -> None:
    model = load_model(None)
    generic = learn(SET, parts(len(SET)), 3, model)
    focused = learn(SET, parts(len(SET), query=True), 3, model)
    assert generic.concepts != focused.concepts


def test_a_summary_with_the_learned_model_is_deterministic(seed_articles: list[Article]) -> None:
    summarizer = Summarizer(Settings(salience="learned", selection="coverage"))
    first = summarizer.summarize(seed_articles, max_words=80)
    assert first.brief == summarizer.summarize(seed_articles, max_words=80).brief
    assert first.budget.words <= 80


def test_the_default_brief_is_the_same_under_any_hash_seed() -> None:
    """Concepts are ordered by first occurrence and ties go to the first candidate, so string-hash
    randomisation (a fresh seed per process) cannot change which sentences a brief picks."""
    probe = "\n".join(
        [
            "from service import Article, Summarizer",
            "from tests.conftest import SEEDS",
            "articles = [Article(id=p.stem, text=p.read_text(encoding='utf-8')) for p in sorted(SEEDS.glob('*.txt'))]",
            "print(Summarizer().summarize(articles, max_words=120).brief)",
        ]
    )
    briefs = {
        subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(briefs) == 1
    assert next(iter(briefs)).strip()
