"""Stories from a stream: group articles about the same event, one brief per story.

Online single-pass clustering. Each article becomes a hashed, IDF-weighted vector of stemmed terms
(the title and lead count more; capitalised names and numbers are extra features), and joins the
story whose centroid is most similar, above a threshold, among the stories active around its
publication time (half the score is the similarity to the story's first article, so a growing story
cannot drift); otherwise it opens a story. The hashed space has a fixed size and only active
stories keep a centroid, so memory stays flat however long the stream; the cost per article is
linear in the number of active stories. Same articles in the same order → the same stories.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import mmh3
import numpy as np
import scipy.sparse as sp

from service.languages import stopwords
from service.records import Article
from service.representation import stemmed_terms
from service.settings import Settings

_WORD = re.compile(r"[^\W_]+")
# how much more a word counts in the title and in the lead than in the rest of the body; tuned on the
# GVA stream's first half (benchmarks/stories.py), where headlines name the place and the victim
_TITLE_WEIGHT = 3.0
_LEAD_WEIGHT = 2.0
_LEAD_CHARS = 400  # about the first two sentences of a news article
# names and numbers tell look-alike events apart ("shot in Dayton" vs "shot in Toledo"); same source
# (1.5 scored 0.010 higher there but collapsed into one giant story at threshold 0.2; 2 does not)
_NAME_WEIGHT = 2.0
# only this much of a body is read: the lead and a few paragraphs carry the event, and the cost of a
# huge article stays bounded (the median GVA body has 1,203 characters)
_BODY_CHARS = 6000
_SECONDS_PER_HOUR = 3600.0
_STOP = stopwords("en")


def _names_and_numbers(text: str) -> dict[str, float]:
    """Capitalised words that are not stop words, and numbers, as their own features."""
    found: dict[str, float] = {}
    for word in _WORD.findall(text):
        if word[0].isdigit():
            key = "#" + word
        elif word[0].isupper() and word.lower() not in _STOP:
            key = "@" + word.lower()
        else:
            continue
        found[key] = _NAME_WEIGHT
    return found


def hashed(rows: Sequence[Mapping[str, float]], features: int) -> sp.csr_matrix:
    """Feature hashing exactly as scikit-learn's `FeatureHasher(alternate_sign=False)` does it (the
    signed 32-bit MurmurHash3 of the UTF-8 term, |h| mod `features`, duplicates summed), with mmh3
    instead of importing scikit-learn (26 MB of the image; tests/test_stories.py compares the two)."""
    signed = np.fromiter((mmh3.hash(term, 0, True) for row in rows for term in row), dtype=np.int64)
    data = np.fromiter((value for row in rows for value in row.values()), dtype=np.float64, count=signed.size)
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(row) for row in rows], out=indptr[1:])
    # |h| in 64 bits is exact for every 32-bit h, -2**31 too: its column, 2**31 mod `features`, is the
    # (2**31 - 1 - (features - 1)) mod `features` that scikit-learn computes for it in 32 bits
    indices = np.abs(signed) % features
    matrix = sp.csr_matrix((data, indices.astype(np.int32), indptr), shape=(len(rows), features))
    matrix.sum_duplicates()
    return matrix


def article_terms(article: Article) -> dict[str, float]:
    """An article's weighted term counts: body, + lead, + title, + names and numbers."""
    body = article.text[:_BODY_CHARS]
    cut = max(body.rfind(" ", 0, _LEAD_CHARS), 0) if len(body) > _LEAD_CHARS else len(body)  # whole words
    lead = body[:cut]
    # the body is read once, as the lead and the rest: the cut is at a space, so no word spans it and the
    # two parts' terms, one after the other, are the body's (same terms, same order; the lead is not read twice)
    counts: dict[str, float] = {}
    for text, weight in ((lead, _LEAD_WEIGHT), (body[cut:], 1.0), (article.title or "", _TITLE_WEIGHT)):
        for term in stemmed_terms(text):
            counts[term] = counts.get(term, 0.0) + weight
    tf = {term: 1.0 + math.log(count) for term, count in counts.items()}  # sublinear, as TF-IDF's
    tf.update(_names_and_numbers(f"{article.title or ''}\n{lead}"))
    return tf


