"""The Ray engine gives byte for byte the local engine's output (Ray runs locally, 127.0.0.1)."""

from __future__ import annotations

import codecs
import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import Settings
from service.batch import run_batch
from service.errors import ReadError
from tests.helpers import one_set, read_records, synthetic_sets

pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def both_engines(source: Path, settings: Settings) -> tuple[bytes, bytes]:
    from service.distributed import run_ray

    local, distributed = source.with_suffix(".local"), source.with_suffix(".ray")
    local_stats = run_batch(settings, str(source), local, max_words=60)
    ray_stats = run_ray(settings, str(source), distributed, actors=2, cpus_per_actor=0.5, max_words=60)
    assert (ray_stats.done, ray_stats.failed, ray_stats.repeated_ids) == (
        local_stats.done,
        local_stats.failed,
        local_stats.repeated_ids,
    )
    return local.read_bytes(), distributed.read_bytes()


@pytest.mark.slow
def test_ray_output_equals_local_output(local_ray: None, tmp_path: Path) -> None:
    source = tmp_path / "sets.jsonl"
    source.write_text("\n".join(synthetic_sets(40, seed=3)) + "\n\n", encoding="utf-8")
    local, distributed = both_engines(source, Settings())
    assert len(read_records(source.with_suffix(".ray"))) == 40
    assert distributed == local


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
    local, distributed = both_engines(source, Settings(max_line_bytes=4096))
    assert [r["line"] for r in read_records(source.with_suffix(".ray"))] == [1, 2, 3, 4, 6, 7, 8, 9, 10]
    assert distributed == local


@pytest.mark.slow
def test_ray_keeps_the_records_before_a_truncated_gzip(local_ray: None, tmp_path: Path) -> None:
    from service.distributed import run_ray

    whole = gzip.compress(("\n".join(one_set(f"s{i}") for i in range(40)) + "\n").encode())
    source = tmp_path / "cut.jsonl.gz"
    source.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(ReadError, match="cannot read past line") as local_error:
        run_batch(Settings(), str(source), tmp_path / "local.jsonl")
    with pytest.raises(ReadError, match="cannot read past line") as ray_error:
        run_ray(Settings(), str(source), tmp_path / "ray.jsonl", actors=2, cpus_per_actor=0.5)
    assert str(ray_error.value).split(";")[0] == str(local_error.value).split(";")[0]
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
