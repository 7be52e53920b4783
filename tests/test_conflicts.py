"""Disagreements: normalised values from written examples, conflicts within a support group and
across the set, their marks on the brief's sentences (JSON and Markdown) and hostile input."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from service import Article, Settings, Summarizer
from service.conflicts import mentions
from service.records import LONGEST_SENTENCE
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


def test_a_text_longer_than_a_sentence_states_no_quantity() -> None:
    """A megabyte of "1." (no claim, and 250,000 numbers to weigh) costs nothing."""
    claim = "Police said 12 people were killed."
    assert [m.value for m in mentions(claim, 0, len(claim))] == [12.0]
    padded = claim + " " + "1." * LONGEST_SENTENCE
    assert mentions(padded, 0, len(padded)) == []
    table = claim + " Scores: " + ", ".join(f"{n}-{n + 1}" for n in range(60)) + "."
    assert mentions(table, 0, len(table)) == []  # past _MAX_NUMBERS numbers: a table, not a claim


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # bounds and estimates are ranges
        ("At least 13 people died.", [("people killed", 13.0, "least")]),
        ("As many as 17 people were hurt.", [("people injured", 17.0, "most")]),
        ("About 300 people were hurt.", [("people injured", 300.0, "about")]),
        # a part or a running total is never compared
        ("Among them were 3 people killed by the blast.", []),
        ("Police found two people dead at the scene.", []),
        ("Eleven people have been killed so far this month.", []),
        ("The storm killed 12 more people.", []),
        ("It left three people dead, including the gunman.", []),
        ("The rain fell over 5 miles (8 kilometres) of coast.", [("km", 8.04672, "least")]),
        ("He served 4½ months in prison.", []),
        # whose count it is
        ("He kept two people hostage until police shot him.", [("people", 2.0, "exact")]),
        ("A man fired at more than 40 people at the fair, wounding 6.", [("people", 40.0, "least")]),
        ("Four people were shot dead at the farm.", [("people killed", 4.0, "exact")]),
        ("One man died and three others were hurt.", [("other people injured", 3.0, "exact")]),
        ("Photo 4 of 12 Nine people were hurt.", [("people injured", 9.0, "exact")]),
        # a named person's age; a time of day
        ("Police charged Marlon Teague Ashby, 24, with murder.", [("age of Marlon Teague Ashby", 24.0, "exact")]),
        ("The quake struck at 7:48 p.m. local time.", [("time of day", 1188.0, "exact")]),
    ],
)
def test_mentions_are_read_with_their_bounds_and_parts(text: str, expected: list[tuple[str, object, str]]) -> None:
    found = mentions(text, 0, len(text), PUBLISHED.date())
    assert [(m.about, m.value, m.bound) for m in found] == expected


def test_an_injury_count_beside_a_death_is_another_measure() -> None:
    alone = "Four people were injured in the shooting at the bar."
    beside = "One man was killed and four people were injured in the shooting at the bar."
    (first,) = mentions(alone, 0, len(alone))
    second = next(m for m in mentions(beside, 0, len(beside)) if m.about == "people injured")
    assert first.cue != second.cue  # "four injured" may count the man who died, or not


def _conflicts(summarizer: Summarizer, *texts: str) -> list[tuple[str, dict[str, list[str]]]]:
    summary = summarizer.summarize(_articles(*texts))
    return [(c.about, {v.value: v.doc_ids for v in c.values}) for c in summary.conflicts]


STORY = "at a birthday party in the river district late on Saturday, police said on Sunday."


@pytest.mark.parametrize(
    "texts",
    [
        # a lower bound below the other count: both can be true
        (f"A gunman killed at least three people {STORY}", f"A gunman killed five people {STORY}"),
        # injured only, against injured with one dead (was he counted?)
        (f"Four people were injured {STORY}", f"One man was killed and three people were injured {STORY}"),
        # a part: those found at the scene, those among the victims
        (f"Police found two people dead {STORY}", f"A gunman killed five people {STORY}"),
        # hostages are not the shot
        (f"A gunman kept two people hostage until he was shot {STORY}", f"A gunman shot six people {STORY}"),
        # a sentence giving the whole and its half: the measure is not one thing
        (
            "The club offers a $1 million prize: $500,000 to the winning team and $500,000 to a charity it picks.",
            "The club offers $500,000 to the winning team and as much again to a charity it picks.",
        ),
        # two sentences that differ on another count too tell of different shootings
        (
            f"One person was killed and four people were injured {STORY}",
            f"Two people were killed and six people were injured {STORY}",
        ),
    ],
)
def test_false_conflict_classes_are_refused(summarizer: Summarizer, texts: tuple[str, str]) -> None:
    assert _conflicts(summarizer, *texts) == []


def test_true_disagreements_are_found(summarizer: Summarizer) -> None:
    found = _conflicts(
        summarizer,
        f"One man was killed and four others were wounded {STORY} Marlon Teague Ashby, 24, was charged.",
        f"One man was killed and six others were wounded {STORY} Marlon Teague Ashby, 26, was charged.",
    )
    assert ("other people injured", {"4 other people injured": ["a0"], "6 other people injured": ["a1"]}) in found
    assert ("age of Marlon Teague Ashby", {"24 years": ["a0"], "26 years": ["a1"]}) in found


def test_an_upper_bound_below_the_other_count_is_a_conflict(summarizer: Summarizer) -> None:
    found = _conflicts(summarizer, f"As many as 12 people were injured {STORY}", f"Fifteen people were injured {STORY}")
    assert found == [("people injured", {"12 people injured": ["a0"], "15 people injured": ["a1"]})]


def test_an_age_is_compared_between_dated_articles_only(summarizer: Summarizer) -> None:
    texts = ("Marlon Teague Ashby, 24, was charged with murder.", "Marlon Teague Ashby, 31, was charged with murder.")
    undated = [Article(id=f"u{i}", text=t) for i, t in enumerate(texts)]
    assert summarizer.summarize(undated).conflicts == []  # years apart, perhaps: an age changes
    assert summarizer.summarize(_articles(*texts)).conflicts != []


def test_the_refused_pairs_conflict_once_the_qualifier_is_gone(summarizer: Summarizer) -> None:
    # the controls of test_false_conflict_classes_are_refused: the same sentences, exact and whole
    assert _conflicts(summarizer, f"A gunman killed three people {STORY}", f"A gunman killed five people {STORY}") == [
        ("people killed", {"3 people killed": ["a0"], "5 people killed": ["a1"]})
    ]
    one = "One person was killed and {} people were injured " + STORY
    assert _conflicts(summarizer, one.format("four"), one.format("six")) == [
        ("people injured", {"4 people injured": ["a0"], "6 people injured": ["a1"]})
    ]
