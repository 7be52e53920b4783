"""The Ray engine gives byte for byte the local engine's output (Ray started in this process); how it
cuts lines into chunks and reads addresses. Real clusters: tests/test_ray_cluster.py."""

from __future__ import annotations

import codecs
import gzip
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import Settings
from service.batch import run_batch
from service.errors import EngineError, ReadError
from service.ray_engine import CHUNK_BYTES, CHUNK_LINES, chunks, diagnose, endpoint, run_ray
from tests.helpers import one_set, read_records, synthetic_sets, wait_until

OWNER = "NB_TEST_RAY_OWNER"  # in the environment Ray's processes inherit from this one: how to find them


def marked(marker: str) -> list[int]:
    """The live processes other than this one whose environment says OWNER=marker."""
    entry = f"{OWNER}={marker}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if entry in environ.read_bytes().split(b"\0") and int(environ.parent.name) != os.getpid():
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """Ray started in this process; when the module is done, none of the processes it started is left."""
    ray = pytest.importorskip("ray")
    marker = uuid.uuid4().hex
    os.environ[OWNER] = marker
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    finally:
        del os.environ[OWNER]
    assert marked(marker), "Ray's processes are not found by their environment"
    try:
        yield
    finally:
        ray.shutdown()
    assert wait_until(lambda: not marked(marker), 60), f"Ray processes outlived ray.shutdown: {marked(marker)}"


def both_engines(source: Path, settings: Settings) -> tuple[bytes, bytes]:
    local, on_ray = source.with_suffix(".local"), source.with_suffix(".ray")
    local_stats = run_batch(settings, str(source), local, max_words=60)
    ray_stats = run_ray(settings, str(source), on_ray, actors=2, max_words=60)
    assert (ray_stats.done, ray_stats.failed, ray_stats.repeated_ids) == (
        local_stats.done,
        local_stats.failed,
        local_stats.repeated_ids,
    )
    return local.read_bytes(), on_ray.read_bytes()


@pytest.mark.ray
@pytest.mark.slow
def test_ray_output_equals_local_output(local_ray: None, tmp_path: Path) -> None:
    source = tmp_path / "sets.jsonl"
    source.write_text("\n".join(synthetic_sets(40, seed=3)) + "\n\n", encoding="utf-8")
    local, on_ray = both_engines(source, Settings())
    assert len(read_records(source.with_suffix(".ray"))) == 40
    assert on_ray == local


@pytest.mark.ray
@pytest.mark.slow
def test_ray_output_equals_local_output_on_hostile_lines(local_ray: None, tmp_path: Path) -> None:
    lines = [
        codecs.BOM_UTF8 + one_set("bom").encode(),
        b'{"id": "caf\xe9", "documents": ["x"]}',
        one_set("sep").replace("sep", "sep\u2028arator").encode(),  # a raw U+2028 in a string: still one line
        b"[" * 100_000,
        b"   \t\r",
        one_set("crlf").encode() + b"\r",
        one_set("long").ljust(5000).encode(),
        one_set("dup").encode(),
        one_set("dup").encode(),
        b'{"id": "torn", "documents": [{"te',
    ]
    source = tmp_path / "hostile.jsonl.gz"
    source.write_bytes(gzip.compress(b"\n".join(lines)))
    local, on_ray = both_engines(source, Settings(max_line_bytes=4096))
    assert [r["line"] for r in read_records(source.with_suffix(".ray"))] == [1, 2, 3, 4, 6, 7, 8, 9, 10]
    assert on_ray == local


@pytest.mark.ray
@pytest.mark.slow
def test_ray_keeps_the_records_before_a_truncated_gzip(local_ray: None, tmp_path: Path) -> None:
    whole = gzip.compress(("\n".join(one_set(f"s{i}") for i in range(40)) + "\n").encode())
    source = tmp_path / "cut.jsonl.gz"
    source.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(ReadError, match="cannot read past line") as local_error:
        run_batch(Settings(), str(source), tmp_path / "local.jsonl")
    with pytest.raises(ReadError, match="cannot read past line") as ray_error:
        run_ray(Settings(), str(source), tmp_path / "ray.jsonl", actors=2)
    assert str(ray_error.value).split(";")[0] == str(local_error.value).split(";")[0]
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()


@pytest.mark.ray
@pytest.mark.slow
def test_ray_resumes_what_a_run_left(local_ray: None, tmp_path: Path) -> None:
    """--resume on Ray: the same driver-side reader skips what the output holds."""
    source, out, local = tmp_path / "sets.jsonl", tmp_path / "ray.jsonl", tmp_path / "local.jsonl"
    source.write_text("\n".join(synthetic_sets(30, seed=4)) + "\n", encoding="utf-8")
    run_batch(Settings(), str(source), local, max_words=60)
    records = local.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(records[:11]) + records[11][:20])  # 11 whole records and a torn one
    stats = run_ray(Settings(), str(source), out, actors=2, resume=True, max_words=60)
    assert stats.skipped == 11  # every line has a record, a bad one an error record
    assert out.read_bytes() == local.read_bytes()


@pytest.mark.ray
def test_a_version_mismatch_names_both_sides() -> None:
    """Ray's own version check, given a cluster of other versions: the engine names both sides. (A
    real mismatched cluster needs another patch version of Python here: tests/test_ray_cluster.py.)"""
    versions = pytest.importorskip("ray._private.utils")
    ray_here, python_here = versions.compute_version_info()
    with pytest.raises(RuntimeError, match="Version mismatch") as mismatch:
        versions.check_version_info({"ray_version": "2.41.0", "python_version": "3.11.1"}, "127.0.0.1")
    assert diagnose(mismatch.value) == {
        "refused": "version",
        "cluster": "Ray 2.41.0 on Python 3.11.1",
        "here": f"Ray {ray_here} on Python {python_here}",
    }


# -- without Ray


def test_chunks_keep_every_line_in_order() -> None:
    lines = [(n, b"x" * n) for n in range(1, 3 * CHUNK_LINES + 2)]
    cut = list(chunks(lines))
    assert [line for chunk in cut for line in chunk] == lines
    assert [len(chunk) for chunk in cut] == [CHUNK_LINES] * 3 + [1]


def test_chunks_of_big_or_over_long_lines() -> None:
    big = [(1, b"x" * CHUNK_BYTES), (2, None), (3, None), (4, b"y")]
    assert list(chunks(big)) == [[(1, b"x" * CHUNK_BYTES)], [(2, None), (3, None), (4, b"y")]]
    assert list(chunks([])) == []


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1:6379", ("127.0.0.1", 6379)),
        ("head.example:6379", ("head.example", 6379)),
        ("ray://head:10001", ("head", 10001)),
        ("[::1]:6379", ("::1", 6379)),
        ("auto", None),
    ],
)
def test_addresses(address: str, expected: tuple[str, int] | None) -> None:
    assert endpoint(address) == expected


@pytest.mark.parametrize(
    "address",
    ["", "head", "head:", ":6379", "head:99999", "head:-1", "head:port", "a b:1", "head:1\nx", "h\x00:1", "é" * 10_000],
)
def test_bad_addresses_are_one_line(address: str) -> None:
    with pytest.raises(EngineError, match=r"^Ray address .*: expected host:port") as refused:
        endpoint(address)
    assert "\n" not in refused.value.message
