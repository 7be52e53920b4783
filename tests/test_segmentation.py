from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.segmentation import split_sentences
from tests.conftest import SEEDS


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


def test_the_pruned_english_model_splits_as_nupunkts_full_model() -> None:
    """data/punkt_en_line.json.gz drops what cannot change a decision on text without a newline
    (benchmarks/punkt_model.py): on the lines of the seeds, pySBD's English golden cases and the
    trimming corpus it must split exactly as the full model."""
    import nupunkt_rs

    from service.segmentation import _tokenizer

    data = Path(__file__).resolve().parent / "data"
    golden = [json.loads(line) for line in (data / "pysbd_golden.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += [case["text"] for case in golden if case["lang"] == "en"]
    texts.append(" ".join(json.loads(line)["sentence"] for line in (data / "trimming.jsonl").open(encoding="utf-8")))
    lines = [line for text in texts for line in text.splitlines() if line.strip()]
    full = nupunkt_rs.create_default_tokenizer()
    assert [_tokenizer().tokenize_spans(t) for t in lines] == [full.tokenize_spans(t) for t in lines]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a word with a period before a word that only opens sentences ends one, unless a title or "e.g."
        ("I live in the U.S. How about you?", ["I live in the U.S.", "How about you?"]),
        ("They signed with Pitt, Briggs & Co. It closed.", ["They signed with Pitt, Briggs & Co.", "It closed."]),
        ("We met Mr. He and Gen. The Duke today.", ["We met Mr. He and Gen. The Duke today."]),
        ("Use a tool, e.g. The Hammer, for this.", ["Use a tool, e.g. The Hammer, for this."]),
        ("We saw Albert I. Jones today.", ["We saw Albert I. Jones today."]),
        # a sentence does not open in lower case
        ("She works at Yahoo! in the accounting department.", ["She works at Yahoo! in the accounting department."]),
        # punctuation alone is no sentence, and is not lost either
        ("He said “it will be less complex. . . .”", ["He said “it will be less complex. . . .”"]),
        ("It was weakened. . . . The practice went on.", ["It was weakened.", ". . . The practice went on."]),
        # a list run on one line: items in order, each before a capital
        ("1. The first item 2. The second item", ["1. The first item", "2. The second item"]),
        ("a) Buy milk b) Sell eggs", ["a) Buy milk", "b) Sell eggs"]),
        ("He wants 1) lower taxes and 2) fewer rules.", ["He wants 1) lower taxes and 2) fewer rules."]),
        ("1. The plan 3. Nothing else", ["1. The plan 3. Nothing else"]),
        # an interview's labels, a wire desk's tag, a name in lower case
        ("Q. What did you see? A. The car was red.", ["Q. What did you see?", "A. The car was red."]),
        ("Sales rose in the quarter. iPhone sales led.", ["Sales rose in the quarter.", "iPhone sales led."]),
    ],
)
def test_boundaries_a_reader_sees(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_a_soft_line_break_keeps_offsets_and_splits_as_a_space() -> None:
    text = "The talks were held in the\nU.S. capital. They ended late."
    assert sentences(text) == ["The talks were held in the\nU.S. capital.", "They ended late."]


def test_a_closing_quote_ends_the_sentence_it_closes() -> None:
    text = "他说：“是的。”然后走了……再见！"
    assert [text[a:b] for a, b in split_sentences(text, [(0, len(text))], "zh")] == [
        "他说：“是的。”",
        "然后走了……再见！",
    ]
