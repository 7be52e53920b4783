"""Hostile input for `newsbrief batch`: every bad line is an error record and the run goes on;
files that cannot be read, or outputs that would destroy something, are one-line errors; signals
and kills mid-run leave whole records that --resume completes; no worker outlives the run."""

from __future__ import annotations

import codecs
import gzip
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from service import Settings
from service.batch import run_batch
from tests.helpers import (
    alive,
    assert_clean_failure,
    descendants,
    newsbrief,
    one_set,
    read_records,
    synthetic_sets,
    wait_until,
)

GOOD = one_set("good")


def run_lines(tmp_path: Path, *lines: str | bytes, settings: Settings | None = None) -> list[dict[str, Any]]:
    """run_batch over the given lines (joined with newlines): the records, checked for shape."""
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(b"\n".join(x if isinstance(x, bytes) else x.encode() for x in lines) + b"\n")
    run_batch(settings or Settings(), str(source), out, max_words=40)
    return read_records(out)


# -- one bad line among good ones: an error record of the right shape, and the run goes on

SET = '"documents": [{"text": "A sentence about the talks in Beijing on trade."}]'


@pytest.mark.parametrize(
    ("bad", "record_id", "kind", "message"),
    [
        (b'{"id": "x", "documents": ["caf\xe9 \xff"]}', None, "read_error", "line 2: not valid UTF-8 (byte 30)"),
        ("[" * 100_000, None, "too_deep", "line 2: JSON nested too deeply"),
        ('{"id": "s", "documents": [{"text": "bad \\ud800 text"}]}', "s", "read_error", "line 2: article 0: text: "),
        (
            "{" + SET + ', "id": "\\udc00"}',
            None,
            "invalid_input",
            'line 2: "id": Input should be a valid string, unable to parse raw data as a unicode',
        ),
        ('{"id": ' + "1" * 5000 + "}", None, "read_error", "line 2: a number with more than 4,300 digits"),
        ("[1, 2]", None, "invalid_input", 'line 2: expected an object with a "documents" list'),
        ('"a string"', None, "invalid_input", 'line 2: expected an object with a "documents" list'),
        ('{"id": "x", "documents": "nope"}', "x", "invalid_input", 'line 2: expected an object with a "documents"'),
        ('{"id": true, ' + SET + "}", None, "invalid_input", 'line 2: "id" must be a string or a whole number'),
        ('{"id": 1.5, ' + SET + "}", None, "invalid_input", 'line 2: "id" must be a string or a whole number'),
        ('{"id": "' + "x" * 600 + '", ' + SET + "}", None, "invalid_input", "at most 512 characters"),
        ('{"id": "", ' + SET + "}", None, "invalid_input", 'line 2: "id": String should have at least 1'),
        (b"\x00\x00\x00", None, "read_error", "line 2: invalid JSON"),
        ('{"id": "t", "documents": [{"te', None, "read_error", "line 2: invalid JSON"),
        ('{"id": "e", "documents": []}', "e", "empty_input", "the article set is empty"),
    ],
    ids=[
        "latin-1",
        "deep-nesting",
        "surrogate-text",
        "surrogate-id",
        "huge-int",
        "array",
        "string",
        "documents-not-list",
        "bool-id",
        "float-id",
        "long-id",
        "empty-id",
        "nul-bytes",
        "torn-json",
        "no-documents",
    ],
)
def test_a_bad_line_is_an_error_record(
    tmp_path: Path, bad: str | bytes, record_id: str | None, kind: str, message: str
) -> None:
    records = run_lines(tmp_path, GOOD, bad, one_set(7))
    assert [(r["id"], r["line"]) for r in records] == [("good", 1), (record_id, 2), ("7", 3)]
    assert "summary" in records[0] and "summary" in records[2]
    assert set(records[1]) == {"id", "line", "error"}
    assert records[1]["error"]["type"] == kind
    assert message in records[1]["error"]["message"]


