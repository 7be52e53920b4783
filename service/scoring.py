"""Salience of every candidate sentence across all articles, kept as named parts.

total = length_prior * weighted mean(centrality, cross-source support, lead position, query relevance,
                                     recurring terms)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from service.representation import Matrix, Vectors, stemmed_terms
from service.schema import Sentence
from service.settings import Settings


@dataclass(frozen=True, slots=True)
class Scores:
    """Arrays aligned with the candidate sentences; `similarity` is their cosine matrix."""

    similarity: np.ndarray
    doc_support: np.ndarray  # bool [n, n_docs]: article d has a sentence similar to sentence i
    total: np.ndarray
    centrality: np.ndarray
    support: np.ndarray
    position: np.ndarray
    length: np.ndarray
    query: np.ndarray
    terms: np.ndarray
    known: np.ndarray  # similarity to the closest already-read sentence (0 without any)


def _dense(matrix: Matrix) -> np.ndarray:
    if isinstance(matrix, np.ndarray):
        return np.asarray(matrix, dtype=np.float64)
    return np.asarray(sp.csr_matrix(matrix).toarray(), dtype=np.float64)


def _unit_max(values: np.ndarray) -> np.ndarray:
    top = float(values.max(initial=0.0))
    return values / top if top > 0 else np.zeros_like(values)


def lexrank(similarity: np.ndarray, damping: float = 0.85, iterations: int = 100) -> np.ndarray:
    """Continuous LexRank (PageRank over the cosine graph); deterministic power iteration."""
    n = similarity.shape[0]
    weights = similarity.copy()
    np.fill_diagonal(weights, 0.0)
    row_sums = weights.sum(axis=1, keepdims=True)
    transition = np.divide(weights, row_sums, out=np.full_like(weights, 1.0 / n), where=row_sums > 0)
    rank = np.full(n, 1.0 / n)
    for _ in range(iterations):
        updated: np.ndarray = (1 - damping) / n + damping * (transition.T @ rank)
        if np.abs(updated - rank).sum() < 1e-9:
            return updated
        rank = updated
    return rank


def position_prior(sentences: Sequence[Sentence]) -> np.ndarray:
    """News put the main facts first: weight decays with the sentence's index in its article."""
    return np.array([1.0 / np.sqrt(1.0 + s.index) for s in sentences])


def length_prior(sentences: Sequence[Sentence], settings: Settings) -> np.ndarray:
    """Fragments and run-ons make poor brief sentences."""
    words = np.array([s.words for s in sentences], dtype=np.float64)
    ideal = float(settings.ideal_sentence_words)
    prior = np.minimum(1.0, words / ideal) ** 0.5
    prior = np.where(words > 2.5 * ideal, prior * (2.5 * ideal / np.maximum(words, 1.0)), prior)
    return np.where(words < settings.min_sentence_words, prior * 0.1, prior)


def closest_similarity(matrix: Matrix, others: Matrix, chunk: int = 2048) -> np.ndarray:
    """Each row's highest cosine to any row of `others`, a chunk at a time: however many
    sentences the known articles hold, memory stays at rows x chunk."""
    best = np.zeros(matrix.shape[0])
    for start in range(0, others.shape[0], chunk):
        best = np.maximum(best, _dense(matrix @ others[start : start + chunk].T).max(axis=1, initial=0.0))
    return best


_FEEDBACK_SENTENCES = 10


def query_relevance(direct: np.ndarray, similarity: np.ndarray, feedback: float) -> np.ndarray:
    """Cosine to the query (`direct`), plus `feedback` x cosine to the centroid of the sentences
    closest to it.

    A topic statement is short and worded unlike news copy; its best matches (pseudo-relevance
    feedback, as in Rocchio) bring in the words the articles use for the same thing.
    """
    direct = _unit_max(np.clip(direct, 0, None))
    if not feedback:
        return direct
    closest = np.argsort(-direct, kind="stable")[:_FEEDBACK_SENTENCES]
    closest = closest[direct[closest] > 0]  # only sentences that do match the query
    if not closest.size:
        return direct
    # a dot product is linear: the similarity to their centroid is the mean similarity to them
    to_centroid = similarity[:, closest].mean(axis=1)
    return _unit_max(direct + feedback * _unit_max(np.clip(to_centroid, 0, None)))


