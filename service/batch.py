"""Summarise JSON Lines of article sets, one output record per input line, in input order.

Streams (memory stays flat whatever the file size), reads gzip, runs on local worker processes,
and resumes after a crash: the output is always an in-order prefix of the full result (plus at
most one torn last line, which --resume cuts off), so skipping what it holds and appending the
rest gives exactly the uninterrupted output. A bad line becomes an error record; nothing is
dropped silently.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

from service.errors import InputError, NewsbriefError, ReadError
from service.reading import articles_from_json
from service.records import Article
from service.settings import Settings
from service.summarizer import Summarizer

Record = dict[str, Any]


@dataclass
class BatchStats:
    done: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return (self.done + self.failed) / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return f"done: {self.done}, failed: {self.failed}, skipped: {self.skipped}, rate: {self.rate:.1f} sets/s"


def set_key(line: str, number: int) -> str:
    """The id a line's record will carry: its "id", else its line number; "line:N" if not JSON."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return f"line:{number}"
    if isinstance(value, dict) and value.get("id") is not None:
        return str(value["id"])
    return str(number)


def record_key(record: Record) -> str:
    return str(record["id"]) if record.get("id") is not None else f"line:{record['line']}"


class SetLine(NamedTuple):
    key: str
    articles: list[Article]
    known: list[Article]  # articles the reader has already seen (an update brief)
    record: dict[str, Any]


def parse_set(line: str, number: int) -> SetLine:
    """One input line `{"id", "documents": [...], "known_documents"?: [...]}` ("articles" also works)."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {number}: invalid JSON ({exc.msg})") from None
    if not isinstance(value, dict) or not isinstance(value.get("documents", value.get("articles")), list):
        raise InputError(f'line {number}: expected an object with a "documents" list')
    known = value.get("known_documents", value.get("known_articles", []))
    return SetLine(
        set_key(line, number),
        articles_from_json(value, f"line {number}"),
        articles_from_json(known, f"line {number} known_documents") if known else [],
        value,
    )


def summarize_line(
    summarizer: Summarizer, line: str, number: int, max_words: int | None, max_sentences: int | None
) -> Record:
    key = set_key(line, number)
    set_id = None if key.startswith("line:") else key
    try:
        parsed = parse_set(line, number)
        summary = summarizer.summarize(
            parsed.articles, max_words=max_words, max_sentences=max_sentences, known=parsed.known
        )
    except NewsbriefError as exc:
        return {"id": set_id, "line": number, "error": {"type": exc.kind, "message": exc.message}}
    return {
        "id": set_id,
        "summary": summary.brief,
        "sentences": [s.model_dump(mode="json") for s in summary.sentences],
    }


def numbered_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Non-blank lines with their 1-based line numbers."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, line


def open_input(path: str) -> IO[str]:
    """A text stream of the input: '-' is stdin; gzip is recognised by its magic bytes."""
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="strict")
    try:
        with open(path, "rb") as probe:
            magic = probe.read(2)
    except OSError as exc:
        raise ReadError(f"{path}: cannot read ({exc.strerror})") from None
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8", errors="strict")
    return open(path, encoding="utf-8", errors="strict")


def completed_keys(output: Path) -> set[str]:
    """Keys of the complete records in `output`; a torn last line (a killed run) is cut off."""
    if not output.exists():
        return set()
    keys: set[str] = set()
    good = 0
    with output.open("rb") as existing:
        for raw in existing:
            if not raw.endswith(b"\n"):
                break
            try:
                keys.add(record_key(json.loads(raw)))
            except (json.JSONDecodeError, KeyError, UnicodeDecodeError):
                break
            good += len(raw)
    with output.open("r+b") as existing:
        existing.truncate(good)
    return keys


_worker: Summarizer | None = None


def _init_worker(settings: Settings) -> None:
    global _worker  # noqa: PLW0603 - one Summarizer per worker process, built once
    _worker = Summarizer(settings)


def _work(line: str, number: int, max_words: int | None, max_sentences: int | None) -> Record:
    assert _worker is not None
    return summarize_line(_worker, line, number, max_words, max_sentences)


def _records(
    jobs: Iterable[tuple[int, str]], settings: Settings, workers: int, max_words: int | None, max_sentences: int | None
) -> Iterator[Record]:
    """Records in input order; at most 4 jobs per worker are in flight (flat memory)."""
    if workers <= 1:
        summarizer = Summarizer(settings)
        for number, line in jobs:
            yield summarize_line(summarizer, line, number, max_words, max_sentences)
        return
    window: deque[Future[Record]] = deque()
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(settings,)) as pool:
        for number, line in jobs:
            window.append(pool.submit(_work, line, number, max_words, max_sentences))
            if len(window) >= 4 * workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def run_batch(
    settings: Settings,
    source: str,
    output: Path,
    *,
    workers: int = 1,
    resume: bool = False,
    max_words: int | None = None,
    max_sentences: int | None = None,
    on_record: Callable[[Record], None] | None = None,
) -> BatchStats:
    stats = BatchStats()
    start = time.perf_counter()
    done_keys = completed_keys(output) if resume else set()

    def pending(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
        for number, line in numbered_lines(lines):
            if done_keys and set_key(line, number) in done_keys:
                stats.skipped += 1
                continue
            yield number, line

    with open_input(source) as lines, output.open("a" if resume else "w", encoding="utf-8") as sink:
        try:
            for record in _records(pending(lines), settings, workers, max_words, max_sentences):
                failed = "error" in record
                stats.failed += failed
                stats.done += not failed
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                sink.flush()
                if on_record is not None:
                    on_record(record)
        except UnicodeDecodeError:
            raise ReadError(f"{source}: not valid UTF-8 after {stats.done + stats.failed} records") from None
        except (EOFError, gzip.BadGzipFile, OSError) as exc:
            raise ReadError(f"{source}: cannot read past record {stats.done + stats.failed} ({exc})") from None
    stats.seconds = time.perf_counter() - start
    return stats
