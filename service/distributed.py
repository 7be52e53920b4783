"""`newsbrief batch --engine ray`: the same per-line work on Ray Data, for runs past one machine.

A Ray task reads the input with sets.InputLines (bytes, gzip by its magic, lines bounded in size),
so every line, whatever it holds, becomes the record the local engine makes of it; `map_batches`
runs a callable class, so each actor builds its Summarizer (and any model) once; order is kept, and
the driver writes the records with batch.write_record: the output is byte-identical to the local
engine's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from service.batch import BatchStats, cut_short, record_bytes, refuse_same_file, summarize_line, write_record
from service.errors import ModelError
from service.sets import InputLines, open_input
from service.settings import Settings
from service.summarizer import Summarizer


def _read_lines(row: dict[str, Any], limit: int) -> Iterator[dict[str, Any]]:
    """The input's lines as rows (columns of one type each: an over-long line is flagged, not None);
    a stream that fails part-way ends with a row that carries the failure."""
    with open_input(str(row["path"])) as stream:
        lines = InputLines(stream, str(row["name"]), limit)
        for number, line in lines:
            yield {"number": number, "line": line or b"", "over": line is None, "failure": ""}
        if lines.failure is not None:
            yield {"number": 0, "line": b"", "over": False, "failure": lines.failure.message}


class _SummarizeBatch:
    """One per Ray actor: the pipeline is built once and reused for every batch."""

    def __init__(self, settings_json: str, max_words: int | None, max_sentences: int | None) -> None:
        self.summarizer = Summarizer(Settings.model_validate_json(settings_json))
        self.max_words, self.max_sentences = max_words, max_sentences

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        records = [
            b""
            if failure
            else record_bytes(
                summarize_line(
                    self.summarizer, int(number), None if over else bytes(line), self.max_words, self.max_sentences
                )
            )
            for number, line, over, failure in zip(
                batch["number"], batch["line"], batch["over"], batch["failure"], strict=True
            )
        ]
        return {"record": records, "failure": list(batch["failure"])}


def run_ray(
    settings: Settings,
    source: str,
    output: Path,
    *,
    address: str | None = None,
    actors: int = 2,
    cpus_per_actor: float = 0.5,
    max_words: int | None = None,
    max_sentences: int | None = None,
) -> BatchStats:
    try:
        import ray
    except ImportError as exc:
        raise ModelError("the ray engine needs the ray extra: pip install 'newsbrief[ray]'") from exc

    refuse_same_file(source, output)
    with open_input(source):  # an unreadable input fails here, before Ray starts and the output is opened
        pass
    start = time.perf_counter()
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False

    path = str(Path(source).resolve())  # the task may run in another folder
    lines = ray.data.from_items([{"path": path, "name": source}]).flat_map(
        partial(_read_lines, limit=settings.max_line_bytes)
    )
    records = lines.map_batches(
        _SummarizeBatch,
        fn_constructor_args=(settings.model_dump_json(), max_words, max_sentences),
        batch_size=16,
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=cpus_per_actor,  # fractional: on a small machine whole-CPU actors would starve the job
    )
    stats = BatchStats()
    with output.open("wb") as sink:
        for row in records.iter_rows():
            if row["failure"]:
                raise cut_short(str(row["failure"]), output)
            write_record(sink, json.loads(row["record"]), stats)
    stats.seconds = time.perf_counter() - start
    return stats
