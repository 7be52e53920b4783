"""In-process transformers backend: seq2seq (BART, PEGASUS, T5) or chat causal LMs (Qwen2.5, SmolLM2, …).

Only the selected sentences go in (never the raw articles), each article gets a fair share of the
model's input window, and decoding is greedy (deterministic), constrained to copy (constraint.py)
unless NEWSBRIEF_REWRITE_CONSTRAINT=off. torch and transformers are imported on first use.
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
from service.model_registry import local_name
from service.result import SelectedSentence
from service.settings import Settings

# tokens a chat template or tokenizer may add beyond the measured prompt (BOS, role markers)
_PROMPT_SLACK_TOKENS = 8
# with the repetition penalty, what keeps greedy decoding of small models from looping
_NO_REPEAT_NGRAM = 4


def resolve(spec: str, models_dir: Path) -> tuple[str, str | None]:
    """(folder or hub id, gguf file name or None) for a model spec."""
    path = Path(spec)
    if not path.exists() and (models_dir / local_name(spec, models_dir)).exists():
        path = models_dir / local_name(spec, models_dir)
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ModelError(f"GGUF file {spec!r} not found", reason=Fallback.LOAD_FAILED)
        return str(path.parent), path.name
    if path.exists():
        return str(path), None
    if spec.count("/") == 1 and not spec.startswith((".", "/")):
        return spec, None  # a hub id: downloaded on first use (or baked in with `newsbrief models pull`)
    raise ModelError(
        f"model {spec!r} not found: give a hub id, a folder, a .gguf file or a name under models/",
        reason=Fallback.LOAD_FAILED,
    )


class TransformersRewriter:
    """Seq2seq or chat causal LM, chosen by the model config; loads once, thread-safe."""

    def __init__(self, spec: str, settings: Settings) -> None:
        self.name = spec
        self.models_dir = settings.models_dir
        self.device_choice, self.dtype_choice = settings.rewrite_device, settings.rewrite_dtype
        self.max_input_tokens = settings.rewrite_max_input_tokens
        self.constrained = settings.rewrite_constraint == "on"
        self.min_share = settings.rewrite_min_share
        self._lock = threading.Lock()
        self._model: Any = None
        self._tokenizer: Any = None
        self._seq2seq = False

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            try:
                import torch
                from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer
            except ImportError as exc:
                raise ModelError(
                    "the rewrite needs the model extra: pip install 'newsbrief[model]'", reason=Fallback.LOAD_FAILED
                ) from exc
            where, gguf = resolve(self.name, self.models_dir)
            extra: dict[str, Any] = {"gguf_file": gguf} if gguf else {}
            device = "cuda" if self.device_choice == "auto" and torch.cuda.is_available() else self.device_choice
            device = "cpu" if device == "auto" else device
            # auto on a GPU: bfloat16 where the card has it (T5-family weights overflow in float16)
            half = torch.bfloat16 if device == "cuda" and torch.cuda.is_bf16_supported() else torch.float16
            dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}.get(
                self.dtype_choice, half if device == "cuda" else torch.float32
            )
            try:
                config = AutoConfig.from_pretrained(where, **extra)
                self._seq2seq = bool(getattr(config, "is_encoder_decoder", False))
                loader: Any = AutoModelForSeq2SeqLM if self._seq2seq else AutoModelForCausalLM
                self._tokenizer = AutoTokenizer.from_pretrained(where, **extra)
                self._model = loader.from_pretrained(where, dtype=dtype, **extra).to(device).eval()
            except (OSError, ValueError, RuntimeError, KeyError) as exc:
                raise ModelError(
                    f"cannot load rewrite model {self.name!r}: {str(exc).splitlines()[0][:300]}",
                    reason=Fallback.LOAD_FAILED,
                ) from exc

    def _prompt_ids(self, text: str, max_words: int) -> Any:
        instruction = INSTRUCTION.format(words=max_words)
        if self._seq2seq:
            prefix = "summarize: " if "t5" in type(self._model).__name__.lower() else ""
            return self._tokenizer(prefix + text, return_tensors="pt", truncation=False).input_ids
        messages = [{"role": "system", "content": instruction}, {"role": "user", "content": text}]
        ids = self._tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
        return ids if not isinstance(ids, dict) and not hasattr(ids, "input_ids") else ids["input_ids"]

    def _constraint(self, kept: Sequence[SelectedSentence], max_words: int, prompt_length: int) -> Any:
        """A logits processor that lets the model copy only (constraint.py). It sees the decoder's
        tokens: after the prompt (causal LM) or after the decoder start token (seq2seq)."""
        start = 1 if self._seq2seq else prompt_length
        ends = self._model.generation_config.eos_token_id
        ends = [*(ends if isinstance(ends, list) else [ends]), self._tokenizer.eos_token_id]
        rule = TokenConstraint(
            units([s.text for s in kept]),
            lambda texts: self._tokenizer(texts, add_special_tokens=False).input_ids,
            [e for e in ends if e is not None],
            max_words,
            max_new_tokens(max_words),
            min_words(kept, max_words, self.min_share),
        )

        def constrain(input_ids: Any, scores: Any) -> Any:
            generated = input_ids[0, start:].tolist()
            allowed = rule.allowed(generated)
            row = mask(scores[0].float().cpu().numpy(), allowed)
            return scores.new_tensor(row[np.newaxis, :])

        return constrain

    def rewrite(self, sentences: Sequence[SelectedSentence], max_words: int, timeout_s: float) -> Rewrite:
        import torch
        from transformers import LogitsProcessorList

        self.load()
        start = time.perf_counter()
        overhead = int(self._prompt_ids("", max_words).shape[-1]) + _PROMPT_SLACK_TOKENS
        kept, cut = model_input(
            sentences,
            lambda text: len(self._tokenizer(text, add_special_tokens=False).input_ids),
            self.max_input_tokens - overhead,
        )
        input_ids = self._prompt_ids(" ".join(s.text for s in kept), max_words).to(self._model.device)
        prompt_length = int(input_ids.shape[-1])
        processors = [self._constraint(kept, max_words, prompt_length)] if self.constrained else []
        try:
            with torch.inference_mode():
                output = self._model.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    do_sample=False,
                    num_beams=1,
                    max_new_tokens=max_new_tokens(max_words),
                    repetition_penalty=REPETITION_PENALTY,
                    no_repeat_ngram_size=_NO_REPEAT_NGRAM,
                    max_time=timeout_s,
                    pad_token_id=self._tokenizer.pad_token_id or self._tokenizer.eos_token_id,
                    logits_processor=LogitsProcessorList(processors),
                )
        except torch.cuda.OutOfMemoryError as exc:
            raise ModelError("the rewrite model ran out of GPU memory", reason=Fallback.OUT_OF_MEMORY) from exc
        except MemoryError as exc:
            raise ModelError("the rewrite model ran out of memory", reason=Fallback.OUT_OF_MEMORY) from exc
        seconds = time.perf_counter() - start
        if seconds >= timeout_s:
            raise ModelError(
                f"the rewrite took longer than {timeout_s:.0f} s (NEWSBRIEF_REWRITE_TIMEOUT_S)", reason=Fallback.TIMEOUT
            )
        new = output[0] if self._seq2seq else output[0][prompt_length:]
        brief = " ".join(self._tokenizer.decode(new, skip_special_tokens=True).split())
        return Rewrite(brief, prompt_length, cut, self.name, seconds)
