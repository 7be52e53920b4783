"""Batch at scale: worker processes keep order, gzip input, every record has its line, and --resume
cuts a torn line and appends exactly what is missing."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from service import Settings
from service.batch import BatchStats, resume_from, run_batch
from service.errors import InputError
from service.sets import parse_set
from tests.helpers import read_records, synthetic_sets


@pytest.fixture(scope="module")
def sets_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("batch") / "sets.jsonl"
    path.write_text("\n".join(synthetic_sets(60)) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference_output(sets_file: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("ref") / "out.jsonl"
    stats = run_batch(Settings(), str(sets_file), out, max_words=60)
    assert (stats.done, stats.failed, stats.repeated_ids) == (56, 4, 0)
    return out.read_bytes()


def test_every_record_has_its_line(reference_output: bytes, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(reference_output)
    records = read_records(out)
    assert [r["line"] for r in records] == list(range(1, 61))
    assert [r["id"] for r in records[:5]] == ["set-0", "set-1", "set-2", "set-3", "set-4"]
    assert records[5] == {
        "id": None,
        "line": 6,
        "error": {"type": "read_error", "message": records[5]["error"]["message"]},
    }
    assert records[5]["error"]["message"].startswith("line 6: invalid JSON")
    assert list(records[0]) == ["id", "line", "summary", "sentences"]


def test_workers_keep_input_order(sets_file: Path, reference_output: bytes, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run_batch(Settings(), str(sets_file), out, workers=2, max_words=60)
    assert out.read_bytes() == reference_output


def test_gzip_input(sets_file: Path, reference_output: bytes, tmp_path: Path) -> None:
    packed = tmp_path / "sets.data"  # recognised by its magic bytes, not its name
    packed.write_bytes(gzip.compress(sets_file.read_bytes()))
    out = tmp_path / "out.jsonl"
    run_batch(Settings(), str(packed), out, max_words=60)
    assert out.read_bytes() == reference_output


def test_resume_cuts_a_torn_line_and_appends_the_rest(sets_file: Path, reference_output: bytes, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    lines = reference_output.splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:10]) + lines[10][:25])  # a run killed mid-write
    assert resume_from(out, BatchStats(), 2**20) == (10, "set-9")
    assert out.read_bytes() == b"".join(lines[:10])
    stats = run_batch(Settings(), str(sets_file), out, resume=True, max_words=60)
    assert (stats.skipped, stats.done + stats.failed) == (10, 50)
    assert out.read_bytes() == reference_output


def test_resume_of_a_complete_output_writes_nothing(sets_file: Path, reference_output: bytes, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(reference_output)
    stats = run_batch(Settings(), str(sets_file), out, resume=True, max_words=60)
    assert (stats.skipped, stats.done, stats.failed) == (60, 0, 0)
    assert out.read_bytes() == reference_output


def test_parse_set_checks_everything() -> None:
    parsed = parse_set(json.dumps({"id": 7, "documents": ["A fact."], "known_documents": ["An old fact."]}), 3)
    assert (parsed.id, [a.text for a in parsed.known]) == ("7", ["An old fact."])
    with pytest.raises(InputError, match='line 3: "id" must be a string or a whole number'):
        parse_set(b'{"id": [1], "documents": []}', 3)
    with pytest.raises(InputError, match="line 4: not valid UTF-8"):
        parse_set(b'{"documents": ["caf\xe9"]}', 4)
