"""Story clustering on labelled event data, beside the data's own TF-IDF baselines in the same run.

    python benchmarks/stories.py --ecb ../shared/data/events/ecbplus/ecbplus_docs.jsonl.gz \
        --gva ../shared/data/events/gva_incidents/gva_incidents.jsonl.gz \
        --duc ../shared/data/duc2006.jsonl --duc ../shared/data/duc2007_update.jsonl \
        --baseline ../shared/data/events/eval_baseline.py --synthetic 100000

One set of settings for every dataset (the defaults in service/settings.py, chosen on the first half
of the GVA stream with `--tune gva`); the other data is held out. The data is evaluation-only:
read from the given paths, never copied into the repo; only numbers are printed.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import importlib.util
import json
import random
import resource
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from sklearn.metrics import adjusted_rand_score

from service import Article, Settings
from service.stories import StoryClusterer, cluster

Labelled = tuple[list[Article], list[str]]  # articles in stream order, gold event per article


def read_rows(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def labelled(rows: list[dict[str, Any]]) -> Labelled:
    articles = [
        Article(id=str(r["id"]), title=r.get("title") or None, text=r.get("text") or "", published_at=r["published_at"])
        for r in rows
    ]
    return articles, [str(r["event_id"]) for r in rows]


def duc_mixture(paths: Sequence[Path], seed: int = 1) -> Labelled:
    """Every DUC cluster's documents shuffled into one undated stream (gold: the cluster)."""
    rows = [
        {"id": f"{c['id']}/{d['id']}", "title": None, "text": d["text"], "published_at": None, "event_id": c["id"]}
        for path in paths
        for c in read_rows(path)
        for d in c["documents"]
    ]
    random.Random(seed).shuffle(rows)
    return labelled(rows)


