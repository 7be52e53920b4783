"""Time every text stage on adversarial shapes at 10 KB, 100 KB and 1 MB: growth must stay linear.

    python benchmarks/adversarial.py [--sizes 10000 100000 1000000] [--timeout 60] [--check]

Shapes come from tests/data/adversarial.json. Each measurement runs in its own (forked) process,
killed after --timeout seconds (reported as "> T"), so a quadratic stage cannot stall the table.
Times are CPU seconds of the measuring process (a loaded shared machine stretches wall time, not
CPU time; the timeout is wall time). Growth is the worst ratio between consecutive sizes, per 10x
more input: linear code stays near 10 (below ~20 ms noise dominates, so small times count as 20 ms).
A row whose growth passes --recheck-above (12) is measured --repeats more times (2), keeping each
size's fastest: a noisy neighbour stretches CPU time too (shared caches), a quadratic stage stays
quadratic in every repeat. With --check the exit code is 1 if a measurement timed out or a stage
failed with anything but a NewsbriefError (a clean refusal such as "no readable sentence" is a
result); tests/test_adversarial.py runs it so.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import multiprocessing as mp
import sys
import time
from collections.abc import Callable
from pathlib import Path

from service import Article, NewsbriefError, Settings, Summarizer
from service.cleaning import clean, clean_set
from service.faithfulness import check
from service.reading import parse
from service.segmentation import split_sentences
from service.trimming import trim

SHAPES: dict[str, dict[str, str]] = {
    name: spec
    for name, spec in json.loads(
        (Path(__file__).resolve().parent.parent / "tests" / "data" / "adversarial.json").read_text(encoding="utf-8")
    ).items()
    if not name.startswith("_")
}
_NOISE_S = 0.02
_SHORT = "The minister will arrive in the capital on Monday, officials said."
_SUMMARIZER = Summarizer(Settings(max_article_chars=50_000_000))


def build(shape: str, size: int) -> str:
    spec = SHAPES[shape]
    fill = max(size - len(spec["prefix"]) - len(spec["suffix"]), 0)
    return spec["prefix"] + spec["unit"] * (fill // len(spec["unit"]) + 1) + spec["suffix"]


def _trim_all(text: str) -> None:
    for start, end in split_sentences(text, clean(text).spans):
        trim(text, start, end, "full")


STAGES: dict[str, Callable[[str], object]] = {
    "read_text": lambda t: parse(t, "a.txt", ".txt", "a"),
    "read_html": lambda t: parse(f"<html><body><article><p>{t}</p></article></body></html>", "a.html", ".html", "a"),
    "clean": clean,
    "clean_set": lambda t: clean_set([t, t[: len(t) // 2], t[len(t) // 2 :]]),
    "segment": lambda t: list(split_sentences(t, clean(t).spans)),
    # pySBD's rules (German, Chinese): up to RULE_MAX_CHARS, then the plain split
    "segment_de": lambda t: list(split_sentences(t, clean(t).spans, "de")),
    "segment_zh": lambda t: list(split_sentences(t, clean(t).spans, "zh")),
    "trim": _trim_all,
    "check_rewrite": lambda t: check(t, [_SHORT], 0.3),
    "check_sources": lambda t: check(_SHORT, [t], 0.3),
    "pipeline": lambda t: _SUMMARIZER.summarize([Article(id="a", text=t)]),
    "pipeline_de": lambda t: _SUMMARIZER.summarize([Article(id="a", text=t, lang="de")]),
}


def _measure(shape: str, size: int, stage: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    fn = STAGES[stage]
    with contextlib.suppress(NewsbriefError):  # first use loads the tokenizer: not part of the measurement
        fn(build(shape, 1000))
    text = build(shape, size)
    start = time.process_time()  # CPU time: a loaded shared machine stretches wall time, not this
    failure = ""
    try:
        fn(text)
    except NewsbriefError:
        pass
    except Exception as exc:
        failure = f"{type(exc).__name__}: {exc}"[:200]
    out.put((time.process_time() - start, failure))


def measure(shape: str, size: int, stage: str, timeout: float) -> tuple[float | None, str]:
    """(seconds, failure) of one stage on one shape; seconds is None past the timeout."""
    queue: mp.Queue = mp.get_context("fork").Queue()  # type: ignore[type-arg]
    proc = mp.get_context("fork").Process(target=_measure, args=(shape, size, stage, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None, ""
    if queue.empty():
        return None, f"the process died (exit code {proc.exitcode})"
    seconds, failure = queue.get()
    return float(seconds), str(failure)


def growth(times: list[float | None], sizes: list[int]) -> float:
    """Worst growth factor per 10x input between consecutive sizes (inf after a timeout)."""
    worst = 0.0
    for (a, size_a), (b, size_b) in itertools.pairwise(zip(times, sizes, strict=True)):
        if a is None or b is None:
            return math.inf
        worst = max(worst, (max(b, _NOISE_S) / max(a, _NOISE_S)) ** (1 / math.log10(size_b / size_a)))
    return worst


def row(shape: str, stage: str, sizes: list[int], timeout: float) -> tuple[list[float | None], list[str]]:
    """One stage on one shape at every size (after a timeout, the larger sizes are not run), and its problems."""
    times: list[float | None] = []
    problems = []
    for size in sizes:
        seconds, failure = measure(shape, size, stage, timeout) if None not in times else (None, "")
        times.append(seconds)
        if failure or seconds is None:
            problems.append(f"{shape}/{stage}/{size}: {failure or f'over {timeout:.0f} s'}")
    return times, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--shapes", nargs="*", default=sorted(SHAPES))
    parser.add_argument("--stages", nargs="*", default=list(STAGES))
    parser.add_argument("--recheck-above", type=float, default=12.0, help="growth that triggers the repeats")
    parser.add_argument("--repeats", type=int, default=2, help="extra measurements of a row above --recheck-above")
    parser.add_argument("--check", action="store_true", help="exit 1 on a timeout or an unexpected failure")
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    header = " | ".join(f"{s // 1000} KB CPU s" for s in sizes)
    print(f"| shape | stage | {header} | growth per 10x |")
    print("|---|---|" + "---|" * len(sizes) + "---|")
    problems = []
    worst = 0.0
    for shape in args.shapes:
        for stage in args.stages:
            times, failures = row(shape, stage, sizes, args.timeout)
            for _ in range(args.repeats if len(sizes) > 1 and growth(times, sizes) > args.recheck_above else 0):
                again, _ = row(shape, stage, sizes, args.timeout)
                times = [None if a is None or b is None else min(a, b) for a, b in zip(times, again, strict=True)]
            problems += failures
            cells = [f"{t:.3f}" if t is not None else f"> {args.timeout:.0f}" for t in times]
            factor = growth(times, sizes) if len(sizes) > 1 else 0.0
            worst = max(worst, factor)
            print(f"| {shape} | {stage} | {' | '.join(cells)} | {factor:.1f} |", flush=True)
    if len(sizes) > 1:
        print(f"\nworst growth per 10x input: {worst:.1f}")
    for problem in problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    if args.check and problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
