"""The Ray engine gives byte-for-byte the local engine's output (Ray runs locally, 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import Settings
from service.batch import run_batch
from tests.helpers import synthetic_sets

pytest.importorskip("ray")


@pytest.mark.slow
def test_ray_output_equals_local_output(tmp_path: Path) -> None:
    import ray

    from service.distributed import run_ray

    source = tmp_path / "sets.jsonl"
    source.write_text("\n".join(synthetic_sets(40, seed=3)) + "\n\n", encoding="utf-8")
    local, distributed = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    local_stats = run_batch(Settings(), str(source), local, max_words=60)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        ray_stats = run_ray(Settings(), str(source), distributed, actors=2, cpus_per_actor=0.5, max_words=60)
    finally:
        ray.shutdown()
    assert (ray_stats.done, ray_stats.failed) == (local_stats.done, local_stats.failed) == (37, 3)
    assert distributed.read_bytes() == local.read_bytes()
