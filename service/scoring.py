"""Salience of every candidate sentence across all articles, kept as named parts.

    total = length prior x weighted mean(centrality, support, position, query, terms)   (salience=weights)
    total = the learned sentence model over the parts and the concept weights    (salience=learned)

`PARTS` is the one place a part is declared: its name, how it is computed, its default weight
(`Settings.weights` overrides by name) and what it means. `ScoreParts` in the output, the API
schema and `/info` follow from it. Adding a part is a function of `Context` plus one line in
`PARTS`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Literal

import numpy as np
import scipy.sparse as sp

from service.errors import InputError
from service.records import Sentence
from service.representation import Matrix, Vectors, stemmed_terms
from service.salience import learn, load_model
from service.settings import Settings

# LexRank as Erkan & Radev (2004) run it: PageRank's damping, and enough power iterations for the
# 1e-9 tolerance on sets of a few thousand sentences
_DAMPING = 0.85
_ITERATIONS = 100
# length prior: sentences over this many times the ideal length are scaled down in proportion,
# under the minimum length multiplied by this (tuned on DUC 2007 with the other weights)
_RUN_ON = 2.5
_FRAGMENT = 0.1
# query feedback reads the sentences closest to the query (Rocchio-style; 5-20 scored alike)
_FEEDBACK_SENTENCES = 10
# a sentence belongs fully to the set's story from this cosine to the rest of the set on: half of
# the DUC 2006/2007 leads reach 0.19 and 83 % reach 0.1; promos, notices and embed text added to
# those sets reached 0.01-0.05 (issue 12: the lead prior must not reward a page's opening furniture)
_STORY_COSINE = 0.1


@dataclass(frozen=True, slots=True)
class Context:
    """What a score part may look at; arrays are aligned with `sentences`."""

    sentences: Sequence[Sentence]
    vectors: Vectors
    similarity: np.ndarray  # cosine matrix of the sentences
    doc_support: np.ndarray  # bool [n, n_docs]: article d has a sentence similar to sentence i
    doc_count: int
    known: Matrix | None  # vectors of the already-read articles' sentences (update briefs)
    settings: Settings


Role = Literal["weighted", "factor", "reported"]


@dataclass(frozen=True, slots=True)
class Part:
    """A score part: `weighted` parts are averaged with their weight, a `factor` multiplies the
    mean, a `reported` part is used by selection only (and shown)."""

    name: str
    compute: Callable[[Context], np.ndarray]
    role: Role
    weight: float  # default weight of a weighted part (Settings.weights overrides)
    description: str
    applies: Callable[[Context], bool] = lambda _: True  # a part that does not apply weighs 0


@dataclass(frozen=True, slots=True)
class Scores:
    """Arrays aligned with the candidate sentences."""

    similarity: np.ndarray
    doc_support: np.ndarray
    total: np.ndarray
    parts: Mapping[str, np.ndarray]  # every part of PARTS, by name
    concepts: Mapping[str, float] = field(default_factory=dict)  # learned concept weights (salience.py)


def _dense(matrix: Matrix) -> np.ndarray:
    if isinstance(matrix, np.ndarray):
        return np.asarray(matrix, dtype=np.float64)
    return np.asarray(sp.csr_matrix(matrix).toarray(), dtype=np.float64)


def _unit_max(values: np.ndarray) -> np.ndarray:
    top = float(values.max(initial=0.0))
    return values / top if top > 0 else np.zeros_like(values)


def lexrank(similarity: np.ndarray) -> np.ndarray:
    """Continuous LexRank (PageRank over the cosine graph); deterministic power iteration."""
    n = similarity.shape[0]
    weights = similarity.copy()
    np.fill_diagonal(weights, 0.0)
    row_sums = weights.sum(axis=1, keepdims=True)
    transition = np.divide(weights, row_sums, out=np.full_like(weights, 1.0 / n), where=row_sums > 0)
    rank = np.full(n, 1.0 / n)
    for _ in range(_ITERATIONS):
        updated: np.ndarray = (1 - _DAMPING) / n + _DAMPING * (transition.T @ rank)
        if np.abs(updated - rank).sum() < 1e-9:
            return updated
        rank = updated
    return rank


def position_prior(sentences: Sequence[Sentence]) -> np.ndarray:
    """News put the main facts first: weight decays with the sentence's index in its article."""
    return np.array([1.0 / np.sqrt(1.0 + s.index) for s in sentences])


