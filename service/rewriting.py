"""The optional abstractive stage: a backend rewrites the picked sentences, the faithfulness check
judges the result, and any failure returns the extractive brief with its reason. Never raises."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from service.backends import Rewriter
from service.errors import Fallback, ModelError
from service.faithfulness import Unsupported, Verdict, check
from service.records import unicode_text
from service.result import Mode, RewriteReport, SelectedSentence
from service.settings import FaithfulnessPolicy, RewriteMode

# time kept back from the request's deadline for the faithfulness check and the answer (the check
# takes ~10-50 ms on a DUC set; the rest is margin on a busy machine)
_CHECK_RESERVE_S = 0.5


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the rewrite stage decided: the brief to return, and why when it is the extractive one."""

    brief: str
    mode: Mode
    reason: Fallback | None
    message: str | None  # the reason in words, for people
    report: RewriteReport | None


def _fallback(extractive: str, reason: Fallback, message: str, report: RewriteReport | None = None) -> Outcome:
    return Outcome(extractive, "extractive", reason, message, report)


def apply(
    rewriter: Rewriter | None,
    mode: RewriteMode,
    selected: Sequence[SelectedSentence],
    extractive: str,
    sources: Sequence[str],
    *,
    max_words: int,
    timeout_s: float,
    policy: FaithfulnessPolicy,
    threshold: float,
    deadline: float | None = None,
) -> Outcome:
    """Rewrite and check; any failure returns the extractive brief with the reason. The rewrite
    gets `timeout_s`, or less so that it ends before `deadline` (a time.monotonic() value)."""
    if rewriter is None:
        return _fallback(extractive, Fallback.UNCONFIGURED, "no rewrite model is configured (NEWSBRIEF_REWRITE_MODEL)")
    if mode == "auto" and not rewriter.loaded:
        return _fallback(
            extractive, Fallback.NOT_LOADED, "the rewrite model is not loaded yet (rewrite=auto never waits for it)"
        )
    if deadline is not None:
        timeout_s = min(timeout_s, deadline - time.monotonic() - _CHECK_RESERVE_S)
        if timeout_s <= 0:
            return _fallback(extractive, Fallback.TIMEOUT, "no time was left for the rewrite before the deadline")
    try:
        result = rewriter.rewrite(selected, max_words, timeout_s)
    except ModelError as exc:
        return _fallback(extractive, exc.reason, exc.message)
    except Exception as exc:  # a model failure must never cost the caller the brief
        return _fallback(extractive, Fallback.ERROR, f"the rewrite failed: {type(exc).__name__}: {str(exc)[:200]}")
    try:
        unicode_text(result.text)  # no encoder can write a lone surrogate: the brief could not be sent
    except ValueError as exc:
        return _fallback(extractive, Fallback.BAD_RESPONSE, f"the rewrite is not Unicode text: it {exc}")
    verdict = check(result.text, sources, threshold) if policy != "off" else Verdict(True, [])
    words = len(result.text.split())
    if words > max_words:
        verdict = Verdict(
            False,
            [*verdict.unsupported, Unsupported(text="", reason=f"{words} words, over the budget of {max_words}")],
            verdict.problems + 1,
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
        message = f"the rewrite was not faithful to the sources ({verdict.problems} problems; first: {first.reason}"
        message += f": {first.text!r})" if first.text else ")"
        return _fallback(extractive, Fallback.UNFAITHFUL, message, report)
    return Outcome(result.text, "abstractive", None, None, report)