def test_cli_keeps_going_past_every_bad_line_and_says_so(tmp_path: Path) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(b"\n".join([GOOD.encode(), b"\xff\xfe{", b"[" * 100_000, b"{", GOOD.encode()]))
    result = newsbrief("batch", str(source), "-o", str(out), "--no-progress")
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        result.stderr.splitlines()[0],
        "warning: 1 records have the id of an earlier record (first: 'good' again on line 5); "
        'every record has its input "line" to tell them apart',
    ]
    assert result.stderr.startswith("done: 2, failed: 3, skipped: 0, repeated ids: 1, rate: ")
    assert [("error" in r, r["line"]) for r in read_records(out)] == [
        (False, 1),
        (True, 2),
        (True, 3),
        (True, 4),
        (False, 5),
    ]


# -- encodings, line ends, blank, huge and torn lines


def test_utf8_bom_is_read_past(tmp_path: Path) -> None:
    records = run_lines(tmp_path, codecs.BOM_UTF8 + GOOD.encode(), codecs.BOM_UTF8 + one_set("b").encode())
    assert [("summary" in r, r["id"]) for r in records] == [(True, "good"), (True, "b")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_files_are_refused_whole(tmp_path: Path, encoding: str) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes((GOOD + "\n").encode(encoding))
    result = newsbrief("batch", str(source), "-o", str(out), "--no-progress")
    assert_clean_failure(result)
    assert "UTF-16 or UTF-32 text" in result.stderr
    assert not out.exists()


def test_crlf_gives_the_same_output_as_lf(tmp_path: Path) -> None:
    lines = [GOOD, "{broken", one_set("b")]
    (tmp_path / "lf").mkdir()
    (tmp_path / "crlf").mkdir()
    lf = run_lines(tmp_path / "lf", *lines)
    crlf = run_lines(tmp_path / "crlf", *(line + "\r" for line in lines))
    assert crlf == lf
    assert (tmp_path / "crlf" / "out.jsonl").read_bytes() == (tmp_path / "lf" / "out.jsonl").read_bytes()


def test_blank_lines_give_no_record_but_keep_the_numbering(tmp_path: Path) -> None:
    records = run_lines(tmp_path, "", GOOD, "   ", "\t\r", "", one_set("b"), " \t ")
    assert [(r["id"], r["line"]) for r in records] == [("good", 2), ("b", 6)]


def test_a_line_over_the_limit_is_read_past_unheld(tmp_path: Path) -> None:
    limit = 4096
    at_limit = one_set("at").ljust(limit)  # trailing spaces are JSON whitespace
    over = one_set("over").ljust(limit + 1)
    huge = '{"id": "huge", "documents": ["' + "word " * 400_000 + '"]}'  # 2 MB, read 4 KB at a time
    records = run_lines(tmp_path, at_limit, over, huge, GOOD, settings=Settings(max_line_bytes=limit))
    assert [(r["id"], r["line"], r.get("error", {}).get("type")) for r in records] == [
        ("at", 1, None),
        (None, 2, "limit_exceeded"),
        (None, 3, "limit_exceeded"),
        ("good", 4, None),
    ]
    assert records[1]["error"]["message"] == (
        "line 2: longer than 4,096 bytes, the limit for one set (NEWSBRIEF_MAX_LINE_BYTES)"
    )


@pytest.mark.parametrize("content", [b"", b"\n\n  \n\t\r\n"], ids=["empty", "whitespace"])
def test_an_empty_input_is_an_empty_output(tmp_path: Path, content: bytes) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(content)
    result = newsbrief("batch", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "done: 0, failed: 0, skipped: 0, repeated ids: 0" in result.stderr
    assert out.read_bytes() == b""


def test_a_torn_last_line_is_its_own_record(tmp_path: Path) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(f"{GOOD}\n{one_set('whole')}".encode())  # no newline at the end
    run_batch(Settings(), str(source), out)
    assert [r["id"] for r in read_records(out)] == ["good", "whole"]
    source.write_bytes(f"{GOOD}\n{one_set('torn')[:30]}".encode())
    run_batch(Settings(), str(source), out)
    assert [r.get("error", {}).get("type") for r in read_records(out)] == [None, "read_error"]


# -- gzip and stdin


def test_a_truncated_gzip_keeps_the_records_before_it_and_resume_completes(tmp_path: Path) -> None:
    lines = [one_set(f"s{i}") for i in range(40)]
    whole, out, expected = tmp_path / "in.jsonl.gz", tmp_path / "out.jsonl", tmp_path / "expected.jsonl"
    whole.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    run_batch(Settings(), str(whole), expected)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) * 2 // 3])

    result = newsbrief("batch", str(cut), "-o", str(out), "--no-progress")
    assert_clean_failure(result)
    assert f"{cut}: cannot read past line " in result.stderr
    assert f"{out} holds the records of the lines before it" in result.stderr
    written = read_records(out)
    assert 0 < len(written) < 40
    assert f"cannot read past line {len(written)} " in result.stderr

    resumed = newsbrief("batch", str(whole), "-o", str(out), "--resume", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == expected.read_bytes()


def test_gzip_by_name_only_is_read_as_text(tmp_path: Path) -> None:
    fake = tmp_path / "in.jsonl.gz"
    fake.write_text(GOOD + "\n", encoding="utf-8")
    run_batch(Settings(), str(fake), tmp_path / "out.jsonl")
    assert [r["id"] for r in read_records(tmp_path / "out.jsonl")] == ["good"]


def test_gzip_magic_then_garbage_fails_before_writing(tmp_path: Path) -> None:
    source, out = tmp_path / "in.gz", tmp_path / "out.jsonl"
    source.write_bytes(b"\x1f\x8b" + b"garbage, not deflate" * 10)
    result = newsbrief("batch", str(source), "-o", str(out), "--no-progress")
    assert_clean_failure(result)
    assert f"{source}: cannot read (" in result.stderr
    assert not out.exists()


def test_stdin_with_bad_bytes(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    data = b"\n".join([GOOD.encode(), b'{"id": "caf\xe9"}', b"\xc3", one_set("b").encode()])
    result = newsbrief("batch", "-", "-o", str(out), stdin=data)
    assert result.returncode == 1, result.stderr
    assert "done: 2, failed: 2" in result.stderr
    assert [(r["id"], r.get("error", {}).get("type")) for r in read_records(out)] == [
        ("good", None),
        (None, "read_error"),
        (None, "read_error"),
        ("b", None),
    ]


# -- ids: repeated, missing, numeric; resume is keyed by line


def test_repeated_and_missing_ids_lose_and_repeat_nothing_on_resume(tmp_path: Path) -> None:
    source, whole, out = tmp_path / "in.jsonl", tmp_path / "whole.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(one_set(i) for i in (3, "dup", None, "dup", 5, "5")) + "\n", encoding="utf-8")
    first = newsbrief("batch", str(source), "-o", str(whole), "--no-progress")
    assert first.returncode == 0, first.stderr
    assert "done: 6, failed: 0, skipped: 0, repeated ids: 2" in first.stderr
    assert "warning: 2 records have the id of an earlier record (first: 'dup' again on line 4)" in first.stderr
    assert [(r["id"], r["line"]) for r in read_records(whole)] == [
        ("3", 1),
        ("dup", 2),
        (None, 3),
        ("dup", 4),
        ("5", 5),
        ("5", 6),
    ]
    for kept in range(6):
        out.write_bytes(b"".join(whole.read_bytes().splitlines(keepends=True)[:kept]))
        stats = run_batch(Settings(), str(source), out, resume=True)
        assert (stats.done, stats.failed, stats.skipped, stats.repeated_ids) == (6 - kept, 0, kept, 2)
        assert out.read_bytes() == whole.read_bytes()


@pytest.mark.parametrize(
    "other",
    [[one_set("a"), one_set("x"), one_set("c")], [one_set("a")], [one_set("a"), "", one_set("c")]],
    ids=["another-id", "shorter", "blank-there"],
)
def test_resume_with_another_input_is_refused(tmp_path: Path, other: list[str]) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(one_set(i) for i in "abc") + "\n", encoding="utf-8")
    run_batch(Settings(), str(source), out)
    out.write_bytes(b"".join(out.read_bytes().splitlines(keepends=True)[:2]))
    written = out.read_bytes()
    source.write_text("\n".join(other) + "\n", encoding="utf-8")
    result = newsbrief("batch", str(source), "-o", str(out), "--resume", "--no-progress")
    assert_clean_failure(result)
    assert f"line 2 of {source} is not the set of the last record in {out}" in result.stderr
    assert out.read_bytes() == written


# -- outputs that would destroy something, or cannot be written


def _same_file(tmp_path: Path, how: str) -> tuple[list[str], dict[str, Any]]:
    source = tmp_path / "in.jsonl"
    if how == "same path":
        return ["batch", str(source), "-o", str(source)], {}
    if how == "relative path":
        return ["batch", str(source), "-o", "../sub/.././in.jsonl"], {"cwd": tmp_path / "sub"}
    if how == "hard link":
        os.link(source, tmp_path / "link.jsonl")
        return ["batch", str(source), "-o", str(tmp_path / "link.jsonl")], {}
    (tmp_path / "link.jsonl").symlink_to(source)
    return ["batch", str(tmp_path / "link.jsonl"), "-o", str(source)], {}


@pytest.mark.parametrize("how", ["same path", "relative path", "hard link", "symlink"])
def test_an_output_that_is_the_input_is_refused(tmp_path: Path, how: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(GOOD + "\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    args, options = _same_file(tmp_path, how)
    result = newsbrief(*args, **options)
    assert_clean_failure(result)
    assert "write the output to another file" in result.stderr
    assert source.read_text(encoding="utf-8") == GOOD + "\n"


def test_stdin_redirected_from_the_output_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(GOOD + "\n", encoding="utf-8")
    with source.open("rb") as stdin:
        result = subprocess.run(
            [sys.executable, "-m", "service", "batch", "-", "-o", str(source)],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert_clean_failure(result)
    assert f"{source} is the input <stdin>" in result.stderr
    assert source.read_text(encoding="utf-8") == GOOD + "\n"


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        ("file.txt/out.jsonl", "Not a directory"),
        ("missing/out.jsonl", "No such file or directory"),
        (".", "Is a directory"),
        ("/dev/full", "No space left on device"),
    ],
)
def test_an_unwritable_output_is_a_one_line_error(tmp_path: Path, output: str, reason: str) -> None:
    (tmp_path / "in.jsonl").write_text(GOOD + "\n", encoding="utf-8")
    (tmp_path / "file.txt").write_text("a file, not a folder", encoding="utf-8")
    result = newsbrief("batch", "in.jsonl", "-o", output, "--no-progress", cwd=tmp_path)
    assert_clean_failure(result)
    assert reason in result.stderr


def _as_non_root() -> list[str]:
    """A command prefix under which write permissions hold: nothing for a user; for root,
    setpriv without the capability to override them (skipped where that cannot run)."""
    if os.geteuid() != 0:
        return []
    drop = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]
    if not shutil.which("setpriv") or subprocess.run([*drop, "true"], capture_output=True, check=False).returncode:
        pytest.skip("root writes into read-only folders, and setpriv cannot drop that here")
    return drop


def test_a_read_only_output_folder_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text(GOOD + "\n", encoding="utf-8")
    (tmp_path / "locked").mkdir(mode=0o500)
    command = [sys.executable, "-m", "service", "batch", "in.jsonl", "-o", "locked/out.jsonl", "--no-progress"]
    result = subprocess.run(
        [*_as_non_root(), *command], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert_clean_failure(result)
    assert result.stderr == "error: locked/out.jsonl: Permission denied\n"


@pytest.mark.parametrize(
    "content",
    [b"my notes\nnot records\n", b'{"id": "a", "line": 2}\n{"id": "b", "line": 1}\n', b"no newline at the end"],
    ids=["text", "falling-lines", "foreign-tail"],
)
def test_resume_leaves_a_file_that_is_not_its_output_alone(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "in.jsonl").write_text(GOOD + "\n", encoding="utf-8")
    out = tmp_path / "notes.txt"
    out.write_bytes(content)
    result = newsbrief("batch", "in.jsonl", "-o", str(out), "--resume", "--no-progress", cwd=tmp_path)
    assert_clean_failure(result)
    assert "is not the output of an earlier batch run, so --resume leaves it alone" in result.stderr
    assert out.read_bytes() == content


# -- signals and kills mid-run: whole records, --resume completes, no worker left


@pytest.fixture(scope="module")
def long_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """600 sets (some bad) and the output of an uninterrupted run."""
    folder = tmp_path_factory.mktemp("long")
    source, whole = folder / "sets.jsonl", folder / "whole.jsonl"
    source.write_text("\n".join(synthetic_sets(600, seed=11)) + "\n", encoding="utf-8")
    run_batch(Settings(), str(source), whole, workers=2, max_words=50)
    return source, whole.read_bytes()


def _start(source: Path, out: Path) -> tuple[subprocess.Popen[bytes], list[str]]:
    """A 2-worker run, returned once its workers are busy and it has written 30 records."""
    command = [sys.executable, "-m", "service", "batch", str(source), "-o", str(out), "--max-words", "50"]
    run = subprocess.Popen([*command, "--workers", "2", "--no-progress"], stderr=subprocess.PIPE)
    assert wait_until(lambda: out.exists() and out.read_bytes().count(b"\n") >= 30, 120)
    assert run.poll() is None, "the run must still be going"
    return run, command


def _resume(command: list[str], out: Path, whole: bytes) -> subprocess.CompletedProcess[str]:
    written = read_records(out)
    assert 30 <= len(written) < 600
    resumed = subprocess.run(
        [*command, "--resume", "--no-progress"], capture_output=True, text=True, timeout=300, check=False
    )
    assert resumed.returncode == 1, resumed.stderr  # some lines are bad on purpose
    assert f"skipped: {len(written)}, repeated ids: 0" in resumed.stderr
    assert out.read_bytes() == whole
    return resumed


@pytest.mark.slow
@pytest.mark.parametrize(("sent", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_run_leaves_whole_records_and_resume_completes(
    long_run: tuple[Path, bytes], tmp_path: Path, sent: signal.Signals, code: int
) -> None:
    source, whole = long_run
    out = tmp_path / "out.jsonl"
    run, command = _start(source, out)
    workers = descendants(run.pid)
    assert len(workers) >= 2
    run.send_signal(sent)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == code
    assert stderr.decode() == (
        f"error: interrupted by {sent.name}; {out} holds whole records only: --resume completes it\n"
    )
    assert not any(alive(pid) for pid in workers)
    _resume(command, out, whole)


@pytest.mark.slow
def test_kill_9_then_resume_and_no_worker_outlives_it(long_run: tuple[Path, bytes], tmp_path: Path) -> None:
    source, whole = long_run
    out = tmp_path / "out.jsonl"
    run, command = _start(source, out)
    workers = descendants(run.pid)
    assert len(workers) >= 2
    run.kill()
    run.wait(timeout=60)
    assert wait_until(lambda: not any(alive(pid) for pid in workers), 5), "workers outlived their parent"
    _resume(command, out, whole)


@pytest.mark.slow
def test_a_worker_killed_mid_run_costs_nothing(long_run: tuple[Path, bytes], tmp_path: Path) -> None:
    source, whole = long_run
    out = tmp_path / "out.jsonl"
    run, _ = _start(source, out)
    worker = next(pid for pid in descendants(run.pid) if not descendants(pid))  # not a fork server
    os.kill(worker, signal.SIGKILL)
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 1, stderr  # some lines are bad on purpose
    assert out.read_bytes() == whole
