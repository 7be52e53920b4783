"""llama.cpp in process (extra `llama`): a GGUF file loads as it is, quantised, in well under a
second, where transformers first de-quantises it (SmolLM2-135M: ~40 s, docs/benchmarks.md §4).

Greedy decoding with the repetition penalty of the transformers backend, the copy constraint as a
logits processor (constraint.py), and the time budget checked at every token: past it only the
end token is allowed and the rewrite falls back with `timeout`. One generation at a time per
model (a llama.cpp context is not thread-safe); waiting for it counts against the time budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from service.backends import INSTRUCTION, REPETITION_PENALTY, Rewrite, max_new_tokens, min_words, model_input
from service.backends.constraint import TokenConstraint, mask, units
from service.errors import Fallback, ModelError
from service.result import SelectedSentence
from service.settings import Settings

# tokens the chat template adds around the instruction and the sentences (role markers)
_TEMPLATE_TOKENS = 16


class LlamaRewriter:
    def __init__(self, spec: str, settings: Settings) -> None:
        self.name = spec
        self.path = Path(spec) if Path(spec).exists() else settings.models_dir / spec
        self.max_input_tokens = settings.rewrite_max_input_tokens
        self.seed, self.threads = settings.rewrite_seed, settings.rewrite_threads
        self.constrained = settings.rewrite_constraint == "on"
        self.min_share = settings.rewrite_min_share
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._model: Any = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        with self._load_lock:
            if self._model is not None:
                return
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise ModelError(
                    "the llama.cpp backend needs the llama extra: bash .ci/install-llama (compiles llama.cpp)",
                    reason=Fallback.LOAD_FAILED,
                ) from exc
            if not self.path.is_file():
                raise ModelError(f"GGUF file {self.name!r} not found", reason=Fallback.LOAD_FAILED)
            try:
                self._model = Llama(
                    model_path=str(self.path),
                    n_ctx=0,  # the model's own context length
                    n_threads=self.threads,
                    n_threads_batch=self.threads,
                    seed=self.seed,
                    verbose=False,
                )
            except (ValueError, RuntimeError, OSError) as exc:
                raise ModelError(
                    f"cannot load rewrite model {self.name!r}: {str(exc).splitlines()[0][:300]}",
                    reason=Fallback.LOAD_FAILED,
                ) from exc

    def _tokens(self, text: str) -> list[int]:
        return list(self._model.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def rewrite(self, sentences: Sequence[SelectedSentence], max_words: int, timeout_s: float) -> Rewrite:
        start = time.monotonic()
        deadline = start + timeout_s
        self.load()
        instruction = INSTRUCTION.format(words=max_words)
        overhead = len(self._tokens(instruction)) + _TEMPLATE_TOKENS
        kept, cut = model_input(sentences, lambda text: len(self._tokens(text)), self.max_input_tokens - overhead)
        budget = max_new_tokens(max_words)
        ends = [self._model.token_eos()]
        rule = (
            TokenConstraint(
                units([s.text for s in kept]),
                lambda ts: [self._tokens(t) for t in ts],
                ends,
                max_words,
                budget,
                min_words(kept, max_words, self.min_share),
            )
            if self.constrained
            else None
        )
        prompt: list[int] = []
        late = [False]

        def process(input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
            if not prompt:
                prompt.append(len(input_ids))  # the first call comes before any generated token
            if time.monotonic() > deadline:
                late[0] = True
                return mask(scores, np.array(ends))
            return scores if rule is None else mask(scores, rule.allowed(input_ids[prompt[0] :].tolist()))

        if not self._run_lock.acquire(timeout=max(timeout_s, 0)):
            raise ModelError(
                "the rewrite model was busy with other requests past the time budget", reason=Fallback.TIMEOUT
            )
        try:
            from llama_cpp import LogitsProcessorList

            answer = self._model.create_chat_completion(
                messages=[
                    {"role": "system", "content": instruction},
                    {"role": "user", "content": " ".join(s.text for s in kept)},
                ],
                temperature=0.0,
                max_tokens=budget,
                repeat_penalty=REPETITION_PENALTY,
                seed=self.seed,
                logits_processor=LogitsProcessorList([process]),
            )
        except (ValueError, RuntimeError) as exc:  # a prompt over the context, a decode failure
            raise ModelError(f"the rewrite model failed: {str(exc)[:200]}") from exc
        finally:
            self._run_lock.release()
        if late[0]:
            raise ModelError(
                f"the rewrite took longer than {timeout_s:.0f} s (NEWSBRIEF_REWRITE_TIMEOUT_S)", reason=Fallback.TIMEOUT
            )
        text = answer["choices"][0]["message"]["content"] or ""
        tokens_in = int(answer["usage"]["prompt_tokens"])
        return Rewrite(" ".join(text.split()), tokens_in, cut, self.name, time.monotonic() - start)
