"""benchmarks/web.py compares a brief with its page's gold text in one form: typography and
spacing an annotator may have changed do not count, words and other punctuation do."""

from __future__ import annotations

from benchmarks.web import collapse


def test_typographic_variants_and_spacing_compare_equal() -> None:
    page = "\u201cWe\u2019ll see,\u201d she said \u2014 twice .\n The  end\u00ad ."
    gold = '"We\'ll see," she said - twice. The end.'
    assert collapse(page) == collapse(gold) == gold


def test_words_and_other_punctuation_still_count() -> None:
    assert collapse("He said: no.") != collapse("He said no.")
    assert collapse("It is (not) over.") != collapse("It is not over.")
    assert collapse("a \u00ab quote \u00bb") == "a \u00ab quote \u00bb"  # guillemets are not folded
    assert collapse("one , two") == "one, two"
