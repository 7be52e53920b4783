"""The rewrite stage: input shares, faithfulness policies and every fallback.

Policy tests use small Rewriter doubles (the contract is a Protocol); the real transformers path
runs on a tiny T5 built here with a sentencepiece tokenizer trained on the seeds, and on the
real SmolLM2 GGUF in tests/test_rewrite_model.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from service import Article, Settings, Summarizer
from service.backends import Rewrite, fair_share
from service.backends.transformers import resolve
from service.errors import Fallback, ModelError
from service.faithfulness import REPORTED, check
from service.result import SelectedSentence

FAITHFUL = "US Secretary of State Antony Blinken met Chinese Foreign Minister Qin Gang in Beijing on Sunday."
INVENTED = "The top US diplomat, Xi Jinping, said 42 soldiers died in Paris. China condemned the meeting."


class Scripted:
    """A Rewriter that returns a fixed text, or raises, or takes its time."""

    name = "scripted"

    def __init__(self, text: str = FAITHFUL, error: Exception | None = None, loaded: bool = True) -> None:
        self.text, self.error, self._loaded = text, error, loaded
        self.calls: list[list[str]] = []

    @property
    def loaded(self) -> bool:
        return self._loaded

    def load(self) -> None:
        self._loaded = True

    def rewrite(self, sentences: Sequence[SelectedSentence], max_words: int, timeout_s: float) -> Rewrite:
        self.calls.append([s.text for s in sentences])
        if self.error is not None:
            raise self.error
        return Rewrite(self.text, tokens_in=123, cut_sentences=0, model=self.name, seconds=0.01)


def summarize(articles: list[Article], rewriter: Scripted | None, **settings: object) -> object:
    return Summarizer(Settings(**settings), rewriter=rewriter).summarize(articles, max_words=80, rewrite="on")


def test_fair_share_gives_each_article_room() -> None:
    lengths = [("a", 40), ("a", 40), ("a", 40), ("b", 30), ("c", 30)]
    keep = fair_share(lengths, 120)
    assert keep == [True, False, False, True, True]  # "a" cannot crowd out b and c
    assert fair_share(lengths, 1000) == [True] * 5
    assert fair_share([], 10) == []


def test_faithfulness_check(seed_articles: list[Article]) -> None:
    sources = [a.text for a in seed_articles]
    assert check(FAITHFUL, sources, 0.3).passed
    verdict = check(INVENTED, sources, 0.3)
    found = {u.text for u in verdict.unsupported}
    assert not verdict.passed
    assert {"42", "Paris"} <= found
    assert "China condemned the meeting." in found


def test_a_copied_sentence_without_content_words_passes() -> None:
    sources = ["Why? Nobody knows why the bridge collapsed.", "What now? The mayor said repairs start soon."]
    assert check("Why? The mayor said repairs start soon.", sources, 0.3).passed
    verdict = check("Why? What now? Why not?", sources, 0.3)  # copied, copied, not in the sources
    assert [u.text for u in verdict.unsupported] == ["Why not?"]


def test_a_verdict_reports_the_first_problems_and_counts_them_all() -> None:
    rewrite = " ".join(f"The toll rose to {n} on Friday." for n in range(100, 160))
    verdict = check(rewrite, ["The toll rose to 99 on Friday."], 0.3)
    assert not verdict.passed
    assert verdict.problems >= 60  # 60 distinct numbers not in the source, at least
    assert [u.text for u in verdict.unsupported] == [str(n) for n in range(100, 100 + REPORTED)]


def test_faithful_rewrite_is_returned(seed_articles: list[Article]) -> None:
    rewriter = Scripted()
    summary = summarize(seed_articles, rewriter)
    assert summary.mode == "abstractive"
    assert summary.brief == FAITHFUL
    assert summary.fallback_reason is None
    assert summary.rewrite.faithful
    assert summary.rewrite.tokens_in == 123
    assert rewriter.calls[0] == [s.text for s in summary.sentences]  # only the picked sentences, in brief order


def test_strict_policy_falls_back_and_says_why(seed_articles: list[Article]) -> None:
    summary = summarize(seed_articles, Scripted(INVENTED))
    assert summary.mode == "extractive"
    assert summary.brief == " ".join(s.text for s in summary.sentences)
    assert summary.fallback_reason == "unfaithful"
    assert any("not faithful" in note for note in summary.notes)
    assert not summary.rewrite.faithful
    assert summary.rewrite.text == INVENTED  # kept for inspection


def test_flag_policy_returns_the_rewrite_with_spans(seed_articles: list[Article]) -> None:
    summary = summarize(seed_articles, Scripted(INVENTED), faithfulness="flag")
    assert summary.mode == "abstractive"
    assert summary.brief == INVENTED
    assert {"42", "Paris"} <= {u.text for u in summary.rewrite.unsupported}


def test_off_policy_trusts_the_model(seed_articles: list[Article]) -> None:
    assert summarize(seed_articles, Scripted(INVENTED), faithfulness="off").mode == "abstractive"


def test_over_budget_rewrite_is_unfaithful(seed_articles: list[Article]) -> None:
    summary = summarize(seed_articles, Scripted(" ".join([FAITHFUL] * 10)))
    assert summary.mode == "extractive"
    assert any("over the budget" in u.reason for u in summary.rewrite.unsupported)


@pytest.mark.parametrize(
    ("rewriter", "reason", "message"),
    [
        (None, Fallback.UNCONFIGURED, "no rewrite model is configured"),
        (Scripted(loaded=False), Fallback.NOT_LOADED, "not loaded yet"),
        (
            Scripted(error=ModelError("the model ran out of memory", reason=Fallback.OUT_OF_MEMORY)),
            Fallback.OUT_OF_MEMORY,
            "out of memory",
        ),
        (
            Scripted(error=ModelError("the rewrite took longer than 1 s", reason=Fallback.TIMEOUT)),
            Fallback.TIMEOUT,
            "longer than",
        ),
        (Scripted(error=RuntimeError("CUDA error: device-side assert")), Fallback.ERROR, "failed: RuntimeError"),
    ],
)
def test_fallbacks_return_the_extractive_brief(
    seed_articles: list[Article], rewriter: Scripted | None, reason: Fallback, message: str
) -> None:
    mode = "auto" if rewriter is not None and not rewriter.loaded else "on"
    summary = Summarizer(Settings(), rewriter=rewriter).summarize(seed_articles, max_words=60, rewrite=mode)
    assert summary.mode == "extractive"
    assert summary.fallback_reason == reason
    assert any(message in note for note in summary.notes)
    assert summary.brief == " ".join(s.text for s in summary.sentences)


def test_rewrite_off_never_calls_the_model(seed_articles: list[Article]) -> None:
    rewriter = Scripted()
    summary = Summarizer(Settings(), rewriter=rewriter).summarize(seed_articles)
    assert summary.mode == "extractive"
    assert summary.fallback_reason is None
    assert rewriter.calls == []


def test_model_specs_resolve(tmp_path: Path) -> None:
    (tmp_path / "local").mkdir()
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    assert resolve("local", tmp_path) == (str(tmp_path / "local"), None)
    assert resolve(str(tmp_path / "m.gguf"), tmp_path) == (str(tmp_path), "m.gguf")
    assert resolve("facebook/bart-large-cnn", tmp_path) == ("facebook/bart-large-cnn", None)
    with pytest.raises(ModelError, match="not found"):
        resolve("no-such-model", tmp_path)


def test_missing_and_broken_models_fall_back(seed_articles: list[Article], tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    for spec, message in (("no-such-model", "not found"), (str(broken), "cannot load")):
        summary = Summarizer(Settings(rewrite_model=spec)).summarize(seed_articles, rewrite="on")
        assert summary.mode == "extractive"
        assert summary.fallback_reason == Fallback.LOAD_FAILED
        assert any(message in note for note in summary.notes)


def test_settings_choose_the_default(seed_articles: list[Article]) -> None:
    summary = Summarizer(Settings(rewrite="auto")).summarize(seed_articles)
    assert summary.fallback_reason == Fallback.UNCONFIGURED
