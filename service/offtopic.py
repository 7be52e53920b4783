"""Off-topic articles in a set: an article whose content is unlike every other article's.

Each article is the normalised sum of its sentence vectors; its closeness is its best cosine with
another article. In a set about one event every article has a close neighbour, so an article whose
best is far below the set's typical best (the median) is about something else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from service.representation import Matrix

# below this many articles with sentences there is no "rest of the set" to compare with: with three,
# the median best is the closer pair's own similarity, so a third report of the same story in other
# words looked off-topic (tests/test_languages.py's three German reports: 0.18 against 0.35)
_MIN_ARTICLES = 4


@dataclass(frozen=True, slots=True)
class Outlier:
    doc_pos: int
    similarity: float  # its best cosine with another article
    typical: float  # the set's median best cosine


def outliers(sentences: Matrix, doc_of: Sequence[int], ratio: float) -> list[Outlier]:
    """Articles whose best similarity to another article is below `ratio` × the set's median best."""
    docs = sorted(set(doc_of))
    if len(docs) < _MIN_ARTICLES:
        return []
    row = {doc: i for i, doc in enumerate(docs)}
    member = sp.csr_matrix(
        (np.ones(len(doc_of)), ([row[d] for d in doc_of], np.arange(len(doc_of)))), shape=(len(docs), len(doc_of))
    )
    summed = member @ sentences
    dense = summed.toarray() if sp.issparse(summed) else np.asarray(summed)
    norms = np.linalg.norm(dense, axis=1)
    unit = dense / np.where(norms > 0, norms, 1.0)[:, None]
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    best = similarity.max(axis=1)
    typical = float(np.median(best))
    return [Outlier(doc, float(best[i]), typical) for i, doc in enumerate(docs) if best[i] < ratio * typical]