def story_share(similarity: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """How much each sentence belongs to the set's story: its cosine to the sum of the other
    articles' sentences (to the article's other sentences, in a set of one), over
    `_STORY_COSINE`, at most 1. A notice that fills a whole article resembles only itself."""
    own = np.diag(similarity)  # 1, or 0 for a sentence without a content word
    docs, index = np.unique(doc, return_inverse=True)
    if len(docs) == 1:
        row = similarity.sum(axis=1) - own
        norm2 = similarity.sum() - 2 * (row + own) + own  # |sum of the other sentences|^2
    else:
        order = np.argsort(index, kind="stable")
        starts = np.searchsorted(index[order], np.arange(len(docs)))
        by_doc = np.add.reduceat(similarity[:, order], starts, axis=1)  # [sentence, article]: summed similarity
        row = by_doc.sum(axis=1) - by_doc[np.arange(len(doc)), index]
        block = np.add.reduceat(by_doc[order], starts, axis=0)  # [article, article]
        norm2 = (block.sum() - 2 * block.sum(axis=1) + np.diag(block))[index]  # |other articles' sum|^2
    denominator = np.sqrt(own) * np.sqrt(np.clip(norm2, 0.0, None))
    cosine = np.divide(row, denominator, out=np.zeros_like(row), where=denominator > 0)
    share: np.ndarray = np.clip(cosine / _STORY_COSINE, 0.0, 1.0)
    return share


def lead_prior(sentences: Sequence[Sentence], story: np.ndarray) -> np.ndarray:
    """The lead prior, which a page's opening furniture can neither take nor push down: a sentence
    gets 1 / sqrt(1 + the story sentences before it in its article), each counted by its
    `story_share`, times its own share."""
    if not len(sentences):
        return np.zeros(0)
    doc = np.array([s.doc_pos for s in sentences])
    order = np.lexsort((np.array([s.index for s in sentences]), doc))  # article by article, in reading order
    share, doc = story[order], doc[order]
    before = np.cumsum(share) - share  # story sentences before it in the whole set
    first = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])  # where each article starts
    before -= np.repeat(before[first], np.diff(np.r_[first, len(doc)]))
    prior = np.empty(len(sentences))
    prior[order] = share / np.sqrt(1.0 + before)
    return prior


def closest_similarity(matrix: Matrix, others: Matrix, chunk: int = 2048) -> np.ndarray:
    """Each row's highest cosine to any row of `others`, a chunk at a time: however many
    sentences the known articles hold, memory stays at rows x chunk."""
    best = np.zeros(matrix.shape[0])
    for start in range(0, others.shape[0], chunk):
        best = np.maximum(best, _dense(matrix @ others[start : start + chunk].T).max(axis=1, initial=0.0))
    return best


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
    terms = [stemmed_terms(s.text, s.lang) for s in sentences]
    uses = {(term, s.doc_pos) for t, s in zip(terms, sentences, strict=True) for term in t}
    articles_using = Counter(term for term, _ in uses)
    share = {term: n / doc_count for term, n in articles_using.items() if n >= 2}
    # dict.fromkeys, not set: a fixed summation order keeps the float sum identical in every process
    carried = np.array([sum(map(share.get, dict.fromkeys(t), repeat(0.0))) for t in terms])
    return _unit_max(carried / np.sqrt(np.array([max(s.words, 1) for s in sentences], dtype=np.float64)))


def _length(c: Context) -> np.ndarray:
    """Fragments and run-ons make poor brief sentences."""
    words = np.array([s.words for s in c.sentences], dtype=np.float64)
    ideal = float(c.settings.ideal_sentence_words)
    prior = np.minimum(1.0, words / ideal) ** 0.5
    prior = np.where(words > _RUN_ON * ideal, prior * (_RUN_ON * ideal / np.maximum(words, 1.0)), prior)
    return np.where(words < c.settings.min_sentence_words, prior * _FRAGMENT, prior)


def _support(c: Context) -> np.ndarray:
    support: np.ndarray = (c.doc_support.sum(axis=1) - 1) / max(c.doc_count - 1, 1)
    return support


