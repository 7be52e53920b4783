"""Learned salience: how likely a bigram, and how valuable a sentence, is to appear in a human brief.

Two small linear models trained on DUC (benchmarks/train_salience.py) from features the pipeline
already computes, in the manner of supervised bigram ILP (Li, Qian & Liu 2013) and RegSum's word
importance (Hong & Nenkova 2014): a *concept* model scores each stemmed bigram of the set from how
it is spread (share of articles, frequency, earliest position) and from the score parts of the
sentences that hold it; a *sentence* model scores each sentence from its parts and the concept
weights it carries. The shipped file (data/salience.json) holds weights and feature names only:
no text, no n-gram of the training data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain, pairwise
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import Stemmer

from service import textcache
from service.errors import InputError
from service.languages import stopwords
from service.records import LONGEST_SENTENCE, Sentence

_WORD = re.compile(r"[^\W_]+")
_STEMMER = Stemmer.Stemmer("english")

# feature names: the model file names the features it was trained on, in this vocabulary
CONCEPT_FEATURES = (
    "bias",
    "doc_share",  # share of the set's articles that use the bigram
    "log_count",  # log(1 + occurrences in the set)
    "log_docs",  # log(1 + articles using it)
    "first_position",  # best position prior of a sentence holding it
    "mean_position",
    "centrality_max",
    "centrality_mean",
    "support_max",
    "terms_max",
    "word_share_min",  # smallest share of articles that use one of its content words
    "word_share_max",
    "stopword",  # one of its two words is a stop word
    "capitalised",  # share of occurrences with a capitalised word not at the sentence start
    "digit",
    "query_max",  # best query relevance of a sentence holding it
)
SENTENCE_FEATURES = (
    "bias",
    "centrality",
    "support",
    "position",
    "length",
    "terms",
    "query",
    "log_words",
    "concept_density",  # concept weight carried, per square-root word
    "concept_mean",
    "concept_max",
)
MODES = ("generic", "query")


@dataclass(frozen=True, slots=True)
class Head:
    """One logistic model: standardised features → probability."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray

    def predict(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        matrix = np.column_stack([columns[name] for name in self.features])
        z = ((matrix - self.mean) / self.scale) @ self.coef
        probability: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return probability


@dataclass(frozen=True, slots=True)
class SalienceModel:
    """A concept head and a sentence head per mode (generic, query)."""

    concept: Mapping[str, Head]
    sentence: Mapping[str, Head]

    def to_json(self) -> str:
        def head(h: Head) -> dict[str, object]:
            return {
                "features": list(h.features),
                "mean": [round(float(x), 8) for x in h.mean],
                "scale": [round(float(x), 8) for x in h.scale],
                "coef": [round(float(x), 8) for x in h.coef],
            }

        return json.dumps(
            {
                "concept": {m: head(h) for m, h in self.concept.items()},
                "sentence": {m: head(h) for m, h in self.sentence.items()},
            },
            indent=1,
        )


def _head(data: Mapping[str, object], known: tuple[str, ...]) -> Head:
    features = tuple(str(f) for f in data["features"])  # type: ignore[attr-defined]
    unknown = sorted(set(features) - set(known))
    if unknown:
        raise InputError(f"salience model: unknown features {', '.join(unknown)}", param="salience_model")
    arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
    if any(a.shape != (len(features),) for a in arrays):
        raise InputError("salience model: mean, scale and coef need one value per feature", param="salience_model")
    return Head(features, *arrays)


def parse_model(text: str) -> SalienceModel:
    try:
        data = json.loads(text)
        return SalienceModel(
            {m: _head(data["concept"][m], CONCEPT_FEATURES) for m in MODES},
            {m: _head(data["sentence"][m], SENTENCE_FEATURES) for m in MODES},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"salience model: not a model file ({exc})", param="salience_model") from None


@cache
def load_model(path: Path | None = None) -> SalienceModel:
    """The model at `path`, or the shipped one; read once per path."""
    if path is None:
        return parse_model(resources.files("service").joinpath("data/salience.json").read_text(encoding="utf-8"))
    try:
        return parse_model(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"salience model: cannot read {path}: {exc.strerror}", param="salience_model") from None


# scikit-learn's English list (data/stopwords_en.txt), without importing scikit-learn
_STOP = stopwords("en")


@textcache.text_cache
def _read(text: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    words = _WORD.findall(text)
    return tuple(_STEMMER.stemWords([w.lower() for w in words])), tuple(
        i > 0 and w[:1].isupper() for i, w in enumerate(words)
    )


def _tokens(text: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """Stemmed lower-case words (stop words kept: they are half of most bigrams) and whether each
    is written capitalised after the first word; cached, since a trimmed contender is read again."""
    return _read(text[:LONGEST_SENTENCE])  # longer is no sentence a brief uses as written


def concepts(text: str) -> list[str]:
    """The distinct concepts of `text`, in order: its stemmed bigrams that hold a content word.

    Content words as concepts too (weighted by the same model, scaled 0.1 or 0.3) scored the same
    or lower in leave-clusters-out CV on both DUC sets (train_salience.py --cv; not recorded in the docs).
    """
    stems, _ = _tokens(text)
    return list(dict.fromkeys([f"{a} {b}" for a, b in pairwise(stems) if a not in _STOP or b not in _STOP]))


@dataclass(frozen=True, slots=True)
class Concepts:
    """The set's concepts: `names[j]` is a concept, `incidence[i, j]` = sentence i holds it."""

    names: tuple[str, ...]
    incidence: sp.csr_matrix
    features: dict[str, np.ndarray]


def _per_concept(concept: np.ndarray, values: np.ndarray, m: int, reduce: str) -> np.ndarray:
    out = np.zeros(m)
    if reduce == "max":
        np.maximum.at(out, concept, values)
    else:
        np.add.at(out, concept, values)
    return out


def _token_arrays(sentences: Sequence[Sentence]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The candidates' stemmed words as one stream: the vocabulary, and per token its word id, its
    sentence and whether it is capitalised."""
    read = [_tokens(s.text) for s in sentences]
    stream = list(chain.from_iterable(stems for stems, _ in read))
    vocabulary = list(dict.fromkeys(stream))  # in order of first use
    word_id = {w: i for i, w in enumerate(vocabulary)}
    return (
        vocabulary,
        np.fromiter(map(word_id.__getitem__, stream), dtype=np.int64, count=len(stream)),
        np.repeat(np.arange(len(read), dtype=np.int64), [len(stems) for stems, _ in read]),
        np.fromiter(chain.from_iterable(caps for _, caps in read), dtype=bool, count=len(stream)),
    )


def concept_table(sentences: Sequence[Sentence], parts: Mapping[str, np.ndarray], doc_count: int) -> Concepts:
    """Every concept of the candidates with its features (CONCEPT_FEATURES); Python touches each
    word once, the rest is array work."""
    words, token, sentence, cap = _token_arrays(sentences)
    v = len(words)
    doc_of = np.array([s.doc_pos for s in sentences], dtype=np.int64)
    stop = np.array([w in _STOP for w in words], dtype=bool)
    digit = np.array([any(map(str.isdigit, w)) for w in words], dtype=bool)
    # the bigrams within a sentence that hold a content word, as keys a * v + b
    pair = sentence[1:] == sentence[:-1]
    first, second = token[:-1][pair], token[1:][pair]
    bigram = ~(stop[first] & stop[second])
    keys = first[bigram] * v + second[bigram]
    holder = sentence[:-1][pair][bigram]
    capitalised = (cap[:-1][pair] | cap[1:][pair])[bigram]
    unique, concept = np.unique(keys, return_inverse=True)
    m = len(unique)
    a, b = unique // v, unique % v
    # one row per (sentence, concept) that holds it
    occurrence, where = np.unique(holder * m + concept, return_inverse=True)
    rows, cols = occurrence // m, occurrence % m
    held_capitalised = _per_concept(where, capitalised.astype(np.float64), len(occurrence), "max")
    counts = np.bincount(cols, minlength=m).astype(np.float64)
    docs = np.bincount(np.unique(cols * (doc_count + 1) + doc_of[rows]) // (doc_count + 1), minlength=m)
    word_docs = np.bincount(np.unique(token * (doc_count + 1) + doc_of[sentence]) // (doc_count + 1), minlength=v)
    share = word_docs / max(doc_count, 1)
    content_a = np.where(stop[a], np.inf, share[a])
    content_b = np.where(stop[b], np.inf, share[b])
    low = np.minimum(content_a, content_b)
    high = np.maximum(np.where(stop[a], -np.inf, share[a]), np.where(stop[b], -np.inf, share[b]))
    zeros = np.zeros(len(sentences))

    def best(values: np.ndarray) -> np.ndarray:
        return _per_concept(cols, values[rows], m, "max")

    def average(values: np.ndarray) -> np.ndarray:
        return _per_concept(cols, values[rows], m, "sum") / np.maximum(counts, 1.0)

    names = tuple(map(" ".join, zip([words[x] for x in a.tolist()], [words[y] for y in b.tolist()], strict=True)))
    features = {
        "bias": np.ones(m),
        "doc_share": docs / max(doc_count, 1),
        "log_count": np.log1p(counts),
        "log_docs": np.log1p(docs),
        "first_position": best(parts["position"]),
        "mean_position": average(parts["position"]),
        "centrality_max": best(parts["centrality"]),
        "centrality_mean": average(parts["centrality"]),
        "support_max": best(parts["support"]),
        "terms_max": best(parts["terms"]),
        "word_share_min": low,
        "word_share_max": high,
        "stopword": (stop[a] | stop[b]).astype(np.float64),
        "capitalised": _per_concept(cols, held_capitalised, m, "sum") / np.maximum(counts, 1.0),
        "digit": (digit[a] | digit[b]).astype(np.float64),
        "query_max": best(parts.get("query", zeros)),
    }
    incidence = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(sentences), m))
    return Concepts(names, incidence, features)


def sentence_columns(
    sentences: Sequence[Sentence], parts: Mapping[str, np.ndarray], incidence: sp.csr_matrix, weight: np.ndarray
) -> dict[str, np.ndarray]:
    """SENTENCE_FEATURES of every candidate, given the concept weights."""
    words = np.array([max(s.words, 1) for s in sentences], dtype=np.float64)
    carried = np.asarray(incidence @ weight).ravel()
    held = np.maximum(np.asarray(incidence.sum(axis=1)).ravel(), 1.0)
    top = np.zeros(len(sentences))
    coo = incidence.tocoo()
    np.maximum.at(top, coo.row, weight[coo.col])
    zeros = np.zeros(len(sentences))
    return {
        "bias": np.ones(len(sentences)),
        **{name: parts.get(name, zeros) for name in ("centrality", "support", "position", "length", "terms", "query")},
        "log_words": np.log(words),
        "concept_density": carried / np.sqrt(words),
        "concept_mean": carried / held,
        "concept_max": top,
    }


@dataclass(frozen=True, slots=True)
class Learned:
    """The learned weight of every concept of the set, and every candidate's learned salience
    (the sentence head's probability, scaled to a maximum of 1 like the score parts)."""

    concepts: Mapping[str, float]
    total: np.ndarray


def learn(
    sentences: Sequence[Sentence], parts: Mapping[str, np.ndarray], doc_count: int, model: SalienceModel
) -> Learned:
    """Concept weights, then sentence salience, with the generic or the query heads (a query part
    that is all zeros means no query was given)."""
    mode = "query" if parts["query"].any() else "generic"
    table = concept_table(sentences, parts, doc_count)
    weight = model.concept[mode].predict(table.features)
    sentence = model.sentence[mode].predict(sentence_columns(sentences, parts, table.incidence, weight))
    top = float(sentence.max(initial=0.0))
    return Learned(dict(zip(table.names, weight.tolist(), strict=True)), sentence / top if top > 0 else sentence)
