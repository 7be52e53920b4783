"""The copy constraint (service/backends/constraint.py) on its own: what it lets a decoder write.

A character tokenizer (every character one token) drives it here: the rule is about token
sequences, and with one token per character every way to spell a text is visible. The real
tokenizers run it in tests/test_rewrite_model.py and tests/test_rewrite_llama.py.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.backends.constraint import Kind, TokenConstraint, grammar, mask, units
from service.faithfulness import QUOTATION, check

SENTENCES = [
    "US Secretary of State Antony Blinken met Chinese Foreign Minister Qin Gang in Beijing on Sunday.",
    "It's been over five months since the last visit, and 1,200 people were evacuated.",
    '"We will keep talking," Mr. Blinken told reporters on Friday.',
]
END = 0


class Characters:
    """One token per character (ids from 1; 0 ends the text)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __call__(self, texts: list[str]) -> list[list[int]]:
        return [[self.ids.setdefault(c, len(self.ids) + 1) for c in text] for text in texts]

    def decode(self, tokens: list[int]) -> str:
        chars = {i: c for c, i in self.ids.items()}
        return "".join(chars[t] for t in tokens if t != END)


def constraint(max_words: int = 60, max_tokens: int = 600, min_words: int = 0) -> tuple[TokenConstraint, Characters]:
    tokenizer = Characters()
    return TokenConstraint(units(SENTENCES), tokenizer, [END], max_words, max_tokens, min_words), tokenizer


def accepts(text: str, **limits: int) -> bool:
    """Whether a decoder held by the constraint can write exactly `text` and stop."""
    rule, tokenizer = constraint(**limits)
    generated: list[int] = []
    for token in tokenizer([text])[0]:
        if token not in rule.allowed(generated):
            return False
        generated.append(token)
    return END in rule.allowed(generated)


def test_units_read_names_numbers_and_quotations() -> None:
    found = units(SENTENCES)
    assert {"Antony Blinken", "Qin Gang", "US Secretary of State Antony Blinken", "Blinken", "Sunday"} <= found[
        Kind.NAME
    ]
    assert "Secretary of" not in found[Kind.NAME]  # a name part starts and ends with a capital
    assert {"1,200", "met", "evacuated", "months"} <= found[Kind.WORD]
    assert '"We will keep talking,"' in found[Kind.QUOTE]
    assert {"Met", "The"} <= found[Kind.CAPITAL]
    assert "Blinken" not in found[Kind.WORD]  # a name is written as a name


@pytest.mark.parametrize(
    "text",
    [
        SENTENCES[0],
        "Blinken met Qin Gang in Beijing on Sunday.",
        "The US Secretary of State met Qin Gang. Over 1,200 people were evacuated.",
        '"We will keep talking," Blinken told reporters.',
        "Antony Blinken met Qin Gang; over 1,200 people were evacuated.",
    ],
)
def test_copying_and_recombining_is_allowed(text: str) -> None:
    assert accepts(text)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Blinken met Premier Wen Jiabao in Beijing.", "a name not in the sentences"),
        ("Blinken met Qin Gang in Japan.", "a place not in the sentences"),
        ("Blinken met 42 officials.", "a number not in the sentences"),
        ("Blinken met Qin Gang on Monday.", "a date not in the sentences"),
        ("Blinken Gang met officials.", "two names joined into a new one"),
        ("Qin Gang of Beijing met Blinken.", "'of' after a name makes a new name"),
        ('"We will keep talking." Blinken said.', "a quotation changed"),
        ('"We will keep" Blinken told reporters.', "a quotation cut short"),
        ("Blinken Met Qin Gang.", "a capitalised word inside a sentence reads as a name"),
        ("Blinken met Qin Gang in Beijing", "no full stop at the end"),
        ("Blinken did not meet Qin Gang.", "a negation the sentences do not have"),
        ("Blinken met 1,20 people.", "part of a number"),
    ],
)
def test_inventing_is_not_allowed(text: str, why: str) -> None:
    assert not accepts(text), why


def test_the_word_budget_holds() -> None:
    text = "Blinken met Qin Gang in Beijing on Sunday."
    assert accepts(text, max_words=8)
    assert not accepts(text, max_words=7)


def test_the_text_may_not_stop_short() -> None:
    text = "Blinken met Qin Gang in Beijing on Sunday."  # 8 words
    assert accepts(text, min_words=8)
    assert not accepts(text, min_words=9)
    assert accepts(text + " Over 1,200 people were evacuated.", min_words=9)