def _pairs(labels: Sequence[object]) -> int:
    return sum(n * (n - 1) // 2 for n in collections.Counter(labels).values())


def scores(gold: Sequence[str], pred: Sequence[object]) -> dict[str, float]:
    """Pairwise P/R/F1, B-cubed P/R/F1 and ARI, as eval_baseline.py computes them."""
    together = _pairs(list(zip(gold, pred, strict=True)))
    pp, gp = _pairs(pred), _pairs(gold)
    pw_p, pw_r = (together / pp if pp else 1.0), (together / gp if gp else 1.0)
    gsz, psz, jsz = (
        collections.Counter(gold),
        collections.Counter(pred),
        collections.Counter(zip(gold, pred, strict=True)),
    )
    n = len(gold)
    b_p = sum(jsz[(g, q)] / psz[q] for g, q in zip(gold, pred, strict=True)) / n
    b_r = sum(jsz[(g, q)] / gsz[g] for g, q in zip(gold, pred, strict=True)) / n
    return {
        "pw_P": pw_p,
        "pw_R": pw_r,
        "pw_F1": 2 * pw_p * pw_r / (pw_p + pw_r) if pw_p + pw_r else 0.0,
        "B3_P": b_p,
        "B3_R": b_r,
        "B3_F1": 2 * b_p * b_r / (b_p + b_r),
        "ARI": adjusted_rand_score(gold, pred),
        "stories": len(set(pred)),
        "gold": len(set(gold)),
    }


KEYS = ("pw_P", "pw_R", "pw_F1", "B3_P", "B3_R", "B3_F1", "ARI", "stories", "gold")


def show(name: str, row: dict[str, float], extra: str = "") -> None:
    cells = "".join(f"{row[k]:8.3f}" if k not in ("stories", "gold") else f"{int(row[k]):8d}" for k in KEYS)
    print(f"{name:34}{cells} {extra}", flush=True)


def run_newsbrief(name: str, data: Labelled, settings: Settings) -> None:
    articles, gold = data
    start, cpu = time.perf_counter(), time.process_time()
    pred = cluster(articles, settings)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    show(name, scores(gold, pred), f"{len(articles) / seconds:6.0f}/s wall, {len(articles) / cpu:6.0f}/CPU-s")


def load_baseline(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_baseline", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_baseline(baseline: ModuleType, name: str, rows: list[dict[str, Any]], agglo: bool, t: float) -> None:
    """eval_baseline.py's TF-IDF baseline at its oracle-tuned threshold (agglomerative or 7-day stream)."""
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    gold = [r["event_id"] for r in rows]
    texts = [(r.get("title") or "") + "\n" + r["text"] for r in rows]
    vectors = TfidfVectorizer(
        sublinear_tf=True, stop_words="english", min_df=2, max_df=0.5, max_features=20000, dtype=np.float32
    ).fit_transform(texts)
    if agglo:
        model = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=1 - t
        ).fit(vectors.toarray())
        pred = list(model.labels_)
    else:
        dates = [date.fromisoformat(r["published_at"]) if r.get("published_at") else None for r in rows]
        pred = baseline.stream_cluster(vectors, dates, t, 7)
    show(name, scores(gold, pred))


def synthetic_memory(count: int, settings: Settings) -> None:
    """Peak RSS while a stream of `count` synthetic articles (2,000-word vocabulary of made-up words,
    an event every ~5 articles, an hour apart) goes through the stream mode."""
    rng = random.Random(3)
    vocabulary = [f"w{i}x" for i in range(2000)]
    clusterer = StoryClusterer(settings)
    marks = []
    start, cpu = time.perf_counter(), time.process_time()
    event: list[str] = []
    for i in range(count):
        if i % 5 == 0:
            event = rng.sample(vocabulary, 30)
        words = event + rng.sample(vocabulary, 60)
        article = Article(
            id=str(i), title=" ".join(event[:6]), text=" ".join(words), published_at=1.6e9 + 3600.0 * i / 5
        )
        clusterer.add(article)
        if (i + 1) % (count // 5) == 0:
            marks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"synthetic stream: {count} articles, {clusterer.stories} stories, "
        f"{count / seconds:.0f} articles/s wall, {count / cpu:.0f} per CPU-second"
    )
    print("peak RSS (MB) after each fifth: " + ", ".join(str(m) for m in marks))


def injected_sets(paths: Sequence[Path]) -> list[tuple[list[Article], list[Article], list[str], int]]:
    """Each DUC cluster with the first article of the cluster half the list away appended (the next
    one of another topic: DUC 2007's update clusters A/B/C share one): (clean, injected, references, budget)."""
    clusters = [c for path in paths for c in read_rows(path)]
    sets = []
    for i, c in enumerate(clusters):
        clean = [Article(id=d["id"], text=d["text"]) for d in c["documents"]]
        j = (i + len(clusters) // 2) % len(clusters)
        while clusters[j]["id"][:6] == c["id"][:6]:  # D0703A-A and D0703A-B are one topic
            j = (j + 1) % len(clusters)
        other = clusters[j]["documents"][0]
        intruder = Article(id="intruder/" + other["id"], text=other["text"])
        sets.append((clean, [*clean, intruder], c["references"], c["budget"]["words"]))
    return sets


def off_topic(paths: Sequence[Path], ratios: Sequence[float]) -> None:
    """Detection precision/recall of the injected article (and false alarms on the clean sets), and
    ROUGE of the brief with the injected article excluded vs kept."""
    from service import Summarizer
    from service.evaluation import mean, rouge

    sets = injected_sets(paths)
    for ratio in ratios:
        summarizer = Summarizer(Settings(off_topic_ratio=ratio))
        flagged = hits = clean_flags = 0
        kept, excluded = [], []
        for clean, injected, references, words in sets:
            clean_flags += len(summarizer.summarize(clean, max_words=words).excluded)
            out = summarizer.summarize(injected, max_words=words)
            flagged += len(out.excluded)
            hits += sum(e.id.startswith("intruder/") for e in out.excluded)
            excluded.append(rouge(out.brief, references, words))
            keep = summarizer.summarize(injected, max_words=words, off_topic="keep")
            kept.append(rouge(keep.brief, references, words))
        precision = hits / flagged if flagged else 1.0
        exc, kep = mean(excluded), mean(kept)
        print(
            f"off-topic ratio {ratio}: {len(sets)} sets, precision {precision:.3f}, recall {hits / len(sets):.3f}, "
            f"{clean_flags} articles flagged in the clean sets; ROUGE-1 R {kep.recall['rouge1']:.2f} kept -> "
            f"{exc.recall['rouge1']:.2f} excluded, ROUGE-2 R {kep.recall['rouge2']:.2f} -> "
            f"{exc.recall['rouge2']:.2f}",
            flush=True,
        )


def tune(data: Labelled, base: Settings) -> None:
    """The grid the defaults were chosen from, on the first half of the GVA stream only: the
    threshold, and the title/lead/name weights (module constants of service/stories.py, set here)."""
    import service.stories as features

    articles, gold = data
    half = len(articles) // 2
    chosen = (features._TITLE_WEIGHT, features._LEAD_WEIGHT, features._NAME_WEIGHT)
    for weights in (
        (3.0, 2.0, 1.5),
        (2.0, 2.0, 1.5),
        (3.0, 2.0, 2.0),
        (3.0, 2.0, 2.5),
        (3.0, 1.5, 2.5),
        (3.0, 2.0, 3.0),
    ):
        features._TITLE_WEIGHT, features._LEAD_WEIGHT, features._NAME_WEIGHT = weights
        for threshold in (0.2, 0.22, 0.25, 0.28, 0.3, 0.35):
            settings = base.model_copy(update={"stories_threshold": threshold})
            run_newsbrief(f"tune {weights} t={threshold}", (articles[:half], gold[:half]), settings)
    features._TITLE_WEIGHT, features._LEAD_WEIGHT, features._NAME_WEIGHT = chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ecb", type=Path)
    parser.add_argument("--gva", type=Path)
    parser.add_argument("--duc", type=Path, action="append", default=[])
    parser.add_argument("--baseline", type=Path, help="the data's eval_baseline.py, run beside newsbrief")
    parser.add_argument("--synthetic", type=int, default=0, help="articles in the memory test (0: skip)")
    parser.add_argument("--tune", choices=["gva"], help="print the threshold/window grid on the GVA first half")
    parser.add_argument("--off-topic", type=Path, action="append", default=[], help="DUC file(s) for off-topic")
    parser.add_argument("--ratios", default="", help="off-topic ratios to try (default: the setting)")
    args = parser.parse_args()
    settings = Settings()
    print(f"settings: threshold {settings.stories_threshold}, window {settings.stories_window_hours:g} h")
    print(" " * 34 + "".join(k.rjust(8) for k in KEYS))
    baseline = load_baseline(args.baseline) if args.baseline else None
    if args.ecb:
        rows = read_rows(args.ecb)
        run_newsbrief("ECB+ newsbrief (held out)", labelled(rows), settings)
        if baseline:
            run_baseline(baseline, "ECB+ tfidf-agglo@0.2 (oracle)", rows, True, 0.2)
    if args.gva:
        gva_rows = read_rows(args.gva)
        data = labelled(gva_rows)
        if args.tune:
            tune(data, settings)
        half = len(data[0]) // 2
        run_newsbrief("GVA newsbrief 1st half (tuning)", (data[0][:half], data[1][:half]), settings)
        run_newsbrief("GVA newsbrief 2nd half (held out)", (data[0][half:], data[1][half:]), settings)
        run_newsbrief("GVA newsbrief (whole)", data, settings)
        if baseline:
            run_baseline(baseline, "GVA tfidf-stream@0.3,7d (oracle)", gva_rows, False, 0.3)
    if args.duc:
        run_newsbrief("DUC mixture newsbrief (held out)", duc_mixture(args.duc), settings)
    if args.off_topic:
        ratios = [float(r) for r in args.ratios.split(",")] if args.ratios else [settings.off_topic_ratio]
        for path in args.off_topic:
            print(path.name, flush=True)
            off_topic([path], ratios)
    if args.synthetic:
        synthetic_memory(args.synthetic, settings)


if __name__ == "__main__":
    main()
