"""The pattern file: every repeat bounded (searches stay linear), hints that rule out text fast."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.boilerplate import BOILERPLATE, compile_patterns, trie, unbounded_repeats


@pytest.mark.parametrize(
    ("pattern", "unbounded"),
    [
        (r"\bsign up\b.{0,80}newsletter", []),
        (r"read more.*", ["*"]),
        (r"\w+ issues", ["+"]),
        (r"a{2,}", ["{2,}"]),
        (r"x{,5}y{3}", []),
        (r"[*+]\+\*", []),  # a class and escapes are literal characters
        (r"(?:a|b)*?", ["*"]),
    ],
)
def test_unbounded_repeats_are_found(pattern: str, unbounded: list[str]) -> None:
    assert unbounded_repeats(pattern) == unbounded


def test_the_loader_refuses_an_unbounded_pattern() -> None:
    with pytest.raises(ValueError, match="unbounded repeat"):
        compile_patterns([r"\bread more\b.*"], {})
    assert compile_patterns([r"\bupdated at {time}"], {"time": r"\d{1,2}:\d{2}"}).search("Updated at 9:41")


def test_every_pattern_of_the_data_file_is_bounded() -> None:
    patterns = [BOILERPLATE.trailer, BOILERPLATE.dateline, BOILERPLATE.bullet, BOILERPLATE.embed_signature]
    patterns += [BOILERPLATE.line, *(kind.pattern for kind in BOILERPLATE.sentences)]
    for pattern in patterns:
        assert not unbounded_repeats(pattern.pattern), pattern.pattern[:80]


def test_hints_are_lower_case_and_every_kind_has_some() -> None:
    for kind in BOILERPLATE.sentences:
        assert kind.hints, kind.name
        assert all(hint == hint.lower() for hint in kind.hints), kind.name


words = st.lists(st.text(alphabet="ab (/", min_size=1, max_size=5), min_size=1, max_size=8)


@given(words, st.text(alphabet="ab (/x", max_size=40))
def test_a_trie_finds_what_a_flat_alternation_finds(choices: list[str], text: str) -> None:
    assert (re.search(trie(choices), text) is not None) == any(word in text for word in choices)
