"""Choose non-redundant sentences under a word and sentence budget.

Two selectors (`Settings.selection`), with the same rules: near-duplicates of a chosen sentence,
or of what the reader already knows (update briefs), are never taken, so a fact reported by
several sources is stated once and a fact the reader knows is not told again; the brief is never
empty.

- `coverage` (default): budgeted maximum coverage of the set's concepts (stemmed bigrams that
  hold a content word) weighted by the learned model (salience.py), as in Gillick & Favre's concept
  ILP, solved by the cost-scaled greedy with the best single sentence as a fallback (Khuller, Moss &
  Naor 1999: within (1 - 1/e)/2 of the optimum). The exact ILP scored ~1 ROUGE-1 higher in
  leave-clusters-out CV on DUC 2007 but alone costs more than the whole pipeline's time budget
  (docs/benchmarks.md §1). A concept counts once however many picked sentences hold it, so
  redundancy costs without a separate penalty.
- `mmr`: greedy maximal marginal relevance over the sentence salience.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from service.records import Sentence
from service.salience import concepts
from service.scoring import Scores
from service.settings import Selection, Settings

# the best-scored sentences that are trimmed, per word of the budget: for MMR ~2.5x the sentences a
# brief of ~20-word sentences holds; coverage chooses among them only and needs more (leave-clusters-
# out CV on DUC 2006/2007: 0.5 per word lost 0.4-0.7 ROUGE-1, 1.5 gained nothing)
CONTENDERS_PER_WORD = {"mmr": 0.5, "coverage": 1.0}


@dataclass(frozen=True, slots=True)
class Pick:
    """A chosen candidate; `clip_words` is set when it had to be cut to fit the budget."""

    candidate: int
    clip_words: int | None = None


def contenders(total: np.ndarray, max_words: int, selection: Selection) -> np.ndarray:
    """The best-scored sentences, best first (ties in input order): the ones trimmed and chosen among.

    Salience is judged on whole sentences (an attribution barely moves it); trimming only these
    keeps its cost independent of the set's size.
    """
    return np.argsort(-total, kind="stable")[: max(1, round(CONTENDERS_PER_WORD[selection] * max_words))]


def select(
    sentences: Sequence[Sentence],
    scores: Scores,
    settings: Settings,
    max_words: int,
    max_sentences: int | None,
) -> list[Pick]:
    words = np.array([s.words for s in sentences], dtype=np.int64)
    # what the reader already knows counts as partly said: a near-copy of it is never taken
    known = settings.known_redundancy * scores.parts["known"]
    limit = max_sentences if max_sentences is not None else len(sentences)
    if settings.selection == "coverage":
        chosen = _coverage(sentences, scores, settings, words, known, max_words, limit)
    else:
        chosen = _mmr(scores, settings, words, known, max_words, limit)
    if chosen or not sentences:
        return [Pick(i) for i in chosen]
    # never an empty brief: every sentence repeats what the reader knows (take the best of them
    # anyway) or is longer than the budget (cut the best one)
    gain = settings.mmr_lambda * scores.total - (1 - settings.mmr_lambda) * known
    short = words <= max_words
    best = int(np.argmax(np.where(short, gain, -np.inf) if short.any() else gain))
    return [Pick(best, clip_words=None if short[best] else max_words)]


def _mmr(
    scores: Scores, settings: Settings, words: np.ndarray, known: np.ndarray, max_words: int, limit: int
) -> list[int]:
    lam = settings.mmr_lambda
    available = np.ones(len(words), dtype=bool)
    redundancy = known
    chosen: list[int] = []
    used = 0
    while len(chosen) < limit:
        fits = available & (used + words <= max_words) & (redundancy < settings.duplicate_similarity)
        if not fits.any():
            break
        gain = np.where(fits, lam * scores.total - (1 - lam) * redundancy, -np.inf)
        best = int(np.argmax(gain))  # argmax returns the first maximum: deterministic ties
        chosen.append(best)
        used += int(words[best])
        available[best] = False
        redundancy = np.maximum(redundancy, scores.similarity[best])
    return chosen


def _coverage(
    sentences: Sequence[Sentence],
    scores: Scores,
    settings: Settings,
    words: np.ndarray,
    known: np.ndarray,
    max_words: int,
    limit: int,
) -> list[int]:
    pool = contenders(scores.total, max_words, "coverage")
    if not pool.size:
        return []
    # the concepts of each contender as it will read (trimmed); a bigram that only a cut creates
    # is no concept of the set and weighs nothing
    index: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for row, i in enumerate(pool):
        held = [name for name in concepts(sentences[i].text) if scores.concepts.get(name, 0.0) > 0]
        rows.extend([row] * len(held))
        cols.extend([index.setdefault(name, len(index)) for name in held])
    holds = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(pool), len(index)))
    weight = np.array([scores.concepts[name] for name in index])
    # update briefs: a sentence close to what the reader knows is worth that much less
    discount = 1.0 - known[pool]
    cost = np.maximum(words[pool], 1).astype(np.float64)
    redundancy = known[pool]
    available = np.ones(len(pool), dtype=bool)
    uncovered = np.ones(len(index), dtype=bool)
    chosen: list[int] = []
    used, value = 0, 0.0
    while len(chosen) < limit:
        fits = available & (used + words[pool] <= max_words) & (redundancy < settings.duplicate_similarity)
        gain = np.asarray(holds @ np.where(uncovered, weight, 0.0)).ravel() * discount
        fits &= gain > 0
        if not fits.any():
            break
        best = int(np.argmax(np.where(fits, gain / cost, -np.inf)))  # first maximum: deterministic ties
        chosen.append(best)
        used += int(words[pool][best])
        value += float(gain[best])
        available[best] = False
        uncovered[holds[best].indices] = False
        redundancy = np.maximum(redundancy, scores.similarity[pool[best]][pool])
    # the guarantee needs the best single sentence too: greedy by ratio alone can be arbitrarily bad
    alone = np.asarray(holds @ weight).ravel() * discount
    alone[(words[pool] > max_words) | (known[pool] >= settings.duplicate_similarity)] = 0.0
    single = int(np.argmax(alone))
    if alone[single] > value:
        chosen = [single]
    return [int(pool[i]) for i in chosen]
