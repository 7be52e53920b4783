"""How sure is a ROUGE margin? Paired bootstrap over clusters of one system's lead over another.

    NLTK_DATA=../shared/nltk_data python benchmarks/margin.py ../shared/data/duc2006.jsonl \
        --held-out-model /tmp/salience-duc2007.json --system "newsbrief (held-out)" \
        "newsbrief (held-out, query)" --peer "newsbrief (weights, MMR)" "sumy LexRank"

The margin is a mean over a few dozen clusters; resampling the clusters (with replacement, the
same draw for both systems) shows how much of it is the particular clusters in the dev set.
`--scores` reads the per-cluster recall that `quality.py --scores` wrote with its table (one file
or several), instead of running the systems again.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from pathlib import Path

from quality import SYSTEMS, read_clusters

from service.evaluation import rouge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("--system", nargs="+", default=["newsbrief (query)"], choices=list(SYSTEMS))
    parser.add_argument("--peer", nargs="+", default=["sumy LexRank"], choices=list(SYSTEMS))
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--held-out-model", type=Path, help="salience model trained without this data")
    parser.add_argument("--scores", type=Path, nargs="*", default=[], help="quality.py --scores files (no rerun)")
    args = parser.parse_args()

    clusters, words = read_clusters(args.data, None)
    scores = {name: recall for path in args.scores for name, recall in json.loads(path.read_text("utf-8")).items()}
    for name in dict.fromkeys([*args.system, *args.peer]):
        if name not in scores:
            run = SYSTEMS[name](args.held_out_model)
            scores[name] = [rouge(run(cluster, words), cluster.references, words).recall for cluster in clusters]
    rng = random.Random(0)
    draws = [[rng.randrange(len(clusters)) for _ in clusters] for _ in range(args.samples)]
    print(f"{args.data.name}: {len(clusters)} clusters, {words} words, {args.samples} paired bootstrap samples\n")
    print("| system | metric | peer | margin | 95 % interval | samples with margin < 0 |")
    print("|---|---|---|---|---|---|")
    for system in args.system:
        for metric in ("rouge1", "rouge2"):
            for peer in args.peer:
                diff = [a[metric] - b[metric] for a, b in zip(scores[system], scores[peer], strict=True)]
                means = sorted(statistics.fmean(diff[i] for i in draw) for draw in draws)
                low, high = means[int(0.025 * len(means))], means[int(0.975 * len(means)) - 1]
                below = sum(m < 0 for m in means) / len(means)
                margin = f"{statistics.fmean(diff):+.2f} | [{low:+.2f}, {high:+.2f}] | {below:.3f}"
                print(f"| {system} | {metric} | {peer} | {margin} |", flush=True)


if __name__ == "__main__":
    main()
