"""Faithful by construction: what a constrained rewrite may write, compiled for the decoders.

From the picked sentences come their words, their names as whole runs (any part of "US Secretary of
State Antony Blinken" that starts and ends with a capital, read as the faithfulness check reads
names), their numbers whole and their quotations whole; from closed lists, function words and
four punctuation marks. So a name, number, date or quotation can only be copied. Two names never
meet with only a space between (that would make a new name), a capitalised form of a word only
starts a sentence, and the text ends only after a full stop.

One rule, compiled two ways: `TokenConstraint`, a token trie walked while decoding in process
(transformers, llama.cpp), and `grammar`, a GBNF grammar for model servers that take one (the
llama.cpp server). The faithfulness check stays the last gate either way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from service.faithfulness import NAME_JOINERS, QUOTATION, names
from service.lexicon import LEXICON

# characters stripped from a word's ends: punctuation and quotes are written by their own rules
_EDGE = "\"“”‘’'()[]{},.;:!?"
PUNCTUATION = (".", ",", ";", ":")
_UNMEASURED = (10**9, 10**9)
# (tokens, words) still needed to finish from a context: after a sentence the end token, after a
# word or name "." and the end token; after a clause mark, the shortest unit too (measured)
_FINISH = {"sentence": (1, 0), "word": (2, 0), "name": (2, 0)}
# a name part is at most this many words ("US Secretary of State Antony Blinken" has 6): the parts
# of a run stay linear in its length, however long a hostile run of capitals is
_MAX_NAME_WORDS = 8
# deeper shared prefixes are written as a flat alternation (the grammar stays small and recursion bounded)
_MAX_NESTING = 40
_STARTS = frozenset(LEXICON.sentence_starts)


class Kind(Enum):
    WORD = "word"  # a word of the picked sentences, a number, or a function word
    JOINER = "joiner"  # "of", "de": inside names, never straight after one
    CAPITAL = "capital"  # a word's capitalised form: only to start a sentence
    NAME = "name"
    QUOTE = "quote"


# what may follow each context: unit kinds, punctuation, the end of the text
_ANY_UNIT = (Kind.WORD, Kind.JOINER, Kind.CAPITAL, Kind.NAME, Kind.QUOTE)
_INSIDE = (Kind.WORD, Kind.JOINER, Kind.NAME, Kind.QUOTE)


@dataclass(frozen=True, slots=True)
class Context:
    kinds: tuple[Kind, ...]
    punctuation: bool
    may_end: bool


CONTEXTS = {
    "start": Context(_ANY_UNIT, punctuation=False, may_end=False),
    "sentence": Context(_ANY_UNIT, punctuation=False, may_end=True),  # after "." or a quotation ending one
    "clause": Context(_INSIDE, punctuation=False, may_end=False),  # after , ; :
    "word": Context(_INSIDE, punctuation=True, may_end=False),
    "name": Context((Kind.WORD, Kind.QUOTE), punctuation=True, may_end=False),
    # after "Mr." or "U.S.": no full stop on top, and no name or capital (one would join it)
    "abbreviation": Context((Kind.WORD, Kind.QUOTE), punctuation=False, may_end=False),
}


def after(kind: Kind, unit: str) -> str:
    """The context a unit leaves: a quotation as its last mark inside says."""
    if kind is not Kind.QUOTE and (unit.endswith(".") or (len(unit) == 1 and unit.isupper())):
        return "abbreviation"  # "Mr.", "U.S.", "A": a full stop after it would not end a sentence
    if kind is Kind.NAME or (kind is Kind.CAPITAL and unit.lower() not in _STARTS):
        return "name"  # the check reads a capital it does not know as a sentence start as a name
    if kind is Kind.QUOTE:
        mark = unit[-2:-1]
        return "sentence" if mark in ".?!" else "clause" if mark in ",;:" else "word"
    return "word"


def _punctuation_after(mark: str) -> str:
    return "sentence" if mark == "." else "clause"


@dataclass(frozen=True, slots=True)
class Units:
    """Everything a constrained rewrite may write, by kind."""

    by_kind: dict[Kind, frozenset[str]]

    def __getitem__(self, kind: Kind) -> frozenset[str]:
        return self.by_kind[kind]


def _name_parts(run: str) -> list[str]:
    """Every contiguous part of a name run that starts and ends with a capitalised word (a dotted
    last word keeps its full stop: "U.S.")."""
    words = run.split()
    if "." in words[-1]:
        words[-1] = words[-1].rstrip(".") + "."
    capital = [i for i, w in enumerate(words) if w[:1].isupper()]
    return [" ".join(words[i : j + 1]) for a, i in enumerate(capital) for j in capital[a:] if j - i < _MAX_NAME_WORDS]


def units(sentences: Sequence[str]) -> Units:
    words: set[str] = set()
    name_units: set[str] = set()
    quotes: set[str] = set()
    for sentence in sentences:
        quotes.update(QUOTATION.findall(sentence))
        runs = names(sentence)
        in_names = {w.strip(_EDGE) for run in runs for w in run.split()}
        for run in runs:
            name_units.update(_name_parts(run))
        for chunk in sentence.split():
            word = chunk.strip(_EDGE)
            if word and word not in in_names:
                # a capital here starts the sentence ("The"): names are in runs
                words.add(word.lower() if word[:1].isupper() else word)
    function = set(LEXICON.function_words)
    joiners = set(NAME_JOINERS)
    plain = (words | function) - joiners
    # a capital reads as a name unless the check knows it as a sentence start, or finds the word
    starts = words | ((function | joiners) & _STARTS)
    capitals = {w[:1].upper() + w[1:] for w in starts if w[:1].islower()}
    return Units(
        {
            Kind.WORD: frozenset(plain),
            Kind.JOINER: frozenset(joiners),
            Kind.CAPITAL: frozenset(capitals),
            Kind.NAME: frozenset(name_units),
            Kind.QUOTE: frozenset(quotes),
        }
    )


# -- in-process decoders: a token trie


@dataclass(eq=False, slots=True)
class _Node:
    children: dict[int, list[_Node]] = field(default_factory=dict)
    leaves: str | None = None  # a unit ends here: the context it leaves
    words: int = 0  # of the unit ending here
    min_tokens: int = 0  # fewest tokens from here to a finished text (the end token included)
    min_words: int = 0  # fewest words from here to a finished text (this unit's included)
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # tokens, their min_tokens, min_words


def _insert(root: _Node, tokens: Sequence[int], leaves: str, words: int) -> None:
    node = root
    for token in tokens:
        targets = node.children.setdefault(token, [])
        if not targets:
            targets.append(_Node())
        node = targets[0]
    node.leaves, node.words = leaves, words


def _measure(root: _Node, finish: dict[str, tuple[int, int]]) -> None:
    """min_tokens / min_words of every node below `root`, children first (no recursion)."""
    order, todo = [], [root]
    while todo:
        node = todo.pop()
        order.append(node)
        todo.extend(t for targets in node.children.values() for t in targets)
    for node in reversed(order):
        options = [(1 + t.min_tokens, t.min_words) for targets in node.children.values() for t in targets]
        if node.leaves is not None:
            tokens, words = finish[node.leaves]
            options.append((tokens, node.words + words))
        node.min_tokens = min((o[0] for o in options), default=_UNMEASURED[0])
        node.min_words = min((o[1] for o in options), default=_UNMEASURED[1])


def _arrays(node: _Node) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if node.arrays is None:
        tokens = sorted(node.children)
        node.arrays = (
            np.array(tokens, dtype=np.int64),
            np.array([min(1 + t.min_tokens for t in node.children[k]) for k in tokens], dtype=np.int64),
            np.array([min(t.min_words for t in node.children[k]) for k in tokens], dtype=np.int64),
        )
    return node.arrays


class TokenConstraint:
    """Which tokens may come next, given the tokens generated so far (a small NFA over tries).

    `tokenize` turns texts into token ids without special tokens; `ends` are the end-of-text
    tokens. The text keeps within `max_words` words and `max_tokens` tokens and closes with a full
    stop: near either limit only what can still finish is allowed. It may not end before
    `min_words` words, unless the token limit leaves nothing else.
    """

    def __init__(
        self,
        allowed_units: Units,
        tokenize: Callable[[list[str]], list[list[int]]],
        ends: Sequence[int],
        max_words: int,
        max_tokens: int,
        min_words: int = 0,
    ) -> None:
        self.ends = np.array(sorted(set(ends)), dtype=np.int64)
        self.max_words, self.max_tokens, self.min_words = max_words, max_tokens, min_words
        self.contexts = self._build(allowed_units, tokenize)
        self._active: list[tuple[_Node, int]] = [(self.contexts["start"], 0)]
        self._seen = 0

    def _build(self, allowed: Units, tokenize: Callable[[list[str]], list[list[int]]]) -> dict[str, _Node]:
        entries = [(kind, unit) for kind in Kind for unit in sorted(allowed[kind])]
        texts = [" " + unit for _, unit in entries] + [unit for _, unit in entries] + list(PUNCTUATION)
        ids = tokenize(texts)
        spaced, bare, marks = ids[: len(entries)], ids[len(entries) : 2 * len(entries)], ids[2 * len(entries) :]
        roots = {(kind, form): _Node() for kind in Kind for form in ("spaced", "bare")}
        for (kind, unit), with_space, without in zip(entries, spaced, bare, strict=True):
            words = len(unit.split())
            if with_space:
                _insert(roots[kind, "spaced"], with_space, after(kind, unit), words)
            if without:
                _insert(roots[kind, "bare"], without, after(kind, unit), words)
        punctuation = _Node()
        for mark, tokens in zip(PUNCTUATION, marks, strict=True):
            if tokens:
                _insert(punctuation, tokens, _punctuation_after(mark), 0)
        contexts = {}
        for name, context in CONTEXTS.items():
            merged = [roots[kind, "spaced"] for kind in context.kinds]
            if name == "start":
                merged += [roots[kind, "bare"] for kind in context.kinds]
            if context.punctuation:
                merged.append(punctuation)
            node = _Node()
            for root in merged:
                for token, targets in root.children.items():
                    node.children.setdefault(token, []).extend(targets)
            contexts[name] = node
        # after a clause mark or an abbreviation the shortest unit must still come: measured
        # without those endings first, then with them
        finish = {**_FINISH, "clause": _UNMEASURED, "abbreviation": _UNMEASURED}
        for _ in range(2):
            for root in [*roots.values(), punctuation]:
                _measure(root, finish)
            for name in ("clause", "abbreviation"):
                shortest = [(1 + t.min_tokens, t.min_words) for ts in contexts[name].children.values() for t in ts]
                finish[name] = min(shortest, default=_UNMEASURED)
        return contexts

    def _expanded(self) -> list[tuple[_Node, int, bool]]:
        """The active nodes, plus the context after each unit that may end there: (node, words so
        far, may the text end here)."""
        out = []
        for node, words in self._active:
            out.append((node, words, node in self._ending))
            if node.leaves is not None:
                context = self.contexts[node.leaves]
                out.append((context, words + node.words, CONTEXTS[node.leaves].may_end))
        return out

    @property
    def _ending(self) -> tuple[_Node, ...]:
        return tuple(self.contexts[name] for name, c in CONTEXTS.items() if c.may_end)

    def _advance(self, token: int) -> None:
        moved: dict[tuple[int, int], tuple[_Node, int]] = {}
        for node, words, _ in self._expanded():
            for target in node.children.get(token, ()):
                moved[id(target), words] = (target, words)
        self._active = list(moved.values())
        self._seen += 1

    def allowed(self, generated: Sequence[int]) -> np.ndarray:
        """Token ids that may come after `generated` (the end tokens once nothing else can)."""
        for token in generated[self._seen :]:
            self._advance(int(token))
        left = self.max_tokens - self._seen
        found, may_end = [], False
        for node, words, ending in self._expanded():
            may_end = may_end or (ending and words >= self.min_words)
            tokens, min_tokens, min_words = _arrays(node)
            found.append(tokens[(min_tokens <= left) & (words + min_words <= self.max_words)])
        if may_end or not any(len(f) for f in found):
            found.append(self.ends)
        return np.unique(np.concatenate(found))


def mask(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """`scores` (one row of logits) with every token outside `allowed` at -inf. When a repetition
    rule already pushed all of `allowed` to -inf, they get equal scores instead (lowest id wins)."""
    out = np.full_like(scores, -np.inf)
    kept = scores[allowed]
    out[allowed] = kept if np.isfinite(kept).any() else 0.0
    return out


# -- model servers: a GBNF grammar


def _literal(text: str) -> str:
    """A GBNF string literal: quote and backslash escaped, control characters as \\xHH or \\uHHHH
    (a grammar the server cannot parse can take the server down: the llama.cpp server does)."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif not char.isprintable() and ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        elif not char.isprintable():
            out.append(f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _alternation(strings: Sequence[str], depth: int = 0) -> str:
    """A GBNF expression matching exactly `strings` (sorted, distinct, non-empty), shaped as a trie,
    so the server's grammar keeps one branch per shared prefix instead of one per string."""
    if depth >= _MAX_NESTING or len(strings) == 1:
        return " | ".join(_literal(s) for s in strings)
    branches = []
    groups: dict[str, list[str]] = {}
    for s in strings:
        groups.setdefault(s[0], []).append(s)
    for group in groups.values():
        if len(group) == 1:
            branches.append(_literal(group[0]))
            continue
        first, last = min(group), max(group)  # the sorted ends share the whole group's prefix
        size = next(
            (i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), min(len(first), len(last))
        )
        prefix = first[:size]
        rest = [s[len(prefix) :] for s in group]
        tails = [r for r in rest if r]
        inner = f"({_alternation(tails, depth + 1)})" + ("?" if len(tails) < len(rest) else "")
        branches.append(f"{_literal(prefix)} {inner}")
    return " | ".join(branches)


def grammar(allowed: Units) -> str:
    """The same rule as `TokenConstraint` (less the length limits: the server's max_tokens) as GBNF."""
    groups: dict[tuple[Kind, str], list[str]] = {}
    for kind in Kind:
        for unit in sorted(allowed[kind]):
            groups.setdefault((kind, after(kind, unit)), []).append(unit)
    rules = {f"{kind.value}-{leaves}": _alternation(strings) for (kind, leaves), strings in groups.items()}
    lines = ["root ::= ctx-start"]
    for name, context in CONTEXTS.items():
        steps = [f"{kind.value}-{leaves} ctx-{leaves}" for (kind, leaves) in groups if kind in context.kinds]
        units_part = "(" + " | ".join(steps) + ")"
        options = [(' " "? ' if name == "start" else ' " " ') + units_part]
        if context.punctuation:
            options += ['"." ctx-sentence', "[,;:] ctx-clause"]
        body = " | ".join(o.strip() for o in options)
        lines.append(f"ctx-{name} ::= ({body})?" if context.may_end else f"ctx-{name} ::= {body}")
    lines += [f"{rule} ::= {expression}" for rule, expression in rules.items()]
    return "\n".join(lines) + "\n"