class DocumentFrequency:
    """Document frequencies in the hashed space: a fixed-size array, so it never grows."""

    def __init__(self, features: int) -> None:
        self.df = np.zeros(features, dtype=np.int64)
        self.documents = 0

    def add(self, rows: sp.csr_matrix) -> None:
        self.df += np.bincount(rows.indices, minlength=self.df.size)
        self.documents += rows.shape[0]

    def idf(self, columns: np.ndarray) -> np.ndarray:
        idf: np.ndarray = np.log((1.0 + self.documents) / (1.0 + self.df[columns])) + 1.0
        return idf


@dataclass(frozen=True, slots=True)
class Features:
    """One article in the hashed space: sorted column indices and their weights (unit length after IDF)."""

    columns: np.ndarray
    weights: np.ndarray


def epoch(moment: datetime | None) -> float | None:
    """Seconds since 1970 (an article's time has a zone: records.zoned)."""
    return None if moment is None else moment.timestamp()


_NONE = np.zeros(0, dtype=np.int64)


# an article is compared with the story's first article too (half the score): a centroid alone drifts as a
# story grows and, on GVA's look-alike Chicago reports, swallowed 52 articles of 42 incidents
_SEED_MIX = 0.5


def _cosine(a: Features, b: Features) -> float:
    _, i, j = np.intersect1d(a.columns, b.columns, assume_unique=True, return_indices=True)
    return float(a.weights[i] @ b.weights[j])


class _Active:
    """The centroid sums of the active stories, one column per slot (a term's weights across the
    stories sit together, so an article's terms are read as whole rows); a freed slot is reused."""

    def __init__(self, features: int, capacity: int) -> None:
        self.capacity = capacity
        self.sums = np.zeros((features, 0), dtype=np.float32)
        self.norms2 = np.zeros(0)  # squared length of each sum
        self.first = np.zeros(0)
        self.last = np.zeros(0)
        self.story = np.zeros(0, dtype=np.int64)  # story number per slot, -1 when free
        self.used: list[np.ndarray] = []  # the rows each slot has weight in, cleared when it is reused
        self.seeds: list[Features] = []  # the article that opened each slot's story

    def similarities(self, features: Features) -> np.ndarray:
        """Cosine of the article with every slot's centroid."""
        dots: np.ndarray = features.weights @ self.sums[features.columns]
        return dots / np.sqrt(np.maximum(self.norms2, 1e-24))

    def add(self, slot: int, features: Features) -> None:
        rows = self.sums[features.columns, slot]
        self.norms2[slot] += 2.0 * float(rows @ features.weights) + float(features.weights @ features.weights)
        self.sums[features.columns, slot] = rows + features.weights
        self.used[slot] = np.union1d(self.used[slot], features.columns)

    def open(self, features: Features) -> int:
        """A fresh slot holding only `features`."""
        slot = self._free()
        self.sums[self.used[slot], slot] = 0.0
        self.used[slot] = _NONE
        self.norms2[slot] = 0.0
        self.seeds[slot] = features
        self.add(slot, features)
        return slot

    def _free(self) -> int:
        """A free slot, growing the arrays (doubling, up to `capacity`) when none is free."""
        free = np.flatnonzero(self.story < 0)
        if free.size:
            return int(free[0])
        size = self.story.size
        grown = min(self.capacity, max(8, 2 * size))
        if grown == size:  # full: the least recently updated story (the oldest on a tie) goes inactive
            return int(np.lexsort((self.story, self.last))[0])
        extra = grown - size
        self.sums = np.hstack([self.sums, np.zeros((self.sums.shape[0], extra), dtype=np.float32)])
        self.norms2, self.first, self.last = (
            np.concatenate([a, np.zeros(extra)]) for a in (self.norms2, self.first, self.last)
        )
        self.story = np.concatenate([self.story, np.full(extra, -1, dtype=np.int64)])
        self.used.extend([_NONE] * extra)
        self.seeds.extend([Features(_NONE, np.zeros(0))] * extra)
        return size


