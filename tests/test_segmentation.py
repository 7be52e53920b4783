from __future__ import annotations

import pytest

from service.segmentation import split_sentences


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text, [(0, len(text))])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith met U.S. officials at 3 p.m. on Friday. He left.",
            ["Mr. Smith met U.S. officials at 3 p.m. on Friday.", "He left."],
        ),
        ("He paid $3.50 for No. 2 coffee. It was cold.", ["He paid $3.50 for No. 2 coffee.", "It was cold."]),
        ('"It is fine," he said. "Really?" she asked.', ['"It is fine," he said.', '"Really?" she asked.']),
        (
            "Dr. J. R. Smith arrived at 5 a.m. Monday. Prices rose 3.5%.",
            ["Dr. J. R. Smith arrived at 5 a.m. Monday.", "Prices rose 3.5%."],
        ),
        ("Mr Blinken‘s trip “was good”. Next one é. Done.", ["Mr Blinken‘s trip “was good”.", "Next one é.", "Done."]),
        ("No terminal punctuation here", ["No terminal punctuation here"]),
    ],
)
def test_tricky_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_offsets_inside_spans_map_to_the_original() -> None:
    text = "Header junk\n  First sentence here. Second one “quoted”.  \nThird line é."
    first = text.index("First")
    third = text.index("Third")
    spans = [(first, text.index("  \n")), (third, len(text))]
    found = list(split_sentences(text, spans))
    assert [text[a:b] for a, b in found] == ["First sentence here.", "Second one “quoted”.", "Third line é."]


def test_punctuation_only_is_not_a_sentence() -> None:
    assert sentences("... — !!!") == []
