"""Rewrite backends: what turns the picked sentences into one brief.

`make_rewriter(settings)` picks the backend: NEWSBRIEF_REWRITE_BACKEND when set, else from the
model spec: `NAME:TARGET` for a backend in `BACKENDS` (`openai:http://host:8000/v1#model`,
`llama:file.gguf`), `dummy`, a .gguf file (llama.cpp in process when the `llama` extra is
installed, else transformers), else the in-process transformers backend (a hub id, a folder or a
name under models/). A new backend is a module with a class that meets `Rewriter`, plus one line
in `BACKENDS`. Backends import their heavy libraries on first use.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from service.errors import ModelError
from service.result import SelectedSentence
from service.settings import BackendName, Settings

INSTRUCTION = (
    "Rewrite these sentences from several news reports into one short, fluent news brief of at most "
    "{words} words. Use only facts stated in the sentences; add no names, numbers or dates."
)
# news English runs ~1.3-1.5 subword tokens per word in BPE and sentencepiece vocabularies: the
# rewrite may use 1.6 per word of the budget, plus room for a last sentence and the end token
_TOKENS_PER_WORD = 1.6
_CLOSING_TOKENS = 16
# greedy decoding loops on small models without it (SmolLM2-135M repeated whole sentences at 1.0;
# 1.15 stopped it without the word salad of 1.3+)
REPETITION_PENALTY = 1.15


def max_new_tokens(max_words: int) -> int:
    """How many tokens a rewrite of `max_words` words may generate."""
    return int(max_words * _TOKENS_PER_WORD) + _CLOSING_TOKENS


def min_words(sentences: Sequence[SelectedSentence], max_words: int, share: float) -> int:
    """Fewest words a constrained rewrite writes before it may stop: `share` of the words of the
    picked sentences it was given (at most the budget). A small model stops early and drops content:
    the brief it replaces fills the budget, and a one-sentence copy passes the check but says little."""
    return min(max_words, int(share * sum(len(s.text.split()) for s in sentences)))


def estimated_tokens(text: str) -> int:
    """Tokens of `text` for a backend that cannot count them (a model server's tokenizer)."""
    return int(len(text.split()) * _TOKENS_PER_WORD) + 1


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


def model_input(
    sentences: Sequence[SelectedSentence], count_tokens: Callable[[str], int], budget: int
) -> tuple[list[SelectedSentence], int]:
    """The picked sentences that fit `budget` tokens (fair_share), and how many were left out."""
    lengths = [(s.doc_id, count_tokens(s.text) + 1) for s in sentences]
    kept = [s for s, k in zip(sentences, fair_share(lengths, budget), strict=True) if k]
    if not kept:
        raise ModelError("no picked sentence fits the model's input window")
    return kept, len(sentences) - len(kept)


def _transformers(target: str, settings: Settings) -> Rewriter:
    from service.backends.transformers import TransformersRewriter

    return TransformersRewriter(target, settings)


def _llama(target: str, settings: Settings) -> Rewriter:
    from service.backends.llama import LlamaRewriter

    return LlamaRewriter(target, settings)


def _openai(target: str, settings: Settings) -> Rewriter:
    from service.backends.openai import OpenAIRewriter

    return OpenAIRewriter(target, settings)


def _dummy(_target: str, _settings: Settings) -> Rewriter:
    from service.backends.dummy import DummyRewriter

    return DummyRewriter()


BACKENDS: dict[BackendName, Callable[[str, Settings], Rewriter]] = {
    "transformers": _transformers,
    "llama": _llama,
    "openai": _openai,
    "dummy": _dummy,
}


def _choose(spec: str, settings: Settings) -> tuple[BackendName, str]:
    if settings.rewrite_backend is not None:
        return settings.rewrite_backend, spec
    prefix, _, target = spec.partition(":")
    for name in BACKENDS:
        if prefix == name and target:
            return name, target
    if spec == "dummy":
        return "dummy", spec
    if spec.endswith(".gguf") and importlib.util.find_spec("llama_cpp") is not None:
        return "llama", spec
    return "transformers", spec


def make_rewriter(settings: Settings) -> Rewriter | None:
    """The configured backend (not loaded: a model loads on first use or at server warm-up)."""
    if settings.rewrite_model is None:
        return None
    name, target = _choose(settings.rewrite_model, settings)
    return BACKENDS[name](target, settings)
