"""Rewrite backends: what turns the picked sentences into one brief.

`make_rewriter(settings)` picks the backend from the model spec: `NAME:TARGET` for a backend in
`BACKENDS`, else the in-process transformers backend (a hub id, a folder, a name under models/ or
a .gguf file). A new backend is a module with a class that meets `Rewriter`, plus one line in
`BACKENDS`. Backends import their heavy libraries on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from service.result import SelectedSentence
from service.settings import Settings

INSTRUCTION = (
    "Rewrite these sentences from several news reports into one short, fluent news brief of at most "
    "{words} words. Use only facts stated in the sentences; add no names, numbers or dates."
)
# news English runs ~1.3-1.5 subword tokens per word in BPE and sentencepiece vocabularies: the
# rewrite may use 1.6 per word of the budget, plus room for a last sentence and the end token
_TOKENS_PER_WORD = 1.6
_CLOSING_TOKENS = 16


def max_new_tokens(max_words: int) -> int:
    """How many tokens a rewrite of `max_words` words may generate."""
    return int(max_words * _TOKENS_PER_WORD) + _CLOSING_TOKENS


@dataclass(frozen=True, slots=True)
class Rewrite:
    text: str
    tokens_in: int
    cut_sentences: int  # picked sentences left out to fit the input window (never cut silently)
    model: str
    seconds: float


class Rewriter(Protocol):
    name: str

    @property
    def loaded(self) -> bool: ...

    def load(self) -> None: ...

    def rewrite(self, sentences: Sequence[SelectedSentence], max_words: int, timeout_s: float) -> Rewrite: ...


def fair_share(lengths: Sequence[tuple[str, int]], budget: int) -> list[bool]:
    """Which sentences fit `budget` tokens, given as (article id, tokens) in brief order.

    First every article gets an equal share, so one long article cannot crowd the rest out; then
    what is left goes to the remaining sentences in brief order.
    """
    keep = [False] * len(lengths)
    if not lengths or budget <= 0:
        return keep
    cap = budget // len({article for article, _ in lengths})
    used: dict[str, int] = {}
    total = 0
    for i, (article, tokens) in enumerate(lengths):
        if used.get(article, 0) + tokens <= cap:
            keep[i] = True
            used[article] = used.get(article, 0) + tokens
            total += tokens
    for i, (_, tokens) in enumerate(lengths):
        if not keep[i] and total + tokens <= budget:
            keep[i] = True
            total += tokens
    return keep


def _transformers(target: str, settings: Settings) -> Rewriter:
    from service.backends.transformers import TransformersRewriter

    return TransformersRewriter(target, settings)


BACKENDS: dict[str, Callable[[str, Settings], Rewriter]] = {
    "transformers": _transformers,
}


def make_rewriter(settings: Settings) -> Rewriter | None:
    """The configured backend (not loaded: a model loads on first use or at server warm-up)."""
    spec = settings.rewrite_model
    if spec is None:
        return None
    name, _, target = spec.partition(":")
    if name in BACKENDS and target:
        return BACKENDS[name](target, settings)
    return BACKENDS["transformers"](spec, settings)
