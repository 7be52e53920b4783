"""A sentencepiece vocabulary trained on the seeds, for models built offline: the rewrite latency
benchmark's random-weight models, and the tiny T5 of tests/test_rewrite_model.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_tokenizer(folder: Path, vocab_size: int, exact: bool = True) -> Any:
    """Train a unigram vocabulary on the seeds into `folder/spiece.model`; return it as a T5 tokenizer
    (pad 0, eos 1, unk 2, no bos). `exact=False` lets the vocabulary come out smaller than asked."""
    import sentencepiece as spm
    import transformers

    lines = [
        line for p in sorted(SEEDS.glob("*.txt")) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    folder.mkdir(parents=True, exist_ok=True)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_prefix=str(folder / "spiece"),
        vocab_size=vocab_size,
        hard_vocab_limit=exact,
        model_type="unigram",
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        minloglevel=2,
    )
    (folder / "spiece.vocab").unlink()
    return transformers.T5Tokenizer.from_pretrained(folder, extra_ids=0)
