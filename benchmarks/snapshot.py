"""Fingerprint newsbrief's output on the seeds and the dev sets, to show a change alters nothing.

    python benchmarks/snapshot.py ../shared/data/duc2007_update.jsonl ../shared/data/duc2006.jsonl [--dump DIR]

Prints one sha256 per (input, mode) over the JSON of every summary (timings left out), and a total.
Modes: generic, query (each cluster's topic), update (DUC 2007 B/C with earlier stages known), and
`--max-words 30` on the seeds (clipping and small budgets). With --dump, writes the JSON Lines it
hashed (outside the repository: the DUC text must never be committed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from service import Article, Settings, Summarizer
from service.evaluation import query_text
from service.reading import read_paths
from service.rendering import summary_record

ROOT = Path(__file__).resolve().parent.parent


def _clusters(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _articles(docs: object) -> list[Article]:
    assert isinstance(docs, list)
    return [Article(id=str(d.get("id", i)), text=d["text"]) for i, d in enumerate(docs)]


def runs(paths: list[Path]) -> Iterator[tuple[str, list[str]]]:
    summarizer = Summarizer(Settings())
    seeds = read_paths([str(ROOT / "seeds")])
    yield "seeds", [json.dumps(summary_record(summarizer.summarize(seeds), timings=False), sort_keys=True)]
    small = summarizer.summarize(seeds, max_words=30, query="Xi meeting")
    yield "seeds/30w+query", [json.dumps(summary_record(small, timings=False), sort_keys=True)]
    for path in paths:
        clusters = list(_clusters(path))
        words = int(clusters[0].get("budget", {}).get("words", 100))  # type: ignore[union-attr]
        for mode in ("generic", "query", "update"):
            earlier: dict[str, list[Article]] = {}  # an update stage ("D0703A-B") knows its topic's earlier ones
            out = []
            for c in clusters:
                articles = _articles(c["documents"])
                topic = str(c["id"]).rsplit("-", 1)[0] if mode == "update" and c.get("update_stage") else None
                known = earlier.get(topic, []) if topic else []
                query = query_text(c.get("query")) if mode == "query" else None
                summary = summarizer.summarize(articles, max_words=words, query=query, known=known)
                out.append(json.dumps(summary_record(summary, timings=False), sort_keys=True))
                if topic:
                    earlier[topic] = [*known, *articles]
            yield f"{path.name}/{mode}", out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="*", type=Path)
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    total = hashlib.sha256()
    for name, records in runs(args.data):
        blob = "\n".join(records).encode()
        total.update(blob)
        print(f"{hashlib.sha256(blob).hexdigest()[:16]}  {name} ({len(records)} summaries)", flush=True)
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            (args.dump / (name.replace("/", "__") + ".jsonl")).write_bytes(blob + b"\n")
    print(f"{total.hexdigest()[:16]}  total")


if __name__ == "__main__":
    main()
