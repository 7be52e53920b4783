"""Choose non-redundant sentences under a word and sentence budget (budgeted MMR).

Greedy maximal marginal relevance: each step takes the sentence with the best trade-off
between its salience and its similarity to what is already chosen, or already read in an update
brief; near-duplicates of either are never taken, so a fact reported by several sources is stated
once, and a fact the reader knows is not told again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from service.records import Sentence
from service.scoring import Scores
from service.settings import Settings


@dataclass(frozen=True, slots=True)
class Pick:
    """A chosen candidate; `clip_words` is set when it had to be cut to fit the budget."""

    candidate: int
    clip_words: int | None = None


def select(
    sentences: Sequence[Sentence],
    scores: Scores,
    settings: Settings,
    max_words: int,
    max_sentences: int | None,
) -> list[Pick]:
    n = len(sentences)
    words = np.array([s.words for s in sentences])
    lam = settings.mmr_lambda
    available = np.ones(n, dtype=bool)
    # what the reader already knows counts as partly said: a near-copy of it is never taken
    redundancy = settings.known_redundancy * scores.parts["known"]
    chosen: list[Pick] = []
    used = 0
    limit = max_sentences if max_sentences is not None else n
    while len(chosen) < limit:
        fits = available & (used + words <= max_words) & (redundancy < settings.duplicate_similarity)
        if not fits.any():
            break
        gain = np.where(fits, lam * scores.total - (1 - lam) * redundancy, -np.inf)
        best = int(np.argmax(gain))  # argmax returns the first maximum: deterministic ties
        chosen.append(Pick(best))
        used += int(words[best])
        available[best] = False
        redundancy = np.maximum(redundancy, scores.similarity[best])
    if not chosen and n:
        # never an empty brief: every sentence repeats what the reader knows (take the best of them
        # anyway) or is longer than the budget (cut the best one)
        gain = lam * scores.total - (1 - lam) * redundancy
        short = words <= max_words
        best = int(np.argmax(np.where(short, gain, -np.inf) if short.any() else gain))
        chosen.append(Pick(best, clip_words=None if short[best] else max_words))
    return chosen
