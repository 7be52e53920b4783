"""The page-furniture patterns of service/data/boilerplate.toml, compiled once; cleaning.py applies them.

Each pattern lives in the data file only. The loader refuses an unbounded repeat (`*`, `+`,
`{n,}`): with every repeat bounded, searching a line costs at most a constant per character, so
no pattern can make cleaning quadratic on hostile input.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from service.lexicon import LEXICON, alternation

# escapes and character classes are skipped; what is left may not hold *, + or {n,}
_TOKENS = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]|(?P<unbounded>[*+]|\{\d*,\})|.", re.DOTALL)
_PLACEHOLDER = re.compile(r"\{(?P<name>[a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of furniture sentence: its patterns, tried only on text that holds one of its hints."""

    name: str
    hints: tuple[str, ...]  # lower-case; every match of `pattern` holds one
    source: str  # `pattern` before compiling

    @property
    def pattern(self) -> re.Pattern[str]:
        """Compiled the first time a text holds one of the kind's hints: most articles hold none of
        most kinds' hints (the seeds compile 2 of the 10), and compiling all ten takes ~6 ms of a start."""
        return _compiled(self.source)

    def found_in(self, text: str, lowered: str) -> bool:
        return any(hint in lowered for hint in self.hints) and self.pattern.search(text) is not None


@dataclass(frozen=True, slots=True)
class Boilerplate:
    trailer: re.Pattern[str]  # matched at the start of a line: the article body ends there
    dateline: re.Pattern[str]  # matched at the start of a line: stripped
    bullet: re.Pattern[str]  # matched at the start of a line: stripped
    embed_signature: re.Pattern[str]  # a whole line: it and the embedded post before it go
    line: re.Pattern[str]  # a whole line of furniture, any kind
    sentences: tuple[Kind, ...]  # searched: a sentence holding a match is furniture
    hints: re.Pattern[str]  # any hint of any sentence kind, in lower-cased text


def unbounded_repeats(pattern: str) -> list[str]:
    """The unbounded repeats in `pattern` (outside escapes and character classes)."""
    return [m.group("unbounded") for m in _TOKENS.finditer(pattern) if m.group("unbounded")]


def trie(words: Iterable[str]) -> str:
    """A regex matching any of `words`, built as a trie: at each position each character is tried
    once, where a flat alternation tries every word (3x faster on 67 hints)."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


def _names(words: tuple[str, ...]) -> str:
    """Names and their three- and four-letter abbreviations ("Sep", "Sept")."""
    return alternation(tuple(dict.fromkeys(w for name in words for w in (name, name[:3], name[:4]))))


def join_patterns(patterns: list[str], parts: dict[str, str]) -> str:
    """One regex for any of `patterns`, its `{part}` placeholders filled in."""
    for pattern in patterns:
        if unbounded_repeats(pattern):
            raise ValueError(f"boilerplate.toml: unbounded repeat in {pattern!r}; bound it, e.g. {{0,80}}")
    joined = "|".join(f"(?:{p})" for p in patterns)
    return _PLACEHOLDER.sub(lambda m: parts[m.group("name")], joined)


@cache
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source, re.IGNORECASE)


def compile_patterns(patterns: list[str], parts: dict[str, str]) -> re.Pattern[str]:
    """One case-insensitive regex for any of `patterns`, its `{part}` placeholders filled in."""
    return _compiled(join_patterns(patterns, parts))


def _load() -> Boilerplate:
    data = tomllib.loads(resources.files("service").joinpath("data/boilerplate.toml").read_text(encoding="utf-8"))
    parts = {"month": _names(LEXICON.months), "weekday": _names(LEXICON.weekdays)}
    for name, piece in data["parts"].items():  # a part may use the parts defined before it
        parts[name] = f"(?:{_PLACEHOLDER.sub(lambda m: parts[m.group('name')], piece)})"
    return Boilerplate(
        trailer=compile_patterns(data["trailer"], parts),
        dateline=compile_patterns(data["dateline"], parts),
        bullet=compile_patterns(data["bullet"], parts),
        embed_signature=compile_patterns(data["embed_signature"], parts),
        line=compile_patterns([p for kind in data["line"].values() for p in kind], parts),
        sentences=tuple(
            Kind(name, tuple(kind["hints"]), join_patterns(kind["patterns"], parts))
            for name, kind in data["sentence"].items()
        ),
        hints=re.compile(trie(hint for kind in data["sentence"].values() for hint in kind["hints"])),
    )


BOILERPLATE = _load()
