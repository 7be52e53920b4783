"""The CLI as a user runs it: a real subprocess, real files, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.provenance import assert_traceable


def newsbrief(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int = 2) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")


def test_summarize_seeds_as_text() -> None:
    result = newsbrief("summarize", str(SEEDS), "--max-words", "80")
    assert result.returncode == 0, result.stderr
    assert "Blinken" in result.stdout
    assert "Comments (0)" not in result.stdout
    assert len(result.stdout.split()) <= 80


def test_summarize_json_has_provenance_and_is_byte_identical() -> None:
    first = newsbrief("summarize", str(SEEDS), "--format", "json")
    second = newsbrief("summarize", str(SEEDS), "--format", "json")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    record = json.loads(first.stdout)
    assert "timings_ms" not in record
    sentence = record["sentences"][0]
    source = (SEEDS / f"{sentence['doc_id']}.txt").read_text(encoding="utf-8")
    assert_traceable(sentence, source)


def test_output_is_identical_across_hash_seeds() -> None:
    """String hashing differs per process; no set iteration order may leak into the scores."""
    import os

    runs = {
        subprocess.run(
            [sys.executable, "-m", "service", "summarize", str(SEEDS), "--format", "json", "--query", "Xi meeting"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(runs) == 1


def test_summarize_markdown_footnotes() -> None:
    result = newsbrief("summarize", str(SEEDS), "--format", "markdown", "--max-sentences", "3")
    assert result.returncode == 0, result.stderr
    assert "[^1]" in result.stdout
    assert "[^3]: " in result.stdout
    assert "also reported by" in result.stdout


def test_summarize_from_stdin() -> None:
    text = (SEEDS / "004_3e90bc608dfce535.txt").read_bytes()
    result = newsbrief("summarize", "-", "--max-words", "40", stdin=text)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize(
    ("setup", "args"),
    [
        (lambda p: None, ["summarize", "missing-folder"]),
        (lambda p: (p / "x.txt").write_bytes(b"\xff\xfe bad bytes"), ["summarize", "x.txt"]),
        (lambda p: (p / "x.txt").write_text("   \n  ", encoding="utf-8"), ["summarize", "x.txt"]),
        (
            lambda p: (p / "x.txt").write_text("Comments (0)\nRead More\nheadline", encoding="utf-8"),
            ["summarize", "x.txt"],
        ),
    ],
)
def test_bad_input_is_one_line_error(tmp_path: Path, setup: object, args: list[str]) -> None:
    setup(tmp_path)  # type: ignore[operator]
    result = newsbrief(*args, cwd=tmp_path)
    assert_clean_failure(result)
    assert result.stderr.count("\n") == 1


def test_bad_setting_is_one_line_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service", "summarize", str(SEEDS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"NEWSBRIEF_MAX_WORDS": "lots", "PATH": ""},
    )
    assert_clean_failure(result)
    assert "NEWSBRIEF_MAX_WORDS" in result.stderr


def test_batch_keeps_going_past_bad_lines(tmp_path: Path) -> None:
    seeds = [{"id": p.stem, "text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]
    lines = [
        json.dumps({"id": "good", "documents": seeds, "extra": "ignored"}),
        "{not json",
        json.dumps({"id": "empty", "documents": []}),
        json.dumps({"id": "noids", "documents": [{"text": "A short fact about the talks."}]}),
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = newsbrief("batch", str(source), "--output", str(out), "--max-words", "60")
    assert result.returncode == 1
    assert "done: 2, failed: 2" in result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["good", None, "empty", "noids"]
    assert records[0]["summary"] and records[0]["sentences"][0]["support"]
    assert records[1]["error"]["type"] == "invalid_input" and records[1]["line"] == 2
    assert records[2]["error"]["type"] == "empty_input"


def test_eval_reports_rouge(tmp_path: Path) -> None:
    seeds = [{"id": p.stem, "text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]
    reference = "Blinken met Qin Gang in Beijing for talks to restore communication after the balloon incident."
    data = tmp_path / "dev.jsonl"
    data.write_text(json.dumps({"id": "c1", "documents": seeds, "references": [reference]}) + "\n", encoding="utf-8")
    result = newsbrief("eval", str(data), "--max-words", "50")
    assert result.returncode == 0, result.stderr
    recall = float(result.stdout.split("rouge1: recall ")[1].split()[0])
    assert 30 < recall <= 100

    data.write_text(json.dumps({"id": "c1", "documents": seeds}) + "\n", encoding="utf-8")
    assert_clean_failure(newsbrief("eval", str(data)))


def test_batch_non_utf8_and_missing_input_are_one_line_errors(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": "a", "documents": [{"text": "caf\xe9 ol\xe9."}]}\n')
    result = newsbrief("batch", str(source), "--output", str(tmp_path / "out.jsonl"), "--no-progress")
    assert_clean_failure(result)
    assert "not valid UTF-8" in result.stderr
    missing = newsbrief("batch", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "o.jsonl"))
    assert_clean_failure(missing)
    assert "no such file" in missing.stderr