def _query(c: Context) -> np.ndarray:
    assert c.vectors.query is not None
    direct = _dense(c.vectors.sentences @ c.vectors.query.T).ravel()
    return query_relevance(direct, c.similarity, c.settings.query_feedback)


def _known(c: Context) -> np.ndarray:
    return closest_similarity(c.vectors.sentences, c.known) if c.known is not None else np.zeros(len(c.sentences))


def _docs(c: Context) -> np.ndarray:
    return np.array([s.doc_pos for s in c.sentences])


def _several_articles(c: Context) -> bool:
    return c.doc_count > 1


def _has_query(c: Context) -> bool:
    return c.vectors.query is not None


# Default weights were tuned on DUC 2007 generic briefs (docs/benchmarks.md §1); the order is the
# order of the output's score fields.
PARTS: tuple[Part, ...] = (
    Part("centrality", lambda c: _unit_max(lexrank(c.similarity)), "weighted", 1.0,
         "continuous LexRank over the sentences of all articles, scaled to [0, 1]"),
    Part("support", _support, "weighted", 1.0,
         "share of the other articles that have a similar sentence (the same fact)", _several_articles),
    Part("position", lambda c: lead_prior(c.sentences, story_share(c.similarity, _docs(c))), "weighted", 0.6,
         "lead prior: 1 / sqrt(1 + the story sentences before it in its article), times its story share "
         "(cosine to the rest of the set / 0.1, at most 1): opening furniture gets none"),
    Part("length", _length, "factor", 0.0,
         "length prior in [0, 1]; multiplies the weighted mean (fragments and run-ons score low)"),
    Part("query", _query, "weighted", 1.5,
         "similarity to the query plus feedback from its best matches (0 without a query)", _has_query),
    Part("terms", lambda c: recurring_terms(c.sentences, c.doc_count), "weighted", 1.5,
         "share of the set's recurring content words the sentence carries, per square-root word", _several_articles),
    Part("known", _known, "reported", 0.0,
         "similarity to the closest sentence of the already-read articles (0 if none)"),
)  # fmt: skip


def weights(settings: Settings) -> dict[str, float]:
    """The weight of every weighted part: its default, or the setting of that name."""
    weighted = {p.name: p.weight for p in PARTS if p.role == "weighted"}
    unknown = sorted(set(settings.weights) - set(weighted))
    if unknown:
        raise InputError(
            f"NEWSBRIEF_WEIGHTS: no score part named {', '.join(unknown)}; the parts are {', '.join(weighted)}",
            param="weights",
        )
    return {name: settings.weights.get(name, default) for name, default in weighted.items()}


def score(
    sentences: Sequence[Sentence], vectors: Vectors, doc_count: int, settings: Settings, known: Matrix | None = None
) -> Scores:
    matrix = vectors.sentences
    similarity = _dense(matrix @ matrix.T)
    doc_of = np.array([s.doc_pos for s in sentences])
    doc_support = np.zeros((len(sentences), doc_count), dtype=bool)
    similar = similarity >= settings.support_similarity
    for doc in np.unique(doc_of):
        doc_support[:, doc] = similar[:, doc_of == doc].any(axis=1)
    doc_support[np.arange(len(sentences)), doc_of] = True
    context = Context(sentences, vectors, similarity, doc_support, doc_count, known, settings)
    weight = weights(settings)
    active = {p.name: weight.get(p.name, 0.0) if p.applies(context) else 0.0 for p in PARTS}
    parts = {
        p.name: p.compute(context) if active[p.name] or p.role != "weighted" else np.zeros(len(sentences))
        for p in PARTS
    }
    factor = np.prod([parts[p.name] for p in PARTS if p.role == "factor"], axis=0)
    weighted_sum = sum(active[p.name] * parts[p.name] for p in PARTS if p.role == "weighted")
    total = factor * weighted_sum / (sum(active.values()) or 1.0)
    if settings.salience == "weights" and settings.selection != "coverage":
        return Scores(similarity, doc_support, total, parts)
    learned = learn(sentences, parts, doc_count, load_model(settings.salience_model))
    total = learned.total if settings.salience == "learned" else total
    return Scores(similarity, doc_support, total, parts, learned.concepts)


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
