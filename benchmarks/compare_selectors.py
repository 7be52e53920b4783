"""Selectors side by side on the same learned scores, leave-clusters-out: which one to ship.

    python benchmarks/compare_selectors.py ../shared/data/duc2007_update.jsonl --cv 5

Each fold's model is trained on the other folds (benchmarks/train_salience.py), the pipeline runs
up to trimming, then each selector picks from the same contenders:
- `mmr`: the release's selector over the learned sentence salience;
- `coverage greedy`: the shipped selector (service/selection.py);
- `coverage ILP`: the same objective solved exactly (Gillick & Favre's ILP with the concept
  weights, scipy.optimize.milp / HiGHS, the same no-near-duplicates rule as pairwise constraints);
- `DPP greedy`: a quality x diversity kernel L = q q^T * cosine (q: the contender's learned concept
  weight), greedy MAP by the largest determinant gain per word (Chen, Zhang & Zhou 2018's
  incremental Cholesky).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from quality import read_clusters
from scipy.optimize import Bounds, LinearConstraint, milp
from train_salience import examples, train

from service import Settings
from service.evaluation import rouge
from service.ordering import order
from service.representation import TfidfRepresenter
from service.salience import MODES, concepts
from service.selection import contenders, select
from service.summarizer import Request, Work, represent, score_set, segment_set, trim_sentences

Selector = Callable[[Work, Settings], list[int]]


def _concepts(work: Work, pool: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    weights = work.scored.concepts
    index: dict[str, int] = {}
    rows, cols = [], []
    for row, i in enumerate(pool):
        for name in concepts(work.sentences[i].text):
            if weights.get(name, 0.0) > 0:
                rows.append(row)
                cols.append(index.setdefault(name, len(index)))
    holds = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(pool), len(index)))
    return holds, np.array([weights[name] for name in index])


def ilp(work: Work, settings: Settings) -> list[int]:
    budget = work.request.max_words
    pool = contenders(work.scored.total, budget, "coverage")
    holds, weight = _concepts(work, pool)
    n, m = holds.shape
    words = np.array([work.sentences[i].words for i in pool], dtype=np.float64)
    length = sp.hstack([sp.csr_matrix(words[None, :]), sp.csr_matrix((1, m))])
    cover = sp.hstack([-holds.T, sp.identity(m)])  # a concept counts only if a chosen sentence holds it
    constraints = [LinearConstraint(length, -np.inf, budget), LinearConstraint(cover, -np.inf, 0)]
    similar = work.scored.similarity[np.ix_(pool, pool)] >= settings.duplicate_similarity
    pairs = np.argwhere(np.triu(similar, 1))
    if len(pairs):
        rows = np.repeat(np.arange(len(pairs)), 2)
        constraints.append(
            LinearConstraint(
                sp.csr_matrix((np.ones(2 * len(pairs)), (rows, pairs.ravel())), shape=(len(pairs), n + m)), -np.inf, 1
            )
        )
    objective = np.r_[np.zeros(n), -weight]
    result = milp(objective, constraints=constraints, integrality=np.r_[np.ones(n), np.zeros(m)], bounds=Bounds(0, 1))
    return [int(pool[i]) for i in np.nonzero(result.x[:n] > 0.5)[0]]


def dpp(work: Work, settings: Settings) -> list[int]:
    budget = work.request.max_words
    pool = contenders(work.scored.total, budget, "coverage")
    holds, weight = _concepts(work, pool)
    quality = np.asarray(holds @ weight).ravel()
    cosine = work.scored.similarity[np.ix_(pool, pool)]
    kernel = quality[:, None] * cosine * quality[None, :]
    words = np.array([work.sentences[i].words for i in pool], dtype=np.float64)
    gain = np.diag(kernel).copy()
    basis = np.zeros((0, len(pool)))
    chosen: list[int] = []
    used = 0.0
    while True:
        fits = (used + words <= budget) & (gain > 1e-9)
        fits[chosen] = False
        if chosen:
            fits &= cosine[:, chosen].max(axis=1) < settings.duplicate_similarity
        if not fits.any():
            break
        best = int(np.argmax(np.where(fits, gain / words, -np.inf)))
        row = (kernel[best] - basis.T @ basis[:, best]) / np.sqrt(gain[best])
        basis = np.vstack([basis, row])
        gain = gain - row**2
        chosen.append(best)
        used += words[best]
    return [int(pool[i]) for i in chosen]


def shipped(selection: str) -> Selector:
    def run(work: Work, settings: Settings) -> list[int]:
        chosen = settings.model_copy(update={"selection": selection})
        return [p.candidate for p in select(work.sentences, work.scored, chosen, work.request.max_words, None)]

    return run


SELECTORS: dict[str, Selector] = {
    "mmr (learned salience)": shipped("mmr"),
    "coverage greedy (shipped)": shipped("coverage"),
    "coverage ILP (HiGHS)": ilp,
    "DPP greedy": dpp,
}


def brief(work: Work, chosen: list[int]) -> str:
    work = trim_sentences(work, chosen, Settings())
    picked = [work.sentences[i] for i in chosen]
    return " ".join(picked[i].text for i in order(picked, work.articles, work.counts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("--cv", type=int, default=5, metavar="K")
    args = parser.parse_args()
    clusters, words = read_clusters(args.data, None)
    data = {mode: [examples(c, words, mode) for c in clusters] for mode in MODES}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in SELECTORS}
    seconds: dict[str, float] = dict.fromkeys(SELECTORS, 0.0)
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(args.cv):
            held_out = set(range(fold, len(clusters), args.cv))
            kept = {m: [e for i, e in enumerate(rows) if i not in held_out] for m, rows in data.items()}
            path = Path(tmp) / f"fold{fold}.json"
            path.write_text(train(kept, frozenset()).to_json(), encoding="utf-8")
            settings = Settings(salience_model=path)
            for i in sorted(held_out):
                cluster = clusters[i]
                work = Work(
                    cluster.articles, (), Request(words, None, None, "off", lang=None, off_topic="keep", quotes=0)
                )
                work = score_set(
                    represent(segment_set(work), TfidfRepresenter(), settings.max_graph_sentences), settings
                )
                work = trim_sentences(work, contenders(work.scored.total, words, "coverage"), settings)
                for name, selector in SELECTORS.items():
                    start = time.perf_counter()
                    chosen = selector(work, settings)
                    seconds[name] += time.perf_counter() - start
                    recall = rouge(brief(work, chosen), cluster.references, words).recall
                    results[name].append((recall["rouge1"], recall["rouge2"]))
    print(f"{args.data.name}: {len(clusters)} clusters, {words} words, generic, {args.cv}-fold leave-clusters-out\n")
    print("| selector | ROUGE-1 R | ROUGE-2 R | ms per selection |")
    print("|---|---|---|---|")
    for name, values in results.items():
        r1 = statistics.fmean(v[0] for v in values)
        r2 = statistics.fmean(v[1] for v in values)
        print(f"| {name} | {r1:.2f} | {r2:.2f} | {seconds[name] * 1000 / len(clusters):.1f} |")


if __name__ == "__main__":
    main()
