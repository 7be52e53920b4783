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
    """data/punkt_en.json.gz and punkt_en_line.json.gz drop what cannot change a decision
    (benchmarks/punkt_model.py): on the seeds, pySBD's English golden cases and the trimming corpus
    they must split exactly as the full model, the line model each line without its newline."""
    import nupunkt_rs

    from service.segmentation import _tokenizer

    data = Path(__file__).resolve().parent / "data"
    golden = [json.loads(line) for line in (data / "pysbd_golden.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += [case["text"] for case in golden if case["lang"] == "en"]
    texts.append(" ".join(json.loads(line)["sentence"] for line in (data / "trimming.jsonl").open(encoding="utf-8")))
    lines = [line for text in texts for line in text.splitlines() if line.strip()]
    assert any("\n" in text for text in texts)
    full = nupunkt_rs.create_default_tokenizer()
    assert [_tokenizer(False).tokenize_spans(t) for t in texts] == [full.tokenize_spans(t) for t in texts]
    assert [_tokenizer(True).tokenize_spans(t) for t in lines] == [full.tokenize_spans(t) for t in lines]
