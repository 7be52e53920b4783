"""Cleaning: page furniture never becomes a candidate sentence, and what stays keeps its offsets.

Every furniture example here is written for these tests (none is copied from a real page).
"""

from __future__ import annotations

import textwrap

import pytest

from service import Summarizer
from service.boilerplate import BOILERPLATE
from service.cleaning import clean, clean_set, is_furniture, paragraphs
from service.records import Article
from service.rendering import render
from service.summarizer import segment_all
from tests.provenance import assert_traceable

BOILERPLATE_IN_SEEDS = ("Comments (0)", "Read More", "Additional reporting", "far-fetched", "Indian Ocean")
BODY = "The council voted on Tuesday to build a new bridge over the river, officials said."
MORE = "The bridge will cost about 40 million dollars and take two years to build."


def kept(text: str) -> list[str]:
    return [text[a:b] for a, b in clean(text).spans]


def readable(*texts: str) -> list[list[str]]:
    """The candidate sentences of each article of a set, as the summarizer finds them; each one
    is checked to be an exact span of its article."""
    articles = [Article(id=str(i), text=t) for i, t in enumerate(texts)]
    found = segment_all(articles, ["en"] * len(articles), "en")
    for article, sentences in zip(articles, found, strict=True):
        for s in sentences:
            assert article.text[s.char_start : s.char_end] == s.text == s.text.strip()
    return [[s.text for s in sentences] for sentences in found]


def test_seed_boilerplate_is_dropped(seed_articles: list[Article]) -> None:
    for article in seed_articles:
        body = " ".join(kept(article.text))
        for junk in BOILERPLATE_IN_SEEDS:
            assert junk not in body, (article.id, junk)


def test_trailer_drops_everything_after_read_more() -> None:
    text = "Real news sentence one is here.\nRead MoreSome headline\nAnother headline\nYet another one"
    assert kept(text) == ["Real news sentence one is here."]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("BRUSSELS, January 22 (Xinhua) -- Two polls showed support.", "Two polls showed support."),
        ("WASHINGTON (Reuters) - The vote was held.", "The vote was held."),
        ("PINE RIDGE, S.D. (AP) -- President Clinton arrived.", "President Clinton arrived."),
        ("(AP) — Something happened today.", "Something happened today."),
        ("WASHINGTON -- The Senate voted on Monday.", "The Senate voted on Monday."),
        ("LONDON, March 3 (AP) — Lawmakers voted to delay the measure.", "Lawmakers voted to delay the measure."),
        # a place in mixed case, its source tag glued to the first word (the page lost the space)
        ("Hong Kong (CNN Business)A muddled view of the economy emerged.", "A muddled view of the economy emerged."),
        ("Hong Kong, March 3 (Wire Service)Shares fell.", "Shares fell."),
        ("São Paulo (Reuters)Brazil's central bank held rates.", "Brazil's central bank held rates."),
        ("(CNN)The mayor spoke on Monday.", "The mayor spoke on Monday."),
        # a lower-case agency (German and French wires write their names so), with its desk
        ("BERLIN (dpa) - Die Regierung hat das Gesetz beschlossen.", "Die Regierung hat das Gesetz beschlossen."),
        ("Hamburg (dpa/lno) - Der Hafen bleibt am Montag geschlossen.", "Der Hafen bleibt am Montag geschlossen."),
        ("FRANKFURT (dpa-AFX) - Die Aktie stieg um drei Prozent.", "Die Aktie stieg um drei Prozent."),
        ("PARIS (afp) — Le conseil a voté le budget.", "Le conseil a voté le budget."),
        ("Rio de Janeiro (AP) — The carnival began on Friday.", "The carnival began on Friday."),
        ('New York (Wire) -- "We are ready," the mayor said.', '"We are ready," the mayor said.'),
        ("U.S. officials said so on Friday.", "U.S. officials said so on Friday."),
        ("- The bridge will have four lanes.", "The bridge will have four lanes."),
        ("• Tolls will pay for its upkeep.", "Tolls will pay for its upkeep."),
        ("2) Work starts in the spring.", "Work starts in the spring."),
        ("-5 degrees were forecast for the night.", "-5 degrees were forecast for the night."),
    ],
)
def test_datelines_and_bullets_are_stripped(line: str, expected: str) -> None:
    assert kept(line) == [expected]


