"""Batch at scale: worker processes keep order, gzip input, and kill -9 + --resume loses and repeats nothing."""

from __future__ import annotations

import gzip
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service import Settings
from service.batch import completed_keys, run_batch
from tests.conftest import SEEDS


def synthetic_sets(count: int, seed: int = 7) -> list[str]:
    """Article sets resampled from the seeds: 2-5 articles each, some bad lines mixed in."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        if i % 17 == 5:
            lines.append("{broken json")
            continue
        chosen = rng.sample(range(len(texts)), rng.randint(2, 5))
        docs = [{"id": f"d{j}", "text": texts[j]} for j in chosen]
        lines.append(json.dumps({"id": f"set-{i}", "documents": docs}))
    return lines


@pytest.fixture(scope="module")
def sets_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("batch") / "sets.jsonl"
    path.write_text("\n".join(synthetic_sets(60)) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference_output(sets_file: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("ref") / "out.jsonl"
    stats = run_batch(Settings(), str(sets_file), out, max_words=60)
    assert stats.done == 56
    assert stats.failed == 4
    return out.read_bytes()


def test_workers_keep_input_order(sets_file: Path, reference_output: bytes, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run_batch(Settings(), str(sets_file), out, workers=2, max_words=60)
    assert out.read_bytes() == reference_output


def test_gzip_input(sets_file: Path, reference_output: bytes, tmp_path: Path) -> None:
    packed = tmp_path / "sets.jsonl.gz"
    packed.write_bytes(gzip.compress(sets_file.read_bytes()))
    out = tmp_path / "out.jsonl"
    run_batch(Settings(), str(packed), out, max_words=60)
    assert out.read_bytes() == reference_output


def test_resume_cuts_a_torn_line_and_appends_the_rest(sets_file: Path, reference_output: bytes, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    lines = reference_output.splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:10]) + lines[10][:25])  # a run killed mid-write
    assert len(completed_keys(out)) == 10
    stats = run_batch(Settings(), str(sets_file), out, resume=True, max_words=60)
    assert stats.skipped == 10
    assert out.read_bytes() == reference_output


@pytest.mark.slow
def test_kill_9_then_resume_gives_the_uninterrupted_output(tmp_path: Path) -> None:
    source = tmp_path / "sets.jsonl"
    source.write_text("\n".join(synthetic_sets(400, seed=11)) + "\n", encoding="utf-8")
    whole = tmp_path / "whole.jsonl"
    run_batch(Settings(), str(source), whole, workers=2, max_words=50)

    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "service", "batch", str(source), "-o", str(out), "--max-words", "50", "--no-progress"]
    victim = subprocess.Popen([*cmd, "--workers", "2"], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while (not out.exists() or out.read_bytes().count(b"\n") < 40) and time.monotonic() < deadline:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    written = out.read_bytes().count(b"\n")
    assert 0 < written < 400, "the run must be killed halfway"

    resumed = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=300, check=False)
    assert resumed.returncode == 1  # some lines are bad on purpose
    assert f"skipped: {written}" in resumed.stderr
    assert out.read_bytes() == whole.read_bytes()
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    keys = [r["id"] or f"line:{r['line']}" for r in records]
    assert len(keys) == len(set(keys)) == 400
