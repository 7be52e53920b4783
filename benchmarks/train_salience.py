"""Train the learned salience model (service/data/salience.json) and cross-validate it.

    python benchmarks/train_salience.py ../shared/data/duc2006.jsonl ../shared/data/duc2007_update.jsonl \
        --output service/data/salience.json
    python benchmarks/train_salience.py ../shared/data/duc2006.jsonl --cv 5      # leave-clusters-out

Labels come from the human references: a concept's label is the share of references that hold it
(supervised bigram ILP, Li, Qian & Liu 2013), a sentence's the mean label of its concepts. The
model is logistic regression on those soft labels (each row once as a positive with weight y and
once as a negative with weight 1 - y), on the features of service/salience.py; one concept head
and one sentence head for generic briefs, and one of each for briefs with a query. The file holds
weights and feature names only. `--cv K` trains on K-1 folds of the clusters and runs the whole
pipeline with that model on the fold left out, so each cluster is scored by a model that never
saw it; `--exclude` leaves features out.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from quality import Cluster, read_clusters
from sklearn.linear_model import LogisticRegression

from service import Settings, Summarizer
from service.evaluation import rouge
from service.representation import TfidfRepresenter
from service.salience import (
    CONCEPT_FEATURES,
    MODES,
    SENTENCE_FEATURES,
    Head,
    SalienceModel,
    concept_table,
    concepts,
    sentence_columns,
)
from service.summarizer import Request, Work, represent, score_set, segment_set

# L2 strength of the logistic heads (sklearn's default C=1; 0.1 and 10 scored within 0.1 ROUGE in CV)
_C = 1.0
# the score parts are computed as the release computes them; the model is not needed for them
_PARTS_ONLY = Settings(salience="weights", selection="mmr")


@dataclass(frozen=True, slots=True)
class Example:
    """One cluster in one mode: feature columns and soft labels for both heads."""

    concept_columns: dict[str, np.ndarray]
    concept_labels: np.ndarray
    sentence_inputs: tuple[object, ...]  # (sentences, parts, incidence) for sentence_columns
    sentence_labels: np.ndarray


def examples(cluster: Cluster, words: int, mode: str) -> Example:
    query = cluster.query if mode == "query" else None
    work = Work(cluster.articles, (), Request(words, None, query, "off", lang=None, off_topic="keep", quotes=0))
    work = score_set(represent(segment_set(work), TfidfRepresenter(), _PARTS_ONLY.max_graph_sentences), _PARTS_ONLY)
    parts = work.scored.parts
    table = concept_table(work.sentences, parts, len(cluster.articles))
    held = [set(concepts(reference)) for reference in cluster.references]
    labels = np.array([sum(name in h for h in held) / len(held) for name in table.names])
    counts = np.maximum(np.asarray(table.incidence.sum(axis=1)).ravel(), 1.0)
    sentence_labels = np.asarray(table.incidence @ labels).ravel() / counts
    return Example(table.features, labels, (work.sentences, parts, table.incidence), sentence_labels)


def fit(columns: Sequence[dict[str, np.ndarray]], labels: Sequence[np.ndarray], features: tuple[str, ...]) -> Head:
    matrix = np.vstack([np.column_stack([c[f] for f in features]) for c in columns])
    y = np.concatenate(labels)
    mean, scale = matrix.mean(axis=0), matrix.std(axis=0)
    constant = scale == 0  # the bias column, and a feature that never varies in this data
    mean[constant], scale[constant] = 0.0, 1.0
    z = (matrix - mean) / scale
    model = LogisticRegression(C=_C, fit_intercept=False, max_iter=5000)
    model.fit(np.vstack([z, z]), np.r_[np.ones(len(y)), np.zeros(len(y))], sample_weight=np.r_[y, 1 - y])
    return Head(features, mean, scale, model.coef_[0])


def train(data: dict[str, list[Example]], exclude: frozenset[str]) -> SalienceModel:
    concept_heads, sentence_heads = {}, {}
    concept_features = tuple(f for f in CONCEPT_FEATURES if f not in exclude)
    sentence_features = tuple(f for f in SENTENCE_FEATURES if f not in exclude)
    for mode in MODES:
        rows = data[mode]
        head = fit([r.concept_columns for r in rows], [r.concept_labels for r in rows], concept_features)
        concept_heads[mode] = head
        columns = [
            sentence_columns(*r.sentence_inputs, head.predict(r.concept_columns))  # type: ignore[arg-type]
            for r in rows
        ]
        sentence_heads[mode] = fit(columns, [r.sentence_labels for r in rows], sentence_features)
    return SalienceModel(concept_heads, sentence_heads)


def cross_validate(
    clusters: list[Cluster], words: int, data: dict[str, list[Example]], folds: int, exclude: frozenset[str]
) -> None:
    scores: dict[str, list[tuple[float, float]]] = {"generic": [], "query": []}
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(folds):
            held_out = set(range(fold, len(clusters), folds))
            kept = {m: [e for i, e in enumerate(rows) if i not in held_out] for m, rows in data.items()}
            path = Path(tmp) / f"fold{fold}.json"
            path.write_text(train(kept, exclude).to_json(), encoding="utf-8")
            summarizer = Summarizer(Settings(salience_model=path))
            for i in sorted(held_out):
                cluster = clusters[i]
                for mode in MODES:
                    query = cluster.query if mode == "query" else None
                    brief = summarizer.summarize(cluster.articles, max_words=words, query=query).brief
                    recall = rouge(brief, cluster.references, words).recall
                    scores[mode].append((recall["rouge1"], recall["rouge2"]))
    for mode, values in scores.items():
        r1 = statistics.fmean(v[0] for v in values)
        r2 = statistics.fmean(v[1] for v in values)
        print(f"{folds}-fold leave-clusters-out, {mode}: ROUGE-1 {r1:.2f}  ROUGE-2 {r2:.2f}  ({len(values)} clusters)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, nargs="+", help="JSON Lines clusters with references (DUC)")
    parser.add_argument("--output", type=Path, help="where to write the model (service/data/salience.json)")
    parser.add_argument("--cv", type=int, metavar="K", help="K-fold leave-clusters-out CV instead (one data file)")
    parser.add_argument("--exclude", nargs="*", default=[], help="features to leave out")
    args = parser.parse_args()
    exclude = frozenset(args.exclude)
    if args.cv:
        if len(args.data) != 1:
            parser.error("--cv reads one data file")
        clusters, words = read_clusters(args.data[0], None)
        data = {mode: [examples(c, words, mode) for c in clusters] for mode in MODES}
        cross_validate(clusters, words, data, args.cv, exclude)
        return
    if args.output is None:
        parser.error("give --output or --cv")
    data = {mode: [] for mode in MODES}
    for path in args.data:
        clusters, words = read_clusters(path, None)
        for mode in MODES:
            data[mode] += [examples(c, words, mode) for c in clusters]
    args.output.write_text(train(data, exclude).to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.output} from {sum(len(r) for r in data.values()) // len(MODES)} clusters")


if __name__ == "__main__":
    main()
