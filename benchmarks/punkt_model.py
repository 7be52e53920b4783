"""Derive service/data/punkt_en.json.gz from nupunkt-rs's English model (MIT, (c) the nupunkt authors).

    python benchmarks/punkt_model.py

The default model holds, for each of ~88,000 word types, how often every other type followed it
(2.4 million collocation counts); loading it peaks at ~290 MiB and takes ~1 s of CPU. Here the
counts of 1 are dropped (a pair seen once): the model loads at ~170 MiB peak in ~0.65 s, and split
the 1,303 English texts tried (seeds, DUC 2006 articles, pySBD's English golden cases) exactly as
the full model does. tests/test_segmentation.py checks that on the test data.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path

import nupunkt_rs

TARGET = Path(__file__).resolve().parents[1] / "service" / "data" / "punkt_en.json.gz"
# collocation counts below this are dropped
MIN_COUNT = 2


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json.gz"
        nupunkt_rs.load_default_model().save(str(path))
        model = json.loads(gzip.decompress(path.read_bytes()))
    for stats in model["token_stats"].values():
        stats["collocation_counts"] = {w: n for w, n in stats["collocation_counts"].items() if n >= MIN_COUNT}
    TARGET.write_bytes(gzip.compress(json.dumps(model).encode(), mtime=0))
    print(f"{TARGET}: {TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
