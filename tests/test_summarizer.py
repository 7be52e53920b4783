from __future__ import annotations

import json
import re

import pytest

from service import Article, EmptyInputError, InputError, LimitExceededError, Settings, Summarizer
from service.rendering import summary_record
from tests.provenance import assert_traceable


def test_seed_brief_has_provenance(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    summary = summarizer.summarize(seed_articles, max_words=120)
    texts = {a.id: a.text for a in seed_articles}
    assert summary.brief
    assert summary.sentences
    for s in summary.sentences:
        assert_traceable(s, texts[s.doc_id])
        assert s.doc_id in s.support
        assert 0 < s.score.total <= 1
    assert summary.brief == " ".join(s.text for s in summary.sentences)


def test_budget_is_respected(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    for words in (15, 40, 100, 250):
        summary = summarizer.summarize(seed_articles, max_words=words)
        assert summary.budget.words == len(summary.brief.split()) <= words
    assert len(summarizer.summarize(seed_articles, max_words=500, max_sentences=2).sentences) == 2


def test_budget_smaller_than_any_sentence_clips_the_best_one(
    summarizer: Summarizer, seed_articles: list[Article]
) -> None:
    summary = summarizer.summarize(seed_articles, max_words=3)
    [only] = summary.sentences
    assert only.clipped
    assert len(only.text.split()) == 3
    assert summary.brief.endswith("…")
    source = next(a.text for a in seed_articles if a.id == only.doc_id)
    assert_traceable(only, source)


def test_output_is_deterministic(seed_articles: list[Article]) -> None:
    runs = {
        json.dumps(summary_record(Summarizer(Settings()).summarize(seed_articles), timings=False), sort_keys=False)
        for _ in range(3)
    }
    assert len(runs) == 1


def test_repeated_fact_is_stated_once_with_its_sources(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    summary = summarizer.summarize(seed_articles, max_words=150)
    # four of five reports say Blinken met Qin Gang; the brief says it once and cites them
    meetings = [s for s in summary.sentences if re.search(r"Blinken,? (?:met|meets)\b.{0,60}\bQin\b", s.text)]
    assert len(meetings) == 1
    assert len(meetings[0].support) >= 3
    assert max(len(s.support) for s in summary.sentences) > 1


def test_boilerplate_never_reaches_the_brief(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    brief = summarizer.summarize(seed_articles, max_words=1000).brief
    for junk in ("Comments (0)", "Read More", "Additional reporting", "far-fetched"):
        assert junk not in brief


def test_query_focuses_the_brief(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    # Gates is a side story in one report: without the query no brief of this size mentions him
    plain = summarizer.summarize(seed_articles, max_words=150)
    focused = summarizer.summarize(seed_articles, max_words=150, query="Microsoft co-founder Bill Gates")
    assert "Gates" not in plain.brief
    assert "Gates" in focused.brief
    assert any(s.score.query > 0.5 for s in focused.sentences if "Gates" in s.text)


@pytest.mark.parametrize(
    ("articles", "error"),
    [
        ([], EmptyInputError),
        ([Article(id="a", text="")], EmptyInputError),
        ([Article(id="a", text="  \n\t ")], EmptyInputError),
        ([Article(id="a", text="Comments (0)\nRead More\nsome headline")], EmptyInputError),
        ([Article(id="a", text="One fact."), Article(id="a", text="Other fact.")], InputError),
    ],
)
def test_bad_sets_raise_clear_errors(summarizer: Summarizer, articles: list[Article], error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        summarizer.summarize(articles)
    assert str(info.value) and "\n" not in str(info.value)


def test_limits_are_enforced_with_a_message_naming_the_setting() -> None:
    small = Summarizer(Settings(max_article_chars=10, max_articles=1))
    with pytest.raises(LimitExceededError, match="NEWSBRIEF_MAX_ARTICLE_CHARS"):
        small.summarize([Article(id="a", text="This is far longer than ten characters.")])
    with pytest.raises(LimitExceededError, match="NEWSBRIEF_MAX_ARTICLES"):
        small.summarize([Article(id="a", text="A."), Article(id="b", text="B.")])


def test_invalid_budget_is_rejected(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    with pytest.raises(InputError):
        summarizer.summarize(seed_articles, max_words=0)


def test_one_sentence_article(summarizer: Summarizer) -> None:
    summary = summarizer.summarize([Article(id="x", text="Blinken visits Beijing")])
    assert summary.brief == "Blinken visits Beijing"


def test_duplicated_articles_state_each_fact_once(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    twin = Article(id="twin", text=seed_articles[0].text)
    summary = summarizer.summarize([seed_articles[0], twin], max_words=200)
    texts = [s.text for s in summary.sentences]
    assert len(texts) == len(set(texts))
    assert all(set(s.support) == {seed_articles[0].id, "twin"} for s in summary.sentences)


def test_boilerplate_only_article_is_noted_and_skipped(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    junk = Article(id="junk", text="Comments (3)\nRead More\nOther headline")
    summary = summarizer.summarize([*seed_articles, junk])
    assert any("junk" in note for note in summary.notes)
    assert all(s.doc_id != "junk" for s in summary.sentences)


@pytest.mark.slow
def test_five_megabyte_article_is_summarised_whole(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    lines = seed_articles[4].text.splitlines()[:20]
    copies = 5_000_000 // sum(len(line) + 1 for line in lines) + 1
    # numbered copies: cleaning drops a line the article repeats word for word
    text = "".join(f"In copy {n}, {line}\n" for n in range(copies) for line in lines)
    summary = summarizer.summarize([Article(id="big", text=text)], max_words=80)
    assert 0 < summary.budget.words <= 80
    assert summary.candidates > 30_000  # every sentence was read, none cut off
    assert any("NEWSBRIEF_MAX_GRAPH_SENTENCES" in n for n in summary.notes)
    s = summary.sentences[-1]
    assert_traceable(s, text)
