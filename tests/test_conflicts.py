"""Disagreements: normalised values from written examples, conflicts within a support group and
across the set, their marks on the brief's sentences (JSON and Markdown) and hostile input."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from service import Article, Settings, Summarizer
from service.conflicts import mentions
from service.rendering import to_markdown

PUBLISHED = datetime(2023, 6, 19, 9, 0)  # a Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The quake killed at least 12 people.", [("people killed", 12.0, "12 people")]),
        ("About a dozen people died.", [("people killed", 12.0, "a dozen people")]),
        ("It injured twenty-five others.", [("other people injured", 25.0, "twenty-five others")]),
        ("The storm moved 5 miles inland.", [("km", 8.04672, "5 miles")]),
        ("Damage reached $3 billion.", [("dollars", 3e9, "$3 billion")]),
        ("Turnout was 30 percent.", [("percent", 30.0, "30 percent")]),
        ("A magnitude 7.1 quake struck.", [("magnitude", 7.1, "7.1")]),
        ("They discussed three important issues.", [("issue", 3.0, "three important issues")]),
        ("They met on Sunday.", []),
        ("Gunmen shot four people, killing one.", [("people shot", 4.0, "four people")]),
        (
            "One died and four others, including a police officer, were injured.",
            [("other people injured", 4.0, "four others")],
        ),
        ("The quake killed at least five people and injured dozens.", [("people killed", 5.0, "five people")]),
        ("They meet tomorrow.", [("date", "2023-06-20", "tomorrow")]),
        ("They met yesterday.", [("date", "2023-06-18", "yesterday")]),
        ("They met on June 18, 2023.", [("date", "2023-06-18", "June 18, 2023")]),
        ("COVID-19 rules and the G20 summit of 1998 ended.", []),
        ("Bids of between $140 and $150 million and 2 to 6 degrees.", []),
        ("A 6. 1 - magnitude quake and 4, 183 passing yards.", []),
        ("Reporter (@reporter) January 14, 2017", []),
    ],
)
def test_mentions_are_normalised(text: str, expected: list[tuple[str, object, str]]) -> None:
    found = mentions(text, 0, len(text), PUBLISHED.date())
    assert [(m.about, m.value, text[m.start : m.end]) for m in found] == expected


def test_dates_without_a_publication_date_compare_only_with_their_kind() -> None:
    text = "They met on Sunday, June 18, and yesterday."
    assert [m.about for m in mentions(text, 0, len(text))] == ["month day"]


def test_a_date_of_the_report_is_not_compared() -> None:
    text = "Police said June 17 that the talks published today ended June 18."
    assert [text[m.start : m.end] for m in mentions(text, 0, len(text), PUBLISHED.date())] == ["June 18"]


def _articles(*texts: str) -> list[Article]:
    return [Article(id=f"a{i}", text=t, published_at=PUBLISHED) for i, t in enumerate(texts)]


FLOOD = _articles(
    "A flood in the river valley killed 12 people on Sunday, officials said. Rescue teams searched the valley. "
    "The river rose after three days of heavy rain.",
    "A flood in the river valley killed 15 people on Sunday, officials said. Roads were closed across the region. "
    "The river rose after three days of heavy rain.",
    "Twelve people died in the flood in the river valley on Sunday. Schools stayed shut on Monday. "
    "Farmers counted their losses.",
)


def test_a_support_group_that_disagrees_is_one_conflict(summarizer: Summarizer) -> None:
    summary = summarizer.summarize(FLOOD, max_words=60)
    (conflict,) = [c for c in summary.conflicts if c.about == "people killed"]
    values = {v.value: v.doc_ids for v in conflict.values}
    assert values == {"12 people killed": ["a0", "a2"], "15 people killed": ["a1"]}
    for v in conflict.values:
        for ref in v.refs:
            text = FLOOD[int(ref.doc_id[1:])].text
            assert text[ref.char_start : ref.char_end] in ("12 people", "15 people", "Twelve people")
    n = summary.conflicts.index(conflict)
    flagged = [s for s in summary.sentences if n in s.conflicts]
    assert flagged  # the brief took a side: it says so
    markdown = to_markdown(summary, FLOOD)
    assert "sources disagree on people killed: 12 people killed (a0, a2); 15 people killed (a1)" in markdown
    assert "[^c1]" in markdown.split("\n\n")[0]


def test_agreeing_and_hedged_values_are_no_conflict(summarizer: Summarizer) -> None:
    articles = _articles(
        "A flood in the river valley killed 12 people on Sunday, officials said.",
        "A flood in the river valley killed a dozen people on Sunday, officials said.",
        "A flood in the river valley killed about 13 people on Sunday, officials said.",
    )
    assert summarizer.summarize(articles).conflicts == []


TALKS = "The long talks in Geneva on the nuclear programme of Iran"
NIGHT = "after a long night of hard bargaining."


def test_dates_relative_to_publication(summarizer: Summarizer) -> None:
    articles = [
        Article(
            id="x",
            text=f"{TALKS} ended yesterday {NIGHT}",
            published_at=PUBLISHED,
        ),
        Article(
            id="y",
            text=f"{TALKS} ended on June 18 {NIGHT}",
            published_at=PUBLISHED,
        ),
        Article(
            id="z",
            text=f"{TALKS} ended on June 17 {NIGHT}",
            published_at=PUBLISHED,
        ),
    ]
    (conflict,) = summarizer.summarize(articles).conflicts
    assert conflict.about == "date"
    assert {v.value: v.doc_ids for v in conflict.values} == {"2023-06-18": ["x", "y"], "2023-06-17": ["z"]}


def test_unrelated_sentences_do_not_conflict(summarizer: Summarizer) -> None:
    articles = _articles(
        "The council approved 40 new homes for the north side.",
        "Police arrested 3 suspects after a robbery at a bank downtown.",
    )
    assert summarizer.summarize(articles).conflicts == []


def test_seed_conflicts_are_traceable(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    texts = {a.id: a.text for a in seed_articles}
    summary = summarizer.summarize(seed_articles)
    for conflict in summary.conflicts:
        assert len(conflict.values) >= 2
        for v in conflict.values:
            for ref in v.refs:
                assert 0 <= ref.char_start < ref.char_end <= len(texts[ref.doc_id])


@pytest.mark.parametrize(
    "texts",
    [
        ["12 people died. " * 3000, "15 people died. " * 3000],
        ["one " * 100_000, "dozen " * 100_000],
        ["$" * 200_000, "9" * 200_000],
        ["Monday " * 50_000, "June 1 " * 50_000],
    ],
)
def test_hostile_sets_finish(texts: list[str]) -> None:
    started = time.monotonic()
    Summarizer(Settings()).summarize([Article(id=str(i), text=t) for i, t in enumerate(texts)])
    assert time.monotonic() - started < 120  # a hang guard, not a timing
