"""Quotes and conflicts on real news: counts per cluster, and samples for hand checking.

    python benchmarks/editor.py --data ../shared/data/duc2007_update.jsonl --sample 50 --seed 17 \
        --out /tmp/editor_sample

    python benchmarks/editor.py --events ../shared/data/events/gva_incidents/gva_incidents.jsonl.gz \
        --max-events 400 --sample 50 --seed 17 --out /tmp/editor_events

Every cluster (a DUC set, or the articles of one real-world incident) is summarised with the
default settings; a DUC document's date (its id holds it: an agency code, then yyyymmdd, then a dot and a number) is its
`published_at`, so days resolve as they would for dated articles; a set with nothing readable is
counted and skipped.
Printed: clusters, quotes and conflicts per cluster (mean, median, max, clusters with any),
quotes with a speaker, conflicts by `about`. The samples (seeded: reruns give the same ones) are
written OUTSIDE the repository as quotes.jsonl and conflicts.jsonl, each item with the text a
judge needs; they hold evaluation text, which must never be committed: the hand check's verdict
counts go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from service import Article, EmptyInputError, Settings, Summarizer
from service.sets import open_input, parse_set

_DATE = re.compile(r"(19|20)\d{6}")


def _dated(article: Article) -> Article:
    found = _DATE.search(article.id)
    if not found or article.published_at:
        return article
    day = found.group()
    return article.model_copy(update={"published_at": datetime(int(day[:4]), int(day[4:6]), int(day[6:]), 12)})


def _context(text: str, start: int, end: int, reach: int = 200) -> str:
    return f"{text[max(0, start - reach) : start]}[[{text[start:end]}]]{text[end : end + reach]}"


def _sets(data: list[Path], events: list[Path], max_events: int) -> Iterator[tuple[str, list[Article]]]:
    """(name, articles) of every DUC set, then of every event with two or more articles."""
    for path in data:
        with path.open("rb") as lines:
            for number, line in enumerate(lines, start=1):
                parsed = parse_set(line, number)
                yield f"{path.name}:{number}", [_dated(a) for a in parsed.articles]
    for path in events:
        grouped: dict[str, list[Article]] = {}
        with open_input(str(path)) as stream:
            for line in stream:
                item = json.loads(line)
                grouped.setdefault(item["event_id"], []).append(
                    Article.model_validate({k: item[k] for k in ("id", "text", "title", "published_at") if k in item})
                )
        multi = [(event, articles) for event, articles in grouped.items() if len(articles) > 1]
        yield from multi[:max_events]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="*", default=[], help="JSON Lines sets (the DUC dev sets)")
    parser.add_argument(
        "--events",
        type=Path,
        nargs="*",
        default=[],
        help='one article per line with an "event_id" (events/gva_incidents, .gz): each event of 2+ articles is a set',
    )
    parser.add_argument("--max-events", type=int, default=400, help="events read at most per --events file")
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--out", type=Path, default=Path("/tmp/editor_sample"))
    args = parser.parse_args()
    if args.out.resolve().is_relative_to(Path(__file__).resolve().parent.parent):
        parser.error("--out must lie outside the repository (the samples hold evaluation text)")
    summarizer = Summarizer(Settings())
    quotes: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    per_cluster: list[tuple[int, int]] = []
    abouts: Counter[str] = Counter()
    skipped = 0
    for name, articles in _sets(args.data, args.events, args.max_events):
        texts = {a.id: a.text for a in articles}
        try:
            summary = summarizer.summarize(articles)
        except EmptyInputError:
            skipped += 1
            continue
        per_cluster.append((len(summary.quotes), len(summary.conflicts)))
        for q in summary.quotes:
            s = q.sources[0]
            context = _context(texts[s.doc_id], s.char_start, s.char_end)
            quotes.append({"set": name, "speaker": s.speaker, "quote": q.text, "context": context})
        for c in summary.conflicts:
            abouts[c.about] += 1
            values = [
                {"value": v.value, "where": _context(texts[r.doc_id], r.char_start, r.char_end, 150)}
                for v in c.values
                for r in v.refs[:1]
            ]
            conflicts.append({"set": name, "about": c.about, "values": values})
    q_counts = [q for q, _ in per_cluster]
    c_counts = [c for _, c in per_cluster]
    print(f"clusters: {len(per_cluster)} (skipped, nothing readable: {skipped})")
    for name, counts in (("quotes", q_counts), ("conflicts", c_counts)):
        print(
            f"{name} per cluster: mean {statistics.mean(counts):.2f}, median {statistics.median(counts):g}, "
            f"max {max(counts)}, clusters with any {sum(1 for c in counts if c)}"
        )
    named = sum(1 for q in quotes if q["speaker"])
    print(f"quotes: {len(quotes)}, with a speaker: {named} ({100 * named / max(len(quotes), 1):.1f} %)")
    print("conflicts by about: " + ", ".join(f"{a} {n}" for a, n in abouts.most_common(12)))
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    with_speaker = [q for q in quotes if q["speaker"]]
    for name, items in (("quotes", with_speaker), ("conflicts", conflicts)):
        sample = rng.sample(items, min(args.sample, len(items)))
        with (args.out / f"{name}.jsonl").open("w", encoding="utf-8") as out:
            for n, item in enumerate(sample, start=1):
                out.write(json.dumps({"n": n, **item}, ensure_ascii=False) + "\n")
        print(f"{name}: a sample of {len(sample)} written to {args.out / f'{name}.jsonl'}")


if __name__ == "__main__":
    main()
