"""A deterministic rewrite without a model: the picked sentences, lightly fused.

It lets the server, the Docker image, the load benchmark and end-to-end tests run the rewrite
path (backend, faithfulness check, fallback, metrics) without torch or a model file. The rule is
small and only copies: two sentences of the same article that follow each other in the brief are
joined with a semicolon when both are short, the second one's first word lower-cased when it is a
common sentence start ("The", "It"). Nothing is added, so the check passes it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from service.backends import Rewrite
from service.lexicon import LEXICON
from service.result import SelectedSentence

# two sentences are fused only when together they stay a readable sentence (news sentences
# average ~20-25 words: two short ones, not two long ones)
_MAX_FUSED_WORDS = 40
_STARTS = frozenset(LEXICON.sentence_starts)


def fuse(sentences: Sequence[SelectedSentence]) -> str:
    parts: list[str] = []
    previous: SelectedSentence | None = None
    for s in sentences:
        text = s.text
        first, _, rest = text.partition(" ")
        joinable = (
            previous is not None
            and previous.doc_id == s.doc_id
            and parts[-1].endswith(".")
            and not parts[-1].endswith("..")
            and first.lower() in _STARTS
            and first != "I"  # the one sentence start that keeps its capital
            and rest
            and len(parts[-1].split()) + len(text.split()) <= _MAX_FUSED_WORDS
        )
        if joinable:
            parts[-1] = f"{parts[-1][:-1]}; {first.lower()} {rest}"
            previous = None  # at most two sentences in one
            continue
        parts.append(text)
        previous = s
    return " ".join(parts)


class DummyRewriter:
    name = "dummy"

    @property
    def loaded(self) -> bool:
        return True

    def load(self) -> None:
        """Nothing to load."""

    def rewrite(self, sentences: Sequence[SelectedSentence], max_words: int, timeout_s: float) -> Rewrite:  # noqa: ARG002 (a copy within the brief's budget needs no budget or clock)
        start = time.perf_counter()
        text = fuse(sentences)
        return Rewrite(text, len(text.split()), 0, self.name, time.perf_counter() - start)
