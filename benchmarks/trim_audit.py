"""Audit trimming on real news: cuts per rule over every sentence, and a sample for hand checking.

    python benchmarks/trim_audit.py ../shared/data/duc2007_update.jsonl ../shared/data/duc2006.jsonl \
        --sample 200 --out /tmp/trim_sample.jsonl

Every readable sentence of every document is trimmed at the `full` level. Printed: sentences,
trimmed sentences, cuts per rule, words removed. The sample (seeded, so reruns give the same one)
is written OUTSIDE the repository: it holds NIST text, which must never be committed; the hand
check's counts, not its sentences, go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from service import Article
from service.summarizer import segment_all
from service.trimming import trim


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("data", nargs="+", type=Path)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("/tmp/trim_sample.jsonl"))
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    if args.out.resolve().is_relative_to(Path(__file__).resolve().parent.parent):
        parser.error("--out must lie outside the repository (the sample holds evaluation text)")
    rules: Counter[str] = Counter()
    sentences = words_cut = 0
    trimmed = []
    for path in args.data:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                for pos, doc in enumerate(json.loads(line)["documents"]):
                    article = Article(id=str(pos), text=doc["text"])
                    for s in segment_all([article], ["en"], "en")[0]:
                        sentences += 1
                        result = trim(article.text, s.char_start, s.char_end, "full")
                        if result.cuts:
                            rules.update(result.cuts)
                            words_cut += s.words - len(result.wording.split())
                            trimmed.append({"before": s.text, "after": result.wording, "cuts": list(result.cuts)})
    print(f"sentences: {sentences}, trimmed: {len(trimmed)} ({100 * len(trimmed) / max(sentences, 1):.1f} %)")
    print(f"words removed: {words_cut} ({words_cut / max(len(trimmed), 1):.1f} per trimmed sentence)")
    for rule, count in rules.most_common():
        print(f"  {rule}: {count}")
    sample = random.Random(args.seed).sample(trimmed, min(args.sample, len(trimmed)))
    with args.out.open("w", encoding="utf-8") as out:
        for number, item in enumerate(sample, start=1):
            out.write(json.dumps({"n": number, **item}, ensure_ascii=False) + "\n")
    print(f"sample of {len(sample)} written to {args.out}")


if __name__ == "__main__":
    main()