def test_the_token_limit_still_ends_a_text_short_of_min_words() -> None:
    rule, tokenizer = constraint(max_words=60, max_tokens=45, min_words=30)
    generated: list[int] = []
    for token in tokenizer(["Blinken met Qin Gang in Beijing on Sunday."])[0]:
        assert token in rule.allowed(generated)
        generated.append(token)
    assert rule.allowed(generated).tolist() == [END]  # 43 of 45 tokens used: nothing else fits


def walk(seed: int, max_words: int, max_tokens: int, min_words: int = 0) -> tuple[str, list[int], TokenConstraint]:
    """A decoder that picks any allowed token (seeded), until it ends or runs out of tokens."""
    rule, tokenizer = constraint(max_words, max_tokens, min_words)
    rng = random.Random(seed)
    generated: list[int] = []
    while len(generated) < max_tokens:
        allowed = rule.allowed(generated)
        token = int(rng.choice(list(allowed)))
        generated.append(token)
        if token == END:
            break
    return tokenizer.decode(generated), generated, rule


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), max_words=st.integers(1, 40), max_tokens=st.integers(20, 400))
def test_any_decoder_writes_only_checked_facts_within_budget(seed: int, max_words: int, max_tokens: int) -> None:
    text, generated, _ = walk(seed, max_words, max_tokens)
    assert len(generated) <= max_tokens
    assert len(text.split()) <= max_words
    if generated[-1] == END and text:
        assert text.endswith(".") or re.search(r'[.?!]["”]$', text), text
    # in each of its sentences, names, numbers, dates and quotations are all found (only the
    # similarity may fail random text); the sentences are the constraint's own, as a nonsense text
    # like "At. Since." can fool the check's sentence splitter
    for sentence in sentences(text):
        problems = check(sentence, SENTENCES, 0.3).unsupported
        assert [p for p in problems if not p.reason.startswith("no source sentence")] == [], text


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), max_words=st.integers(2, 40))
def test_any_decoder_with_room_writes_at_least_min_words(seed: int, max_words: int) -> None:
    text, generated, _ = walk(seed, max_words, 600, max_words // 2)
    assert generated[-1] == END
    assert max_words // 2 <= len(text.split()) <= max_words, text


def sentences(text: str) -> list[str]:
    """`text` cut after every full stop that is followed by a space and is not inside a quotation."""
    quoted = [m.span() for m in QUOTATION.finditer(text)]
    cuts = [m.end() for m in re.finditer(r"\.(?= )", text) if not any(a <= m.start() < b for a, b in quoted)]
    return [text[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True) if text[a:b].strip()]


def test_the_same_tokens_give_the_same_choices() -> None:
    first, second = walk(7, 30, 300), walk(7, 30, 300)
    assert first[0] == second[0]
    assert first[0]


def test_mask_keeps_allowed_scores_and_survives_a_repetition_ban() -> None:
    scores = np.array([1.0, 5.0, 3.0, 2.0])
    masked = mask(scores, np.array([0, 2]))
    assert masked.tolist() == [1.0, -np.inf, 3.0, -np.inf]
    banned = mask(np.array([-np.inf, 5.0, -np.inf]), np.array([0, 2]))
    assert int(np.argmax(banned)) == 0  # still an allowed token


def test_hostile_sentences_stay_linear_and_bounded() -> None:
    repetitive = ['"' * 500 + "a " * 2000 + "A " * 2000, "“" + "x" * 5000, "1," * 3000 + "1"]
    found = units(repetitive)
    rule = TokenConstraint(found, Characters(), [END], 100, 176)
    assert len(rule.allowed([])) > 0
    assert "root ::=" in grammar(found)


def test_the_grammar_says_the_same_rule() -> None:
    text = grammar(units(SENTENCES))
    rules = dict(line.split(" ::= ", 1) for line in text.splitlines())
    assert rules["root"] == "ctx-start"
    assert rules["ctx-sentence"].endswith(")?")  # the text may end only after a sentence
    assert "name-name" not in rules["ctx-name"]  # no name straight after a name
    assert '"\\"We will keep talking,\\""' in rules["quote-clause"]
    assert "Japan" not in text
    assert grammar(units(SENTENCES)) == text  # deterministic
