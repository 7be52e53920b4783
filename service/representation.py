"""Turn sentences into unit-length vectors; cosine similarity is then a dot product.

`Representer` is the seam for a neural embedder; TF-IDF is the default because it needs no
model and no torch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol, TypeAlias

import numpy as np
import scipy.sparse as sp

from service import textcache
from service.languages import stemmer, terms
from service.lexicon import LEXICON
from service.records import LONGEST_SENTENCE
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


_cached_terms = textcache.text_cache(terms)


def stemmed_terms(text: str, lang: str = "en") -> tuple[str, ...]:
    """Lower-cased, stemmed content words of a language (languages.terms): "talks" and "talk" are one term.

    Cached because scoring asks again for the sentences just represented.
    """
    return _cached_terms(text, lang) if len(text) <= LONGEST_SENTENCE else terms(text, lang)


# words that say what to do with a topic, not what it is about ("Describe ...", "Include information on ...")
@cache
def _instructions() -> frozenset[str]:
    english = stemmer("en")
    assert english is not None, "languages.toml gives English a stemmer"
    return frozenset(english.stemWords(list(LEXICON.query_instructions)))


def query_terms(query: str, lang: str = "en") -> tuple[str, ...]:
    """The query's content terms, without the (English) instruction words a topic statement is written in."""
    return tuple(t for t in stemmed_terms(query, lang) if t not in _instructions())


def _counts(rows: Sequence[tuple[str, ...]], vocabulary: dict[str, int]) -> sp.csr_matrix:
    """Term counts, a row per term list, a column per vocabulary entry (terms outside it are left out)."""
    indptr: list[int] = [0]
    indices: list[int] = []
    data: list[int] = []
    for row in rows:
        counts = Counter(vocabulary[t] for t in row if t in vocabulary)
        indices.extend(counts)
        data.extend(counts.values())
        indptr.append(len(indices))
    shape = (len(rows), len(vocabulary))
    return sp.csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr), shape)


def _weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf (1 + ln count) times idf, each row scaled to unit length (an empty row stays zero)."""
    counts.data = (1 + np.log(counts.data)) * idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    counts.data /= np.repeat(norms, np.diff(counts.indptr))
    return counts


class TfidfRepresenter:
    """Sentence-level TF-IDF over stemmed words, fitted on the article set itself (as LexRank does).

    The weights are scikit-learn's TfidfVectorizer(sublinear_tf=True): tf 1 + ln(count), smooth idf
    ln((1 + n) / (1 + df)) + 1, rows of unit length; computed here with scipy, as importing
    scikit-learn (and the scipy.stats it pulls in) added 64 MiB to the peak RSS of
    `newsbrief summarize seeds/` (docs/benchmarks.md) for these few lines.
    """

    name = "tfidf"

    def represent(self, sentences: Sequence[str], query: str | None = None, lang: str = "en") -> Vectors:
        rows = [stemmed_terms(s, lang) for s in sentences]
        vocabulary = {term: column for column, term in enumerate(sorted({t for row in rows for t in row}))}
        if not vocabulary:  # no content word at all: every sentence is orthogonal to every other
            empty_query = None if query is None else sp.csr_matrix((1, 1))
            return Vectors(sp.csr_matrix((len(sentences), 1)), empty_query)
        counts = _counts(rows, vocabulary)
        df = np.bincount(counts.indices, minlength=len(vocabulary))
        idf = np.log((1 + len(rows)) / (1 + df)) + 1
        matrix = _weigh(counts, idf)
        query_vector = _weigh(_counts([query_terms(query, lang)], vocabulary), idf) if query else None
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