def recurring_terms(sentences: Sequence[Sentence], doc_count: int) -> np.ndarray:
    """How much of the set's shared vocabulary a sentence carries, per square-root word.

    A term counts with the share of articles that use it, from two articles up: a topic-signature
    proxy that needs no background corpus, and the words a human brief of the event tends to use.
    """
    terms = [stemmed_terms(s.text) for s in sentences]
    uses = {(term, s.doc_pos) for t, s in zip(terms, sentences, strict=True) for term in t}
    articles_using = Counter(term for term, _ in uses)
    share = {term: n / doc_count for term, n in articles_using.items() if n >= 2}
    # dict.fromkeys, not set: a fixed summation order keeps the float sum identical in every process
    carried = np.array([sum(share.get(term, 0.0) for term in dict.fromkeys(t)) for t in terms])
    return _unit_max(carried / np.sqrt(np.array([max(s.words, 1) for s in sentences], dtype=np.float64)))


def score(
    sentences: Sequence[Sentence], vectors: Vectors, doc_count: int, settings: Settings, known: Matrix | None = None
) -> Scores:
    matrix = vectors.sentences
    similarity = _dense(matrix @ matrix.T)
    closest_known = closest_similarity(matrix, known) if known is not None else np.zeros(len(sentences))
    doc_of = np.array([s.doc_pos for s in sentences])
    doc_support = np.zeros((len(sentences), doc_count), dtype=bool)
    similar = similarity >= settings.support_similarity
    for doc in np.unique(doc_of):
        doc_support[:, doc] = similar[:, doc_of == doc].any(axis=1)
    doc_support[np.arange(len(sentences)), doc_of] = True
    support = (doc_support.sum(axis=1) - 1) / max(doc_count - 1, 1)

    centrality = _unit_max(lexrank(similarity))
    position = position_prior(sentences)
    length = length_prior(sentences, settings)
    query = (
        query_relevance(_dense(matrix @ vectors.query.T).ravel(), similarity, settings.query_feedback)
        if vectors.query is not None
        else np.zeros(len(sentences))
    )
    weights = {
        "centrality": settings.weight_centrality,
        "support": settings.weight_support if doc_count > 1 else 0.0,
        "position": settings.weight_position,
        "query": settings.weight_query if vectors.query is not None else 0.0,
        "terms": settings.weight_terms if doc_count > 1 else 0.0,
    }
    terms = recurring_terms(sentences, doc_count) if weights["terms"] else np.zeros(len(sentences))
    parts = {"centrality": centrality, "support": support, "position": position, "query": query, "terms": terms}
    weight_sum = sum(weights.values()) or 1.0
    total = length * sum(weights[k] * parts[k] for k in parts) / weight_sum
    return Scores(similarity, doc_support, total, centrality, support, position, length, query, terms, closest_known)


def shortlist(vectors: Vectors, sentences: Sequence[Sentence], limit: int) -> np.ndarray:
    """Indices (in input order) of the `limit` best sentences by centroid similarity and position.

    Used only when a set is too large for the quadratic graph: every sentence is still looked at.
    """
    matrix = vectors.sentences
    centroid = np.asarray(matrix.mean(axis=0)).ravel()
    closeness = _unit_max(np.clip(_dense(matrix @ centroid).ravel(), 0, None))
    prelim = closeness + position_prior(sentences)
    order = np.lexsort((np.arange(len(sentences)), -prelim))  # stable: ties keep input order
    return np.sort(order[:limit])
