"""Derive service/data/punkt_en_line.json.gz from nupunkt-rs's English model
(MIT, (c) the nupunkt authors).

    python benchmarks/punkt_model.py

The default model holds, for each of ~88,000 word types, how often every other type followed it
(2.4 million collocation counts); loading it peaks at ~290 MiB and takes ~1 s of CPU. nupunkt-rs
0.1.1 (src/decision.rs) breaks after a token ending in . ! or ? when a sum of evidence reaches a
threshold: the token's abbreviation term, the collocation term of (token, next), the next token's
case, its sentence-starter term, the orthographic term and the whitespace term. Only what cannot
change that decision is dropped here, so the pruned model splits every text exactly as the default:

- a collocation count of (w1, w2) when, for every context the decider can meet (next token upper,
  lower or neither; every whitespace weight, scaled or not; w1's abbreviation term or none), the sum
  with and without the count falls on the same side of the threshold, by more than _MARGIN;
- an orthographic entry that decides as an absent one (0) for every case of the next token;
- a word type's statistics once no count is left and its other terms are 0 (a type with periods
  only in training, or a frequent starter, keeps them);
- the file name of provided abbreviations (only the decider's explanations print it).

The model holds for text without a newline, where the whitespace term has fewer values (no newline
or paragraph break after a token), so it keeps about half the counts of one for any text:
service/segmentation.py reads a paragraph's soft line breaks as spaces.

tests/test_segmentation.py compares the pruned model with the default on the test data.
"""

from __future__ import annotations

import gzip
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import nupunkt_rs

DATA = Path(__file__).resolve().parents[1] / "service" / "data"
# the decider's precision/recall balance: SentenceTokenizer's default, which service/segmentation.py keeps
_PR = 0.5
# a count whose sums come closer than this to the threshold is kept (guards this file's port of the
# decider against rounding; the port repeats its float operations in its order)
_MARGIN = 1e-9
# nupunkt-rs src/core.rs: orthographic context bits
_BEG_UC, _MID_UC, _UNK_UC, _BEG_LC, _MID_LC, _UNK_LC = (1 << bit for bit in range(1, 7))
_UC, _LC = _BEG_UC | _MID_UC | _UNK_UC, _BEG_LC | _MID_LC | _UNK_LC
_CASES = ("upper", "lower", "other")


def _ln(x: float) -> float:
    """Rust's f64::ln: NaN below 0, -inf at 0."""
    return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)


def _dunning(count_a: int, count_b: int, count_ab: int, n: int) -> float:
    """src/statistics.rs dunning_log_likelihood."""
    if n == 0 or count_a == 0 or count_ab > count_a:
        return 0.0
    p1, p2 = count_b / n, 0.99
    null = (count_ab * _ln(p1 + 1e-8) if count_ab else 0.0) + (
        (count_a - count_ab) * _ln(1.0 - p1 + 1e-8) if count_a > count_ab else 0.0
    )
    alt = (count_ab * _ln(p2) if count_ab else 0.0) + (
        (count_a - count_ab) * _ln(1.0 - p2) if count_a > count_ab else 0.0
    )
    ll = -2.0 * (null - alt)
    return 0.0 if math.isnan(ll) or math.isinf(ll) else ll * 1.5


