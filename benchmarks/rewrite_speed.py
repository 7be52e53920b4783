"""Rewrite latency by model size, on CPU or GPU, with randomly initialised models of real shapes.

No BART, PEGASUS, T5 or Qwen weights can be downloaded where this was written, and how long a
model takes does not depend on its weights' values. So each model here has the architecture and
size of one in models/manifest.toml, random weights, a sentencepiece vocabulary trained on the
seeds, and a generation config that makes it write its whole token budget (min_new_tokens): every
figure is the worst case for that size. The rewrite runs through the real Summarizer and
TransformersRewriter (faithfulness off: random text would always be rejected before timing ends).

    python benchmarks/rewrite_speed.py [--device cpu|cuda] [--shapes smollm2-135m bart-large] [--repeats 5]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import transformers
from seed_tokenizer import seed_tokenizer  # benchmarks/seed_tokenizer.py (tests build their tiny T5 with it too)

from service import Article, Settings, Summarizer
from service.backends import max_new_tokens

ROOT = Path(__file__).resolve().parent.parent
WORDS = 100
NEW_TOKENS = max_new_tokens(WORDS)  # what the transformers backend asks for at this budget
CHAT = "{% for m in messages %}<{{ m['role'] }}> {{ m['content'] }}\n{% endfor %}<assistant>"


def _decoder(config: Any, **dims: int) -> Callable[[], Any]:
    """A decoder-only chat model's config, with the seeds tokenizer's special ids."""
    return lambda: config(**dims, tie_word_embeddings=True, pad_token_id=0, eos_token_id=1, bos_token_id=1)


# name -> (manifest model it stands for, config factory)
SHAPES: dict[str, tuple[str, Callable[[], Any]]] = {
    "smollm2-135m": (
        "SmolLM2-135M-Instruct",
        _decoder(
            transformers.LlamaConfig,
            vocab_size=49152,
            hidden_size=576,
            intermediate_size=1536,
            num_hidden_layers=30,
            num_attention_heads=9,
            num_key_value_heads=3,
        ),
    ),
    "flan-t5-base": (
        "flan-t5-base",
        lambda: transformers.T5Config(
            vocab_size=32128,
            d_model=768,
            d_ff=2048,
            num_layers=12,
            num_heads=12,
            d_kv=64,
            feed_forward_proj="gated-gelu",
            decoder_start_token_id=0,
            pad_token_id=0,
            eos_token_id=1,
        ),
    ),
    "bart-large": (
        "bart-large-cnn",
        lambda: transformers.BartConfig(pad_token_id=0, eos_token_id=1, bos_token_id=1, decoder_start_token_id=1),
    ),
    "pegasus-large": (
        "pegasus-multi_news",
        lambda: transformers.PegasusConfig(vocab_size=96103, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0),
    ),
    "qwen2.5-1.5b": (
        "Qwen2.5-1.5B-Instruct",
        _decoder(
            transformers.Qwen2Config,
            vocab_size=151936,
            hidden_size=1536,
            intermediate_size=8960,
            num_hidden_layers=28,
            num_attention_heads=12,
            num_key_value_heads=2,
        ),
    ),
}


def seeds() -> list[Article]:
    return [Article(id=p.stem, text=p.read_text(encoding="utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))]


def tokenizer_dir(root: Path) -> Path:
    """The seeds' sentencepiece vocabulary as a T5 tokenizer with a chat template."""
    folder = root / "tokenizer"
    # the seeds hold ~760 pieces with some sentencepiece versions: up to 800, not exactly
    tokenizer = seed_tokenizer(folder, vocab_size=800, exact=False)
    tokenizer.chat_template = CHAT
    tokenizer.save_pretrained(folder)
    return folder


def build(shape: str, root: Path, tokenizer: Path) -> tuple[Path, int]:
    """Save a random model of `shape` with the seeds tokenizer; return its folder and parameter count."""
    config = SHAPES[shape][1]()
    torch.manual_seed(0)
    loader: Any = transformers.AutoModelForSeq2SeqLM if config.is_encoder_decoder else transformers.AutoModelForCausalLM
    model = loader.from_config(config)
    model.generation_config.min_new_tokens = NEW_TOKENS  # write the whole budget: worst-case latency
    folder = root / shape
    model.save_pretrained(folder)
    transformers.AutoTokenizer.from_pretrained(tokenizer).save_pretrained(folder)
    return folder, sum(p.numel() for p in model.parameters())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", choices=["auto", "float32", "bfloat16", "float16"], default="auto")
    parser.add_argument("--shapes", nargs="*", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    articles = seeds()
    where = torch.cuda.get_device_name() if args.device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"{where}; torch {torch.__version__}, transformers {transformers.__version__}; dtype {args.dtype}")
    print(
        f"seeds, {WORDS}-word brief, {NEW_TOKENS} new tokens forced, greedy; median of {args.repeats} after 1 warm-up\n"
    )
    print("| shape (stands for) | parameters | load s | tokens in | latency s (median / max) | new tokens/s | peak |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        tokenizer = tokenizer_dir(root)
        for shape in args.shapes:
            folder, params = build(shape, root, tokenizer)
            settings = Settings(
                rewrite_model=str(folder),
                rewrite_device=args.device,
                rewrite_dtype=args.dtype,
                rewrite_timeout_s=600,
                faithfulness="off",
            )
            summarizer = Summarizer(settings)
            assert summarizer.rewriter is not None
            if args.device == "cuda":
                torch.cuda.reset_peak_memory_stats()
            start = time.perf_counter()
            summarizer.rewriter.load()
            load_s = time.perf_counter() - start
            seconds, tokens_in = [], 0
            for _ in range(args.repeats + 1):
                summary = summarizer.summarize(articles, max_words=WORDS, rewrite="on")
                assert summary.rewrite is not None, summary.fallback_reason
                seconds.append(summary.rewrite.seconds)
                tokens_in = summary.rewrite.tokens_in
            timed = seconds[1:]
            median = statistics.median(timed)
            peak = (
                f"{torch.cuda.max_memory_allocated() / 2**30:.2f} GiB GPU"
                if args.device == "cuda"
                else f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB RSS"
            )
            print(
                f"| {shape} ({SHAPES[shape][0]}) | {params / 1e6:.0f} M | {load_s:.1f} | {tokens_in} | "
                f"{median:.2f} / {max(timed):.2f} | {NEW_TOKENS / median:.0f} | {peak} |",
                flush=True,
            )
            del summarizer
            if args.device == "cuda":
                torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