@pytest.mark.parametrize(
    "line",
    [
        # a name and its tag before a mere space, a lower-case word or a dash that opens an aside
        "Hong Kong (CNN Business) A muddled view of the economy emerged.",
        "The European Central Bank (ECB) President said rates would stay.",
        "Senator Jane Doe (D) said she would vote for the bill.",
        "The European Central Bank (ECB) — which sets rates — met on Thursday.",
        "Shares of Example Corp (EXC) fell 5 percent in early trading.",
        # a longer lower-case word in brackets is an aside, not an agency
        "Jane Doe (pictured) - The mayor opened the bridge on Monday.",
        "Berlin (dpa) meldete am Montag, dass der Hafen schließt.",
    ],
)
def test_a_name_and_its_tag_in_a_sentence_are_not_a_dateline(line: str) -> None:
    assert kept(line) == [line]


def test_a_glued_dateline_never_joins_the_place_to_the_first_word(summarizer: Summarizer) -> None:
    text = (
        "Hong Kong (CNN Business)A muddled view of the economy emerged on Tuesday as factory orders fell "
        "for a third month while retail sales rose, the government said.\n"
        "Analysts said the figures pointed to a slow recovery in the second half of the year."
    )
    summary = summarizer.summarize([Article(id="a", text=text)], max_words=60)
    assert summary.sentences[0].text.startswith("A muddled view of the economy")
    for glued in ("Hong KongA", "Hong Kong A", "Business)"):
        assert glued not in summary.brief


@pytest.mark.parametrize(
    "junk",
    [
        "Comments (12)",
        "Additional reporting by agencies",
        "Photo: Getty Images",
        "Share this article",
        "Advertisement",
        "Reporting by Jane Doe; Editing by John Roe",
        "Share | Tweet | Email | Print",
        "Tags: bridges, council, river, transport.",
        "Filed under: Local news, Transport.",
        "Published: May 4th, 2021 | Topics: City Hall, Roads",
        "Posted on June 3, 2020 at 9:41 am.",
        "Posted by Sam in Uncategorized.",
        "Previous article: Council to vote on the budget.",
        "Continue reading the rest of this story.",
        "You may also be interested in:",
        "Jane Doe is a senior editor at The Daily Example.",
        "Weekend markets draw record crowds as prices fall. Read more... 2021-05-04",
        "*Prices exclude delivery and were checked on the day of writing.",
    ],
)
def test_furniture_lines_are_dropped(junk: str) -> None:
    assert readable(f"{BODY}\n{junk}\n{MORE}") == [[BODY, MORE]]


# Hand-written sentences of every kind in service/data/boilerplate.toml
FURNITURE = {
    "newsletters": [
        "Sign up for the Morning Bulletin to get our free daily newsletter.",
        "Get the magazine delivered through your letterbox for a small fee.",
        "Six issues for £9.99 when you subscribe today.",
    ],
    "reprints": [
        "This copy is for your personal, non-commercial use only.",
        "The material may not be published, broadcast, rewritten or redistributed.",
    ],
    "social": ["You can add where you are to your Tweets from the web or the phone.", "Like us on Facebook for more."],
    "web_archives": [
        "These snapshots come from crawls that archive pages as they change.",
        "A copy was kept by the Wayback Machine.",
    ],
    "captions": [
        "Firefighters on the scene on Monday (AP Photo/Jane Roe).",
        "FILE - In this March 3, 2019, file photo, the mayor speaks to reporters.",
        "The bridge at dusk (Photo: John Doe).",
    ],
    "disclosures": [
        "This article contains links from our affiliate partners.",
        "We may earn a commission when you buy through links on this page.",
    ],
    "comment_policy": [
        "Comments are moderated and will appear after review.",
        "Please read our community guidelines before posting.",
    ],
    "prompts": [
        "Read more: how the city pays for its roads.",
        "Click here to see the full gallery.",
        "Click “Add a route” at the top of the map to plan your trip.",
        "Tap the bell icon to hear about new episodes.",
        "Hear the whole interview: listen again on Spotify or download this episode.",
        "Subscribe to our podcast for more.",
    ],
    "stamps": [
        "The story was updated at 4:15 p.m. on Monday.",
        "Last updated 5 May 2021 10:08 GMT.",
        "This article was updated on Wednesday with the council's reply.",
        "This story was corrected on Tuesday to give the mayor's full name.",
    ],
    "hover_cards": ["Senator Jane DoeJane Ann DoeSenator from the coast backs the levy MORE (D) backs the plan."],
}
NOT_FURNITURE = [
    "Police said the photo was taken by a neighbour.",
    "She said she would sign the bill into law next week.",
    "Archivists said the documents had been stored in a vault for years.",
    "Ratings fell after the show moved to a later slot, and more viewers left.",
    "He updated the board on the talks at 9:30 a.m. on Monday.",
    "Readers can find the report on the council's website.",
    "The McDonald family founded the firm in 1952 and still owns MORE than half of it.",
    "Click and collect orders rose by a fifth over the holidays.",
    "Tap water in the old town will be safe to drink again from Friday.",
    "Millions watched on television as the bridge opened.",
    "The app was downloaded a million times in its first week.",
    "The mayor said the plan had been updated to include a cycle lane.",
]


