"""Turn sentences into unit-length vectors; cosine similarity is then a dot product.

`Representer` is the seam for a neural embedder; TF-IDF is the default because it needs no
model and no torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Protocol, TypeAlias

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer

from service.languages import stemmer, terms
from service.lexicon import LEXICON
from service.settings import Settings

Matrix: TypeAlias = "np.ndarray | sp.csr_matrix"  # rows are unit vectors


@dataclass(frozen=True, slots=True)
class Vectors:
    """Row i represents sentence i; `query` is None when no query was given."""

    sentences: Matrix
    query: Matrix | None


class Representer(Protocol):
    name: str

    def represent(self, sentences: Sequence[str], query: str | None = None, lang: str = "en") -> Vectors: ...


# texts up to this long are cached (a news sentence has ~150 characters): with 2**14 entries the
# cache of a long-running server holds at most ~30 MB, however long the sentences it is sent
_CACHED_CHARS = 2000


_cached_terms = lru_cache(maxsize=2**14)(terms)


def stemmed_terms(text: str, lang: str = "en") -> tuple[str, ...]:
    """Lower-cased, stemmed content words of a language (languages.terms): "talks" and "talk" are one term.

    Cached because scoring asks again for the sentences just represented.
    """
    return _cached_terms(text, lang) if len(text) <= _CACHED_CHARS else terms(text, lang)


def clear_term_cache() -> None:
    """Forget cached terms (benchmarks time each system from a cold cache)."""
    _cached_terms.cache_clear()


# words that say what to do with a topic, not what it is about ("Describe ...", "Include information on ...")
@cache
def _instructions() -> frozenset[str]:
    english = stemmer("en")
    assert english is not None, "languages.toml gives English a stemmer"
    return frozenset(english.stemWords(list(LEXICON.query_instructions)))


def query_terms(query: str, lang: str = "en") -> tuple[str, ...]:
    """The query's content terms, without the (English) instruction words a topic statement is written in."""
    return tuple(t for t in stemmed_terms(query, lang) if t not in _instructions())


def _identity(terms: tuple[str, ...]) -> tuple[str, ...]:
    return terms


class TfidfRepresenter:
    """Sentence-level TF-IDF over stemmed words, fitted on the article set itself (as LexRank does)."""

    name = "tfidf"

    def represent(self, sentences: Sequence[str], query: str | None = None, lang: str = "en") -> Vectors:
        vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float64)
        # the inputs are term lists built here: sklearn's per-call validation is pure overhead (~8 %)
        with sklearn.config_context(skip_parameter_validation=True, assume_finite=True):
            try:
                matrix = sp.csr_matrix(vectorizer.fit_transform([stemmed_terms(s, lang) for s in sentences]))
            except ValueError:  # no content word at all: every sentence is orthogonal to every other
                empty_query = None if query is None else sp.csr_matrix((1, 1))
                return Vectors(sp.csr_matrix((len(sentences), 1)), empty_query)
            query_vector = sp.csr_matrix(vectorizer.transform([query_terms(query, lang)])) if query else None
        return Vectors(matrix, query_vector)


def _minilm(settings: Settings) -> Representer:
    from service.representation_minilm import MiniLMRepresenter  # imports torch: only when asked for

    return MiniLMRepresenter(settings.embedding_model)


REPRESENTERS: dict[str, Callable[[Settings], Representer]] = {
    "tfidf": lambda _: TfidfRepresenter(),
    "minilm": _minilm,
}


def make_representer(settings: Settings) -> Representer:
    """The representer `settings.representation` names; a new one is a class and a line above."""
    return REPRESENTERS[settings.representation](settings)
