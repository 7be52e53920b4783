"""The optional abstractive stage: a transformers model rewrites the picked sentences into one brief.

Only the selected sentences go in (never the raw articles), each article gets a fair share of the
model's input window, and decoding is greedy (deterministic). torch and transformers are imported
on first use, so nothing here costs anything while the rewrite is off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from service.errors import ModelError
from service.faithfulness import Unsupported, Verdict, check
from service.schema import RewriteReport, SelectedSentence

INSTRUCTION = (
    "Rewrite these sentences from several news reports into one short, fluent news brief of at most "
    "{words} words. Use only facts stated in the sentences; add no names, numbers or dates."
)


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


def resolve(spec: str, models_dir: Path) -> tuple[str, str | None]:
    """(folder or hub id, gguf file name or None) for a model spec."""
    path = Path(spec)
    if not path.exists() and (models_dir / spec).exists():
        path = models_dir / spec
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ModelError(f"GGUF file {spec!r} not found")
        return str(path.parent), path.name
    if path.exists():
        return str(path), None
    if spec.count("/") == 1 and not spec.startswith((".", "/")):
        return spec, None  # a hub id: downloaded on first use (or baked in with `newsbrief models pull`)
    raise ModelError(f"model {spec!r} not found: give a hub id, a folder, a .gguf file or a name under models/")


class TransformersRewriter:
    """Seq2seq (BART, PEGASUS, T5) or chat causal LMs (Qwen2.5, SmolLM2, …), chosen by the model config."""

    def __init__(
        self,
        spec: str,
        *,
        device: str = "auto",
        dtype: str = "auto",
        max_input_tokens: int = 1024,
        models_dir: Path = Path("models"),
    ) -> None:
        self.name = spec
        self.models_dir = models_dir
        self.device_choice, self.dtype_choice = device, dtype
        self.max_input_tokens = max_input_tokens
        self._lock = threading.Lock()
        self._model: Any = None
        self._tokenizer: Any = None
        self._seq2seq = False
        self.load_seconds = 0.0

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            start = time.perf_counter()
            try:
                import torch
                from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer
            except ImportError as exc:
                raise ModelError("the rewrite needs the model extra: pip install 'newsbrief[model]'") from exc
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
                raise ModelError(f"cannot load rewrite model {self.name!r}: {str(exc).splitlines()[0][:300]}") from exc
            self.load_seconds = time.perf_counter() - start

    def _prompt_ids(self, text: str, max_words: int) -> Any:
        instruction = INSTRUCTION.format(words=max_words)
        if self._seq2seq:
            prefix = "summarize: " if "t5" in type(self._model).__name__.lower() else ""
            return self._tokenizer(prefix + text, return_tensors="pt", truncation=False).input_ids
        messages = [{"role": "system", "content": instruction}, {"role": "user", "content": text}]
        ids = self._tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
        return ids if not isinstance(ids, dict) and not hasattr(ids, "input_ids") else ids["input_ids"]

    def rewrite(self, sentences: Sequence[SelectedSentence], max_words: int, timeout_s: float) -> Rewrite:
        import torch

        self.load()
        start = time.perf_counter()
        overhead = int(self._prompt_ids("", max_words).shape[-1]) + 8
        lengths = [(s.doc_id, len(self._tokenizer(s.text, add_special_tokens=False).input_ids) + 1) for s in sentences]
        keep = fair_share(lengths, self.max_input_tokens - overhead)
        text = " ".join(s.text for s, k in zip(sentences, keep, strict=True) if k)
        if not text:
            raise ModelError("no picked sentence fits the model's input window")
        input_ids = self._prompt_ids(text, max_words).to(self._model.device)
        try:
            with torch.inference_mode():
                output = self._model.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    do_sample=False,
                    num_beams=1,
                    max_new_tokens=int(max_words * 1.6) + 16,
                    repetition_penalty=1.15,
                    no_repeat_ngram_size=4,
                    max_time=timeout_s,
                    pad_token_id=self._tokenizer.pad_token_id or self._tokenizer.eos_token_id,
                )
        except torch.cuda.OutOfMemoryError as exc:
            raise ModelError("the rewrite model ran out of GPU memory") from exc
        except MemoryError as exc:
            raise ModelError("the rewrite model ran out of memory") from exc
        seconds = time.perf_counter() - start
        if seconds >= timeout_s:
            raise ModelError(f"the rewrite took longer than {timeout_s:.0f} s (NEWSBRIEF_REWRITE_TIMEOUT_S)")
        new = output[0] if self._seq2seq else output[0][input_ids.shape[-1] :]
        brief = " ".join(self._tokenizer.decode(new, skip_special_tokens=True).split())
        return Rewrite(brief, int(input_ids.shape[-1]), keep.count(False), self.name, seconds)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the rewrite stage decided: the brief to return and why."""

    brief: str
    mode: str
    fallback_reason: str | None
    report: RewriteReport | None


def apply(
    rewriter: Rewriter | None,
    mode: str,
    selected: Sequence[SelectedSentence],
    extractive: str,
    sources: Sequence[str],
    *,
    max_words: int,
    timeout_s: float,
    policy: str,
    threshold: float,
) -> Outcome:
    """Rewrite and check; any failure returns the extractive brief with the reason. Never raises."""
    if rewriter is None:
        return Outcome(extractive, "extractive", "no rewrite model is configured (NEWSBRIEF_REWRITE_MODEL)", None)
    if mode == "auto" and not rewriter.loaded:
        return Outcome(
            extractive, "extractive", "the rewrite model is not loaded yet (rewrite=auto never waits for it)", None
        )
    try:
        result = rewriter.rewrite(selected, max_words, timeout_s)
    except ModelError as exc:
        return Outcome(extractive, "extractive", exc.message, None)
    except Exception as exc:  # a model failure must never cost the caller the brief
        return Outcome(extractive, "extractive", f"the rewrite failed: {type(exc).__name__}: {str(exc)[:200]}", None)
    verdict = check(result.text, sources, threshold) if policy != "off" else Verdict(True, [])
    words = len(result.text.split())
    if words > max_words:
        verdict = Verdict(
            False, [*verdict.unsupported, Unsupported(text="", reason=f"{words} words, over the budget of {max_words}")]
        )
    report = RewriteReport(
        text=result.text,
        model=result.model,
        tokens_in=result.tokens_in,
        cut_sentences=result.cut_sentences,
        seconds=round(result.seconds, 3),
        faithful=verdict.passed,
        unsupported=verdict.unsupported,
    )
    if not verdict.passed and policy == "strict":
        first = verdict.unsupported[0]
        reason = (
            f"the rewrite was not faithful to the sources ({len(verdict.unsupported)} problems; first: {first.reason}"
        )
        reason += f": {first.text!r})" if first.text else ")"
        return Outcome(extractive, "extractive", reason, report)
    return Outcome(result.text, "abstractive", None, report)
