from __future__ import annotations

import pytest

from service import Article, Settings, Summarizer
from service.rendering import to_markdown
from service.settings import TrimLevel
from service.trimming import cut_spans, trim
from tests.provenance import assert_traceable


def trimmed(sentence: str, level: TrimLevel = "full") -> str:
    text = f"Lead-in. {sentence} Tail."
    start = text.index(sentence)
    spans, wording = trim(text, start, start + len(sentence), level)
    joined = "".join(text[a:b] for a, b in spans)
    assert wording in (joined, joined[:1].upper() + joined[1:])
    assert all(start <= a < b <= start + len(sentence) for a, b in spans)
    return wording


@pytest.mark.parametrize(
    ("sentence", "light", "full"),
    [
        (
            "But the talks went on for two more days.",
            "The talks went on for two more days.",
            "The talks went on for two more days.",
        ),
        (
            "The ministry (which declined to comment) issued a short statement.",
            "The ministry issued a short statement.",
            "The ministry issued a short statement.",
        ),
        (
            "The envoy arrived in Beijing late Sunday night for the talks.",
            "The envoy arrived in Beijing for the talks.",
            "The envoy arrived in Beijing for the talks.",
        ),
        (
            "Prices rose by 4 percent in May, the central bank said on Tuesday.",
            "Prices rose by 4 percent in May, the central bank said.",
            "Prices rose by 4 percent in May.",
        ),
        (
            "Police said that the man was arrested in Paris.",
            "Police said that the man was arrested in Paris.",
            "The man was arrested in Paris.",
        ),
        (
            "Exports fell sharply last year, according to customs data.",
            "Exports fell sharply last year, according to customs data.",
            "Exports fell sharply last year.",
        ),
    ],
)
def test_rules_by_level(sentence: str, light: str, full: str) -> None:
    assert trimmed(sentence, "off") == sentence
    assert trimmed(sentence, "light") == light
    assert trimmed(sentence, "full") == full


def test_quotes_and_their_speakers_are_kept() -> None:
    quote = '"We will not back down," the minister said.'
    assert trimmed(quote) == quote


def test_a_sentence_never_shrinks_below_four_words() -> None:
    assert trimmed("Talks resumed, he said.") == "Talks resumed, he said."
    assert trimmed("But it rained (again).") == "But it rained (again)."


def test_every_parenthetical_goes() -> None:
    assert trimmed("Output (in tonnes) rose 4 percent (a record) this year.") == "Output rose 4 percent this year."


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
        "The ministry (which declined to comment) issued a statement on Monday, officials said. "
        "However, the statement gave no figures for the coming year at all."
    )
    summary = Summarizer(Settings()).summarize([Article(id="a", text=text)], max_words=50)
    assert summary.brief == "The ministry issued a statement. The statement gave no figures for the coming year at all."
    for s in summary.sentences:
        assert_traceable(s, text)
    assert len(summary.sentences[0].spans) == 3


def test_markdown_footnote_says_a_sentence_was_trimmed() -> None:
    text = "The ministry (which declined to comment) issued a statement on Monday, officials said."
    article = Article(id="a", text=text)
    summary = Summarizer(Settings()).summarize([article], max_words=50)
    assert "(characters 0–86, trimmed)" in to_markdown(summary, [article])
    whole = Summarizer(Settings(trimming="off")).summarize([article], max_words=50)
    assert "(characters 0–86)" in to_markdown(whole, [article])
