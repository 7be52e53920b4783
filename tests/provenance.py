"""The provenance invariant, checked the same way by every test that sees a summary."""

from __future__ import annotations

from typing import Any

from service.result import SelectedSentence


def assert_traceable(sentence: SelectedSentence | dict[str, Any], source: str) -> None:
    """The sentence lies in the source, its spans lie in the sentence, in order, and spell its text."""
    s = sentence if isinstance(sentence, dict) else sentence.model_dump()
    start, end = s["char_start"], s["char_end"]
    assert 0 <= start < end <= len(source)
    assert source[start:end].strip() == source[start:end]
    bounds = [offset for span in s["spans"] for offset in span]
    assert bounds == sorted(bounds) and start <= bounds[0] and bounds[-1] <= end
    joined = "".join(source[a:b] for a, b in s["spans"])
    assert s["text"] in (joined, joined[:1].upper() + joined[1:])  # a cut opener leaves it capitalised