def test_every_kind_of_the_pattern_file_has_examples() -> None:
    assert set(FURNITURE) == {kind.name for kind in BOILERPLATE.sentences}


@pytest.mark.parametrize(("kind", "sentence"), [(k, s) for k, examples in FURNITURE.items() for s in examples])
def test_furniture_sentences_go_wherever_they_stand(kind: str, sentence: str) -> None:
    assert is_furniture(sentence), kind
    # in the middle of a paragraph, only the sentence goes: exactly as the segmenter bounds it
    assert readable(f"{BODY} {sentence} {MORE}") == [[BODY, MORE]]


@pytest.mark.parametrize("sentence", NOT_FURNITURE)
def test_near_misses_are_article_text(sentence: str) -> None:
    assert not is_furniture(sentence)
    assert readable(f"{BODY} {sentence}") == [[BODY, sentence]]


def test_a_paragraph_mostly_of_furniture_goes_whole() -> None:
    notice = (
        "These pages were saved by a web crawl for the archive. Captures run every day. "
        "A copy was kept by the Wayback Machine."
    )
    assert readable(f"{BODY}\n{notice}\n{MORE}") == [[BODY, MORE]]


def test_headings_go_only_when_sentences_remain() -> None:
    assert kept("A real conversation\nThe talks were candid, officials said.") == [
        "The talks were candid, officials said."
    ]
    assert kept("Blinken visits Beijing") == ["Blinken visits Beijing"]
    long_headline = " ".join(["Council"] + ["word"] * 22 + ["bridge"])  # 24 words, no end punctuation
    assert readable(f"{long_headline}\nWhy does the city need a bridge?\n{BODY}") == [[BODY]]
    question = "Would the council still build the bridge if the cost doubled before the work began, as critics warn?"
    assert readable(f"{question}\n{BODY}") == [[question, BODY]]


def test_a_line_the_article_repeats_is_read_once() -> None:
    pull_quote = "“We cannot wait another decade for this bridge”"
    body = "“We cannot wait another decade for this bridge,” the mayor said at the meeting on Tuesday."
    assert readable(f"{BODY}\n{pull_quote}\n{body}\n{BODY}") == [[BODY, body]]


def test_an_embedded_post_goes_with_its_signature() -> None:
    post = "Finally a date for the new bridge! Cannot wait to cycle across it #citylife"
    signature = "— Sam Walker (@samwalks) May 4, 2021"
    assert readable(f"{BODY}\n{post}\n{signature}\n{MORE}") == [[BODY, MORE]]


def test_only_boilerplate_keeps_nothing() -> None:
    assert kept("Comments (0)\nRead More\nSome link") == []


PROMO = "Join the Weekly Pulse club and you will get tips to grow your savings every Friday."
WIRE = "Mayor Ana Ruiz said the Harbor Bridge would open in 2026 and cost the city of Portside $40 million."


def test_a_line_unrelated_articles_repeat_is_furniture() -> None:
    a = f"{BODY}\n{PROMO}\nThe vote was 7 to 2."
    b = f"Schools will open an hour later from September.\n{PROMO}\nParents welcomed the change."
    assert readable(a, b) == [
        [BODY, "The vote was 7 to 2."],
        ["Schools will open an hour later from September.", "Parents welcomed the change."],
    ]


def test_a_wire_paragraph_two_reports_share_stays() -> None:
    a = f"Portside will get its Harbor Bridge, Mayor Ana Ruiz said.\n{WIRE}\nCritics in Portside called it a waste."
    b = f"{WIRE}\nRuiz won the vote in Portside by a wide margin.\nThe Harbor Bridge plan dates from 2015."
    assert [WIRE in sentences for sentences in readable(a, b)] == [True, True]


def test_copies_of_one_story_keep_every_line() -> None:
    story = f"{BODY}\n{PROMO}\n{MORE}"
    assert readable(story, story) == [[BODY, PROMO, MORE]] * 2


def test_clean_set_matches_clean_for_a_single_article(seed_articles: list[Article]) -> None:
    for article in seed_articles:
        assert clean_set([article.text]) == [clean(article.text)]


def test_spans_point_into_the_original_text(seed_articles: list[Article]) -> None:
    for article in seed_articles:
        for start, end in clean(article.text).spans:
            assert 0 <= start < end <= len(article.text)
            assert article.text[start:end] == article.text[start:end].strip()