class StoryClusterer:
    """Assigns articles, one at a time, to story numbers 0, 1, 2, … in the order stories open.

    `time` is an article's publication time in seconds (`epoch`); an undated article takes the
    stream's latest time, so a stream with no dates at all is windowed by `stories_max_active`.
    """

    def __init__(self, settings: Settings) -> None:
        self.threshold = settings.stories_threshold
        self.window = settings.stories_window_hours * _SECONDS_PER_HOUR
        self.features_count = settings.stories_hash_features
        self.frequency = DocumentFrequency(settings.stories_hash_features)
        self.active = _Active(settings.stories_hash_features, settings.stories_max_active)
        self.clock = -math.inf
        self.stories = 0

    def hash(self, articles: Sequence[Article]) -> sp.csr_matrix:
        """Term counts of `articles` in the hashed space, one row each (before IDF)."""
        return hashed([article_terms(a) for a in articles], self.features_count)

    def features(self, row: sp.csr_matrix) -> Features:
        """One hashed row, IDF-weighted and scaled to unit length."""
        return self.weighted(row.indices, row.data)

    def weighted(self, indices: np.ndarray, data: np.ndarray) -> Features:
        """A hashed row given as its column indices and counts, IDF-weighted and scaled to unit length."""
        columns = indices.astype(np.int64)
        order = np.argsort(columns)
        columns = columns[order]
        weights = data[order] * self.frequency.idf(columns)
        norm = float(np.linalg.norm(weights))
        return Features(columns, weights / norm if norm else weights)

    def assign(self, features: Features, time: float | None) -> tuple[int, float]:
        """The story the article joins (or opens), and its similarity to that story (1.0 when it opens one)."""
        active = self.active
        now = self.clock if time is None else time
        self.clock = max(self.clock, now)
        expired = (active.story >= 0) & (active.last < self.clock - self.window)
        active.story[expired] = -1
        candidates = (active.story >= 0) & (active.last >= now - self.window) & (active.first <= now + self.window)
        best, similarity = -1, 0.0
        if candidates.any() and features.columns.size:
            scores = np.where(candidates, active.similarities(features), -1.0)
            for near in np.flatnonzero(scores >= self.threshold):
                scores[near] = _SEED_MIX * _cosine(features, active.seeds[near]) + (1 - _SEED_MIX) * scores[near]
            best = int(np.argmax(scores))  # the first of equals: the lowest slot
            similarity = float(scores[best])
        if best >= 0 and similarity >= self.threshold:
            active.add(best, features)
            active.first[best] = min(active.first[best], now)
            active.last[best] = max(active.last[best], now)
            return int(active.story[best]), similarity
        slot = active.open(features)
        active.first[slot] = active.last[slot] = now
        active.story[slot] = self.stories
        self.stories += 1
        return self.stories - 1, 1.0

    def add(self, article: Article) -> tuple[int, float]:
        """Stream mode: document frequencies grow with the stream, then the article is assigned."""
        row = self.hash([article])
        self.frequency.add(row)
        return self.assign(self.features(row), epoch(article.published_at))


def stream_order(articles: Sequence[Article]) -> list[int]:
    """Positions in publication order; an undated article keeps its place after the dated one before it."""
    keys: list[float] = []
    latest = -math.inf
    for article in articles:
        moment = epoch(article.published_at)
        latest = latest if moment is None else moment
        keys.append(latest)
    return sorted(range(len(articles)), key=lambda i: keys[i])


def cluster(articles: Sequence[Article], settings: Settings) -> list[int]:
    """Story numbers of a whole batch, in input positions: document frequencies come from the whole
    batch first (it is all known), then the articles are assigned in publication order."""
    clusterer = StoryClusterer(settings)
    rows = clusterer.hash(articles) if articles else sp.csr_matrix((0, settings.stories_hash_features))
    clusterer.frequency.add(rows)
    labels = [0] * len(articles)
    indptr, indices, data = rows.indptr, rows.indices, rows.data  # slices: rows[i] (a scipy row) took 10 % of the run
    for i in stream_order(articles):
        features = clusterer.weighted(indices[indptr[i] : indptr[i + 1]], data[indptr[i] : indptr[i + 1]])
        labels[i] = clusterer.assign(features, epoch(articles[i].published_at))[0]
    return labels
