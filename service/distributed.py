"""`newsbrief batch --engine ray`: the same per-line work on Ray Data, for runs past one machine.

Lines are read as text (not `read_json`) so a malformed line still becomes its own error record
instead of failing the read; `map_batches` runs a callable class, so each actor builds its
Summarizer (and any model) once; order is preserved, and the driver streams the records into one
JSON Lines file, byte-identical to the local engine's output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from service.batch import BatchStats, Record, summarize_line
from service.errors import ModelError
from service.settings import Settings
from service.summarizer import Summarizer


class _SummarizeBatch:
    """One per Ray actor: the pipeline is built once and reused for every batch."""

    def __init__(self, settings_json: str, max_words: int | None, max_sentences: int | None) -> None:
        self.summarizer = Summarizer(Settings.model_validate_json(settings_json))
        self.max_words, self.max_sentences = max_words, max_sentences

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        records = [
            summarize_line(self.summarizer, str(line), int(number), self.max_words, self.max_sentences)
            for line, number in zip(batch["text"], batch["number"], strict=True)
        ]
        return {"record": [json.dumps(r, ensure_ascii=False) for r in records]}


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
    import time

    start = time.perf_counter()
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False

    lines = ray.data.read_text(source, drop_empty_lines=False)
    # line numbers name the records of bad lines; zip is exact here because order is preserved
    numbered = lines.zip(ray.data.range(lines.count()).map(lambda row: {"number": row["id"] + 1}))
    content = numbered.filter(lambda row: bool(str(row["text"]).strip()))
    records = content.map_batches(
        _SummarizeBatch,
        fn_constructor_args=(settings.model_dump_json(), max_words, max_sentences),
        batch_size=16,
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=cpus_per_actor,  # fractional: on a small machine whole-CPU actors would starve the job
    )
    stats = BatchStats()
    with output.open("w", encoding="utf-8") as sink:
        for row in records.iter_rows():
            record: Record = json.loads(row["record"])
            stats.failed += "error" in record
            stats.done += "error" not in record
            sink.write(row["record"] + "\n")
    stats.seconds = time.perf_counter() - start
    return stats
