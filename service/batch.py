"""Summarise JSON Lines of article sets: one output record per non-blank input line, in input order.

Every record carries its input `line`. A bad line (not UTF-8, not JSON, nested too deep, longer
than NEWSBRIEF_MAX_LINE_BYTES, a bad id or article) becomes an error record and the run goes on.
Memory stays bounded whatever the input holds: it is read as bytes, at most max_line_bytes of a
line, with a bounded window of jobs in flight. The output is always an in-order prefix of the full
result made of whole records (a record being written holds SIGINT/SIGTERM off; only kill -9 can
leave a torn last line, which --resume cuts off), so --resume, which skips the input up to the
line of the last record, gives exactly the output of an uninterrupted run, whatever the ids hold.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any, NamedTuple

from service.errors import INTERNAL_ERROR, InputError, LimitExceededError, NewsbriefError, ReadError
from service.reading import decode, load_json
from service.sets import (
    STDIN_FD,
    InputLines,
    Line,
    input_name,
    load_set,
    open_input,
    set_articles,
    set_id,
    within_limit,
)
from service.settings import Settings
from service.summarizer import Summarizer
from service.workers import OrderedPool

Record = dict[str, Any]
# where the lines are summarised, if not in local processes (the Ray engine): their records, in input order
Work = Callable[[Iterable[Line]], Generator[Record, None, None]]

_RECORD_START = b'{"id": '  # how every record this module writes begins (see `record_bytes`)
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def summarize_line(
    summarizer: Summarizer, number: int, line: bytes | None, max_words: int | None, max_sentences: int | None
) -> Record:
    """A line's record: `{"id", "line", "summary", "sentences"}` (with the rewrite on, also "mode",
    "fallback_reason" and "notes"), or `{"id", "line", "error": {"type", "message"}}` whatever the line
    holds (`id` is null when the line has none or it is unreadable)."""
    record: Record = {"id": None, "line": number}
    try:
        value = load_set(within_limit(line, number, summarizer.settings.max_line_bytes), number)
        record["id"] = set_id(value, number)
        articles, known = set_articles(value, number)
        summary = summarizer.summarize(articles, max_words=max_words, max_sentences=max_sentences, known=known)
    except NewsbriefError as exc:
        return {**record, "error": {"type": exc.kind, "message": exc.message}}
    except Exception as exc:  # a bug costs its record, not the run (the API answers these with a 500)
        message = f"line {number}: newsbrief failed on this set ({type(exc).__name__}); please report it"
        return {**record, "error": {"type": INTERNAL_ERROR, "message": message}}
    record.update(summary=summary.brief, sentences=[s.model_dump(mode="json") for s in summary.sentences])
    if summarizer.settings.rewrite != "off":  # what a rewrite run needs to know of each brief
        record.update(mode=summary.mode, fallback_reason=summary.fallback_reason, notes=summary.notes)
    return record


def died_record(job: Line) -> Record:
    """The record of a line whose worker process died on it, alone (killed, or out of memory)."""
    number = job[0]
    message = f"line {number}: the worker process died on this set (killed, or out of memory)"
    return {"id": None, "line": number, "error": {"type": LimitExceededError.kind, "message": message}}


# -- output


def record_bytes(record: Record) -> bytes:
    """One JSON Lines row; a record holds only checked text (no lone surrogates), so this is UTF-8."""
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


@dataclass
class BatchStats:
    done: int = 0
    failed: int = 0
    skipped: int = 0
    repeated_ids: int = 0
    first_repeat: str = ""  # the first record with an id seen before, e.g. "'a' again on line 4"
    seconds: float = 0.0
    ids: set[str] = field(default_factory=set, repr=False)  # memory grows only with the ids seen

    @property
    def rate(self) -> float:
        return (self.done + self.failed) / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (
            f"done: {self.done}, failed: {self.failed}, skipped: {self.skipped}, "
            f"repeated ids: {self.repeated_ids}, rate: {self.rate:.1f} sets/s"
        )

    def warning(self) -> str | None:
        if not self.repeated_ids:
            return None
        return (
            f"{self.repeated_ids} records have the id of an earlier record (first: {self.first_repeat}); "
            'every record has its input "line" to tell them apart'
        )

    def note_id(self, record: Record) -> None:
        key = record["id"]
        if key is None:
            return
        if key in self.ids:
            self.repeated_ids += 1
            self.first_repeat = self.first_repeat or f"{key!r} again on line {record.get('line')}"
        else:
            self.ids.add(key)

    def count(self, record: Record) -> None:
        failed = "error" in record
        self.failed += failed
        self.done += not failed
        self.note_id(record)


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait while a record is written, so an interrupted run leaves whole records."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def write_record(sink: IO[bytes], record: Record, stats: BatchStats) -> None:
    data = record_bytes(record)
    with _signals_held():
        sink.write(data)
        sink.flush()
        stats.count(record)


def refuse_same_file(source: str, output: Path) -> None:
    """Opening the output would wipe an input that is the same file, by whatever name (a hard or
    symbolic link, another relative path, stdin redirected from it): refuse before it is opened."""
    try:
        target = os.stat(output)
        here = os.fstat(STDIN_FD) if source == "-" else os.stat(source)
    except OSError:
        return  # no such output yet, or no input: opening them says why
    if os.path.samestat(here, target):
        raise InputError(f"{output} is the input {input_name(source)}; write the output to another file")


class LastRecord(NamedTuple):
    line: int  # 0: there is none
    id: str | None


def resume_from(output: Path, stats: BatchStats, limit: int) -> LastRecord:
    """The last whole record in `output`, once every line has been checked to be a record with a
    rising `line`; a torn last line (a run killed while writing it) is cut off. Anything else in
    the file is refused, never cut."""
    if not output.exists():
        return LastRecord(0, None)
    refusal = f"{output} is not the output of an earlier batch run, so --resume leaves it alone"
    if not output.is_file():
        raise InputError(f"{refusal}: not a regular file")
    last, whole = LastRecord(0, None), 0
    with output.open("rb") as existing:
        for number, data in enumerate(iter(lambda: existing.readline(limit + 1), b""), start=1):
            if not data.endswith(b"\n"):
                if existing.read(1) or not (data.startswith(_RECORD_START) or _RECORD_START.startswith(data)):
                    raise InputError(f"{refusal}: line {number} is not a record")
                break
            try:
                record = load_json(decode(data, f"line {number}"), f"line {number}")
            except ReadError as exc:
                raise InputError(f"{refusal}: {exc.message}") from None
            if not (isinstance(record, dict) and "id" in record and isinstance(record["id"], str | None)):
                raise InputError(f'{refusal}: line {number} is not a record with an "id"')
            line = record.get("line")
            if isinstance(line, bool) or not isinstance(line, int) or line <= last.line:
                raise InputError(f'{refusal}: line {number} has no "line" after {last.line}')
            last, whole = LastRecord(line, record["id"]), whole + len(data)
            stats.note_id(record)
    if whole < output.stat().st_size:
        with output.open("r+b") as existing:
            existing.truncate(whole)
    return last


def line_id(line: bytes | None, number: int) -> str | None:
    """The id the record of a line has: None when the line has none, or it cannot be read."""
    try:
        return set_id(load_set(line, number), number) if line is not None else None
    except InputError:
        return None


def cut_short(failure: str, output: Path) -> ReadError:
    """The error of an input that failed part-way, once the records before it are written."""
    return ReadError(f"{failure}; {output} holds the records of the lines before it")


# -- the run

_budget: tuple[Summarizer, int | None, int | None] | None = None  # a worker process's pipeline and budget


def _init_worker(settings: Settings, max_words: int | None, max_sentences: int | None) -> None:
    global _budget  # noqa: PLW0603 - one Summarizer per worker process, built once
    _budget = (Summarizer(settings), max_words, max_sentences)


def _work(job: Line) -> Record:
    assert _budget is not None
    summarizer, max_words, max_sentences = _budget
    return summarize_line(summarizer, *job, max_words, max_sentences)


def _records(
    lines: Iterable[Line], settings: Settings, workers: int, max_words: int | None, max_sentences: int | None
) -> Generator[Record, None, None]:
    if workers <= 1:
        summarizer = Summarizer(settings)
        for number, line in lines:
            yield summarize_line(summarizer, number, line, max_words, max_sentences)
        return
    pool = OrderedPool(workers, _work, died_record, _init_worker, (settings, max_words, max_sentences))
    yield from pool.map(lines)


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
    work: Work | None = None,
) -> BatchStats:
    """Summarise every line of `source` into `output` ('-' reads stdin); with `resume`, append to
    what an earlier run of the same input left there. `work` summarises the lines elsewhere (the Ray
    engine) instead of in `workers` local processes."""
    refuse_same_file(source, output)
    stats = BatchStats()
    start = time.perf_counter()
    last = resume_from(output, stats, settings.max_line_bytes) if resume else LastRecord(0, None)
    with open_input(source) as stream, output.open("ab" if resume else "wb") as sink:
        lines = InputLines(stream, input_name(source), settings.max_line_bytes)

        def pending() -> Iterator[Line]:
            """The lines after the last record's, once that line is found to hold the record's set."""
            matched = last.line == 0
            for number, line in lines:
                if number <= last.line:
                    stats.skipped += 1
                    matched = matched or (number == last.line and line_id(line, number) == last.id)
                    continue
                if not matched:
                    break
                yield number, line
            if not matched and lines.failure is None:
                raise InputError(
                    f"line {last.line} of {input_name(source)} is not the set of the last record in {output} "
                    "(another id, or no such line): --resume needs the input that output was written from"
                )

        local = partial(_records, settings=settings, workers=workers, max_words=max_words, max_sentences=max_sentences)
        records = (work or local)(pending())
        try:
            for record in records:
                write_record(sink, record, stats)
                if on_record is not None:
                    on_record(record)
        finally:
            records.close()  # an interrupt or a failed write: the workers stop now
    if lines.failure is not None:
        raise cut_short(lines.failure.message, output)
    stats.seconds = time.perf_counter() - start
    return stats