WRAPPED = (
    "Bridge vote passes\n"
    "The council voted on Tuesday to build a new bridge over the river, and\n"
    "officials said work would start in the spring. The bridge will cost about\n"
    "40 million dollars and take two years to build, the mayor told the U.S.\n"
    "broadcaster. She said the old crossing would stay open while it is built.\n"
    "\n"
    "Residents who opposed the plan said they would take the council to court\n"
    "over the decision.\n"
)


def test_a_hard_wrapped_article_is_read_in_whole_sentences() -> None:
    """Wire copy and e-mail break lines at a fixed width: a sentence goes on across a line break,
    and no line of it is taken for a heading (which would drop it) or a sentence of its own."""
    assert readable(WRAPPED) == [
        [
            "The council voted on Tuesday to build a new bridge over the river, and\n"
            "officials said work would start in the spring.",
            "The bridge will cost about\n40 million dollars and take two years to build, the mayor told the U.S.\n"
            "broadcaster.",
            "She said the old crossing would stay open while it is built.",
            "Residents who opposed the plan said they would take the council to court\nover the decision.",
        ]
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Bridge vote passes\nThe council voted on Tuesday to build a new bridge.",  # a headline, then the story
        f"{BODY}\n{MORE}",  # a paragraph a line
        f"The plan has three parts:\n- a new bridge\n- a road\n{BODY}",  # a list
        f"{BODY}\n\n{MORE}",  # a blank line between
        f"A short line without end punctuation\n{BODY}\nAnother short line here\n{MORE}",  # headings, not a width
    ],
)
def test_lines_that_are_not_wrapped_stay_apart(text: str) -> None:
    lines = [line for line in text.splitlines() if line]
    assert [text[a:b] for a, b in paragraphs(text)] == lines


def test_a_headline_longer_than_the_wrap_width_leaves_the_wrapped_body_whole() -> None:
    body = (
        "Road haulage groups warned that the increase would push up food prices, since most goods are moved by "
        "lorry. The Road Haulage Association said its members were already struggling with high wage bills."
    )
    for head in ("Fuel tax rise sparks anger", "Government raises fuel tax by five pence in bid to repair finances"):
        text = f"{head}\n\n{textwrap.fill(body, 40)}"
        assert [" ".join(text[a:b].split()) for a, b in paragraphs(text)] == [head, body]


def test_a_line_going_on_in_lower_case_is_joined_whatever_its_width() -> None:
    text = "Schwangere Frauen sollten während der \nersten drei Monate Folsäure nehmen."
    assert [text[a:b] for a, b in paragraphs(text)] == [text]


def wrap(text: str, width: int, apart: str) -> str:
    return apart.join(textwrap.fill(paragraph, width) for paragraph in text.splitlines() if paragraph)


@pytest.mark.parametrize(("width", "apart"), [(60, "\n\n"), (72, "\n\n"), (100, "\n\n"), (72, "\n"), (100, "\n")])
def test_hard_wrapped_seeds_give_the_seeds_brief(
    summarizer: Summarizer, seed_articles: list[Article], width: int, apart: str
) -> None:
    """The seeds wrapped at a terminal's width read as the seeds: the same brief, every sentence an
    exact span of its wrapped article, and none cut at a line end. (With paragraphs apart by a line
    break alone, a heading that fills the width to within a word reads as wrapped: the seeds have
    one of 59 characters, so that case is not run at 60.)"""
    wrapped = [Article(id=a.id, text=wrap(a.text, width, apart)) for a in seed_articles]
    plain, rewrapped = summarizer.summarize(seed_articles), summarizer.summarize(wrapped)
    assert rewrapped.brief == plain.brief
    assert [(s.doc_id, s.index) for s in rewrapped.sentences] == [(s.doc_id, s.index) for s in plain.sentences]
    texts = {a.id: a.text for a in wrapped}
    for sentence in rewrapped.sentences:
        assert_traceable(sentence, texts[sentence.doc_id])


def test_a_wrapped_sentence_reads_on_one_line_in_the_brief(summarizer: Summarizer) -> None:
    """The brief rejoins a sentence's lines: a line break is a space, or none after a word's hyphen;
    the sentence's `text` stays the exact source span."""
    text = (
        "The two ministers agreed on Monday to restore high-\nlevel talks between their governments, and\n"
        "officials said -\nwithout giving a date - that a summit would follow in the spring of next\n"
        "year. Both sides said the talks would cover trade, climate and security in the region."
    )
    articles = [Article(id="a", text=text)]
    summary = summarizer.summarize(articles, max_words=60)
    assert "restore high-level talks" in summary.brief and "officials said - without" in summary.brief
    assert "\n" not in summary.brief
    for fmt in ("markdown", "html"):
        assert "restore high-level talks" in render(summary, articles, fmt)
    assert all(text[s.char_start : s.char_end] == s.text for s in summary.sentences)
