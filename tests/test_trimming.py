"""Trimming keeps meaning: the corpus of expected outputs, properties, and provenance end to end.

tests/data/trimming.jsonl holds 440+ sentences written for these tests (and some from seeds/),
each with its expected wording at the `light` and `full` levels; its "class" says what it covers
(attribution, subject, negation, quotes, parentheticals, weekdays, openers, punctuation, …).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import Article, Settings, Summarizer
from service.lexicon import LEXICON
from service.rendering import to_markdown
from service.settings import TrimLevel
from service.trimming import cut_spans, trim
from tests.provenance import assert_traceable

CORPUS = [json.loads(line) for line in (Path(__file__).parent / "data" / "trimming.jsonl").open(encoding="utf-8")]


def trimmed(sentence: str, level: TrimLevel = "full") -> str:
    """The wording at `level`, after checking it is the kept spans joined (provenance)."""
    text = f"Lead-in. {sentence} Tail."
    start = text.index(sentence)
    spans, wording, _ = trim(text, start, start + len(sentence), level)
    joined = "".join(text[a:b] for a, b in spans)
    assert wording in (joined, joined[:1].upper() + joined[1:])
    assert all(start <= a < b <= start + len(sentence) for a, b in spans)
    return wording


@pytest.mark.parametrize("case", CORPUS, ids=[f"{i}-{c['class']}" for i, c in enumerate(CORPUS)])
def test_corpus(case: dict[str, Any]) -> None:
    assert trimmed(case["sentence"], "off") == case["sentence"]
    assert trimmed(case["sentence"], "light") == case["light"]
    assert trimmed(case["sentence"], "full") == case["full"]


def test_corpus_covers_every_class() -> None:
    assert len(CORPUS) >= 300
    classes = {c["class"].removeprefix("seeds/") for c in CORPUS}
    assert {"attribution", "subject", "negation", "quotes", "punctuation", "several_cuts", "min_words"} <= classes
    assert {"parenthetical_safe", "parenthetical_kept", "weekday_safe", "weekday_kept"} <= classes
    assert {"opener_safe", "opener_kept", "unchanged"} <= classes


# sentences built from pieces that carry attributions, negations, quotes and every cut's trigger
_PIECES = [
    "the minister said",
    "officials said on Monday",
    "according to the police",
    "he did not arrive",
    "nobody was hurt",
    '"we will not back down,"',
    "(a veteran diplomat)",
    "(which declined to comment)",
    "on Tuesday night",
    "Sumaye Monday called",
    "late Friday",
    "the talks went on",
    "in Beijing",
    ", 45-17,",
    "allegedly",
]
_OPENERS = ["", "But ", "However, ", "And the ", "Meanwhile, "]
_WORDS_OF = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_OPENERS),
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=7),
    st.sampled_from([".", "!", "?", '."']),
    st.sampled_from(["light", "full"]),
)
def test_properties(opener: str, pieces: list[str], end: str, level: TrimLevel) -> None:
    sentence = opener + " ".join(pieces) + end
    text = f"Lead. {sentence} Tail."
    start = text.index(sentence)
    spans, wording, _ = trim(text, start, start + len(sentence), level)
    # the kept spans are in order, inside the sentence, and spell the wording
    bounds = [x for span in spans for x in span]
    assert bounds == sorted(bounds) and start <= bounds[0] and bounds[-1] <= start + len(sentence)
    joined = "".join(text[a:b] for a, b in spans)
    assert wording in (joined, joined[:1].upper() + joined[1:])
    # no attribution, hedge or negation word is ever lost; quotes come through whole
    before = [w.lower() for w in _WORDS_OF.findall(sentence)]
    after = [w.lower() for w in _WORDS_OF.findall(wording)]
    for kept in (*LEXICON.attribution_words, *LEXICON.negations):
        assert before.count(kept) == after.count(kept), kept
    assert wording.count('"') == sentence.count('"')
    assert '"we will not back down,"' in wording or '"we will not back down,"' not in sentence
    # it still ends as a sentence ends
    assert wording.rstrip('"').endswith((".", "!", "?"))


def test_a_sentence_never_shrinks_below_four_words() -> None:
    assert trimmed("But it rained (again).") == "But it rained (again)."


def test_cut_spans_follows_the_joined_text() -> None:
    spans = ((10, 15), (20, 30))
    assert cut_spans(spans, 3) == ((10, 13),)
    assert cut_spans(spans, 5) == ((10, 15),)
    assert cut_spans(spans, 8) == ((10, 15), (20, 23))
    assert cut_spans(spans, 99) == spans


def test_trimming_off_keeps_whole_sentences(seed_articles: list[Article]) -> None:
    summary = Summarizer(Settings(trimming="off")).summarize(seed_articles, max_words=200)
    texts = {a.id: a.text for a in seed_articles}
    for s in summary.sentences:
        assert s.spans == [(s.char_start, s.char_end)]
        assert texts[s.doc_id][s.char_start : s.char_end] == s.text


def test_trimmed_sentences_stay_traceable() -> None:
    text = (
        "The World Health Organization (WHO) issued a statement on Monday, officials said. "
        "However, the statement gave figures for the coming year at last."
    )
    summary = Summarizer(Settings()).summarize([Article(id="a", text=text)], max_words=50)
    assert summary.brief == (
        "The World Health Organization issued a statement, officials said. "
        "The statement gave figures for the coming year at last."
    )
    for s in summary.sentences:
        assert_traceable(s, text)
    assert len(summary.sentences[0].spans) == 3


def test_markdown_footnote_says_a_sentence_was_trimmed() -> None:
    text = "The World Health Organization (WHO) issued a statement on Monday, officials said."
    article = Article(id="a", text=text)
    summary = Summarizer(Settings()).summarize([article], max_words=50)
    assert f"(characters 0–{len(text)}, trimmed)" in to_markdown(summary, [article])
    whole = Summarizer(Settings(trimming="off")).summarize([article], max_words=50)
    assert f"(characters 0–{len(text)})" in to_markdown(whole, [article])
