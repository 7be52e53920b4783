from __future__ import annotations

import pytest

from service.cleaning import clean
from service.records import Article

BOILERPLATE = ("Comments (0)", "Read More", "Additional reporting", "far-fetched", "Indian Ocean")


def kept(text: str) -> list[str]:
    return [text[a:b] for a, b in clean(text).spans]


def test_seed_boilerplate_is_dropped(seed_articles: list[Article]) -> None:
    for article in seed_articles:
        body = " ".join(kept(article.text))
        for junk in BOILERPLATE:
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
        ("U.S. officials said so on Friday.", "U.S. officials said so on Friday."),
    ],
)
def test_datelines_are_stripped(line: str, expected: str) -> None:
    assert kept(line) == [expected]


@pytest.mark.parametrize(
    "junk",
    [
        "Comments (12)",
        "Additional reporting by agencies",
        "Photo: Getty Images",
        "Share this article",
        "Advertisement",
        "Sign up for our free newsletter",
        "Reporting by Jane Doe; Editing by John Roe",
    ],
)
def test_junk_lines_are_dropped(junk: str) -> None:
    assert kept(f"The minister spoke on Monday.\n{junk}\nShe left on Tuesday.") == [
        "The minister spoke on Monday.",
        "She left on Tuesday.",
    ]


def test_headings_go_only_when_sentences_remain() -> None:
    assert kept("A real conversation\nThe talks were candid, officials said.") == [
        "The talks were candid, officials said."
    ]
    assert kept("Blinken visits Beijing") == ["Blinken visits Beijing"]


def test_only_boilerplate_keeps_nothing() -> None:
    assert kept("Comments (0)\nRead More\nSome link") == []


def test_spans_point_into_the_original_text(seed_articles: list[Article]) -> None:
    for article in seed_articles:
        for start, end in clean(article.text).spans:
            assert 0 <= start < end <= len(article.text)
            assert article.text[start:end] == article.text[start:end].strip()