class _Decider:
    """The terms of src/decision.rs SentenceBoundaryDecider::decide at balance _PR."""

    def __init__(self, model: dict[str, Any], whitespace: list[float]) -> None:
        self.model = model
        self.whitespace = whitespace
        weights = model["decision_weights"]
        index = round(_PR * 10)

        def weight(name: str) -> float:
            values: list[float] = weights[name]
            return values[min(index, len(values) - 1)]

        self.weight = weight
        self.threshold = weight("break_thresholds")
        self.starters = set(model["sent_starters"])

    def abbreviation(self, word: str) -> float:
        """evaluate_abbreviation for `word` followed by a period."""
        kind = self.model["abbrev_types"].get(word)
        if kind is not None:
            if "Provided" in kind:
                return self.weight("provided_abbrev_weights")
            confidence: float = kind["Learned"]["confidence"]
            return self.weight("learned_abbrev_weights") * confidence
        stats = self.model["token_stats"].get(word)
        if stats is None:
            return 0.0
        with_period, without = stats["count_with_period"], stats["count_without_period"]
        if with_period == 0 and without == 0:
            score = 0.0
        else:
            score = _dunning(
                with_period + without, self.model["total_period_tokens"], with_period, self.model["total_tokens"]
            )
        return -max(-1.0, min(1.0, score / 100.0)) * (0.1 + 0.5 * _PR)

    def starter(self, word: str) -> float:
        """evaluate_sentence_starter for a next token of type `word`."""
        if word in self.starters:
            return self.weight("starter_weights")
        stats = self.model["token_stats"].get(word)
        if stats and stats["count_as_starter"] > 0 and stats["count_without_period"] > 0:
            ratio: float = stats["count_as_starter"] / stats["count_without_period"]
            if ratio > 0.5:
                return ratio * self.weight("starter_ratio_multipliers")
        return 0.0

    def capital(self, case: str) -> float:
        if case == "upper":
            return self.weight("capital_weights")
        return self.weight("lowercase_next_weights") if case == "lower" else 0.0

    def ortho(self, context: int, case: str) -> float:
        """evaluate_orthographic for a token whose orthographic context is `context`."""
        if case == "upper" and context & _LC and not context & _MID_UC:
            return self.weight("ortho_positive_weights")
        if case == "lower" and (context & _UC or not context & _BEG_LC):
            return self.weight("ortho_negative_weights")
        return 0.0

    def needed_counts(self, pairs: list[tuple[str, str, int]]) -> np.ndarray:
        """For each collocation count (w1, w2, count): whether dropping it could change a decision."""
        known = {tuple(pair) for pair in self.model["collocations"]}  # decided before the counts are read
        colloc = abs(self.weight("colloc_weights"))
        ortho_context, abbrev_types = self.model["ortho_context"], self.model["abbrev_types"]
        terms = np.array([-(math.log(count) / 10.0) * colloc for _, _, count in pairs])
        abbreviations = np.array([self.abbreviation(w1) for w1, _, _ in pairs])
        # a type ending in ! or ? is also looked up after that mark, without the abbreviation term
        after_mark = np.array(
            [0.0 if w1[-1] in "!?" else a for (w1, _, _), a in zip(pairs, abbreviations, strict=True)]
        )
        provided = np.array(["Provided" in abbrev_types.get(w1, {}) for w1, _, _ in pairs])
        starters = np.array([self.starter(w2) for _, w2, _ in pairs])
        needed = np.zeros(len(pairs), dtype=bool)
        for case in _CASES:
            capital = self.capital(case)
            orthos = np.array([self.ortho(ortho_context.get(w1, 0), case) for w1, _, _ in pairs])
            for abbreviation in (abbreviations, after_mark):
                for whitespace in (
                    w for value in self.whitespace for w in (value, np.where(provided, value * 0.1, value))
                ):
                    # summed in decide's order: abbreviation, collocation, case, starter, ortho, whitespace
                    with_count = (abbreviation + terms) + capital + starters + orthos + whitespace
                    without = (abbreviation + 0.0) + capital + starters + orthos + whitespace
                    flips = (with_count >= self.threshold) != (without >= self.threshold)
                    close = np.minimum(np.abs(with_count - self.threshold), np.abs(without - self.threshold)) <= _MARGIN
                    needed |= flips | (close & (terms != 0.0))
        needed &= np.array([(w1, w2) not in known for w1, w2, _ in pairs])
        return needed


# evaluate_whitespace's weights that a token ending in . ! or ? can get in one line (after a provided
# abbreviation also times 0.1): double space, the line's first token, none
ONE_LINE = [0.4 + 0.1 * _PR, 0.6, 0.0]


def prune(model: dict[str, Any], whitespace: list[float]) -> dict[str, Any]:
    """The model less what cannot change a decision where the whitespace term takes these values
    (see the module's docstring)."""
    decider = _Decider(model, whitespace)
    stats = model["token_stats"]
    pairs = [(w1, w2, n) for w1, s in stats.items() for w2, n in s["collocation_counts"].items()]
    needed = decider.needed_counts(pairs)
    for s in stats.values():
        s["collocation_counts"] = {}
    for (w1, w2, n), keep in zip(pairs, needed, strict=True):
        if keep:
            stats[w1]["collocation_counts"][w2] = n
    model["ortho_context"] = {
        word: context
        for word, context in model["ortho_context"].items()
        if any(decider.ortho(context, case) != decider.ortho(0, case) for case in _CASES)
    }
    model["token_stats"] = {
        word: s
        for word, s in stats.items()
        if s["collocation_counts"]
        or (word not in model["abbrev_types"] and decider.abbreviation(word) != 0.0)
        or decider.starter(word) != 0.0
    }
    for kind in model["abbrev_types"].values():
        if "Provided" in kind:
            kind["Provided"]["source"] = ""
    return model


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json.gz"
        nupunkt_rs.load_default_model().save(str(path))
        data = gzip.decompress(path.read_bytes())
    model = prune(json.loads(data), ONE_LINE)
    counts = sum(len(s["collocation_counts"]) for s in model["token_stats"].values())
    target = DATA / "punkt_en_line.json.gz"
    # compact separators: nupunkt-rs holds the whole JSON text while it parses it
    target.write_bytes(gzip.compress(json.dumps(model, separators=(",", ":")).encode(), mtime=0))
    print(
        f"{target}: {target.stat().st_size:,} bytes; {counts:,} collocation counts, "
        f"{len(model['token_stats']):,} word types' statistics, "
        f"{len(model['ortho_context']):,} orthographic contexts"
    )


if __name__ == "__main__":
    main()
