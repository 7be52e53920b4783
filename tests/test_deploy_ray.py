"""deploy/ray/rayjob.yaml, checked statically (no Kubernetes here): the YAML parses, the RayJob has
what KubeRay needs, its entrypoint is a `newsbrief batch` the CLI accepts, the actors it asks for
fit the workers' CPUs, the files are on a volume the head mounts, every pod requests resources."""

from __future__ import annotations

import shlex
import tomllib
from pathlib import PurePosixPath
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from typer.main import get_command

from service import Settings
from service.cli import app
from service.ray_engine import CPUS_PER_ACTOR
from tests.conftest import ROOT

MANIFEST = ROOT / "deploy" / "ray" / "rayjob.yaml"


@pytest.fixture(scope="module")
def docs() -> dict[str, dict[str, Any]]:
    return {d["kind"]: d for d in yaml.safe_load_all(MANIFEST.read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def job(docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = docs["RayJob"]["spec"]
    return spec


@pytest.fixture(scope="module")
def entrypoint(job: dict[str, Any]) -> dict[str, Any]:
    """The entrypoint's options as the CLI parses them (an unknown option or a bad value fails here)."""
    argv = shlex.split(job["entrypoint"])
    assert argv[:2] == ["newsbrief", "batch"]
    params: dict[str, Any] = get_command(app).commands["batch"].make_context("batch", argv[2:]).params
    return params


def pods(job: dict[str, Any]) -> list[dict[str, Any]]:
    cluster = job["rayClusterSpec"]
    return [cluster["headGroupSpec"]["template"]["spec"]] + [g["template"]["spec"] for g in cluster["workerGroupSpecs"]]


def test_the_manifest_holds_a_rayjob_and_its_volume(docs: dict[str, dict[str, Any]], job: dict[str, Any]) -> None:
    assert set(docs) == {"RayJob", "PersistentVolumeClaim"}
    assert docs["RayJob"]["apiVersion"] == "ray.io/v1"
    assert docs["PersistentVolumeClaim"]["spec"]["resources"]["requests"]["storage"]
    assert job["shutdownAfterJobFinishes"] is True
    assert job["rayClusterSpec"]["headGroupSpec"]["rayStartParams"] is not None


def test_the_entrypoint_runs_the_ray_engine_on_this_cluster(entrypoint: dict[str, Any]) -> None:
    """No --ray-address: Ray Jobs gives the entrypoint RAY_ADDRESS, which the engine reads."""
    assert entrypoint["engine"] == "ray"
    assert entrypoint["ray_address"] is None
    assert entrypoint["progress"] is False


def test_the_actors_fit_the_workers_and_the_head_runs_none(job: dict[str, Any], entrypoint: dict[str, Any]) -> None:
    cluster = job["rayClusterSpec"]
    assert cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    cpus = 0
    for group in cluster["workerGroupSpecs"]:
        assert group["minReplicas"] <= group["replicas"] <= group["maxReplicas"]
        group_cpus = int(group["rayStartParams"]["num-cpus"])
        for container in group["template"]["spec"]["containers"]:
            assert int(container["resources"]["requests"]["cpu"]) == group_cpus  # Ray's count = the pod's
        cpus += group["minReplicas"] * group_cpus
    assert entrypoint["workers"] * CPUS_PER_ACTOR <= cpus


def test_the_files_are_on_the_heads_volume(docs: dict[str, dict[str, Any]], entrypoint: dict[str, Any]) -> None:
    head = docs["RayJob"]["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in head["volumes"]}
    mounts = {m["mountPath"]: claims[m["name"]] for c in head["containers"] for m in c.get("volumeMounts", [])}
    for path in (entrypoint["input_path"], str(entrypoint["output"])):
        assert any(PurePosixPath(path).is_relative_to(mount) for mount in mounts), path
    assert set(mounts.values()) == {docs["PersistentVolumeClaim"]["metadata"]["name"]}


def test_every_pod_runs_the_image_with_the_ray_extra_and_requests_resources(job: dict[str, Any]) -> None:
    images = set()
    for pod in pods(job):
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            images.add(container["image"])
            assert container["resources"]["requests"]["cpu"]
            assert container["resources"]["requests"]["memory"]
            assert container["resources"]["limits"]["memory"]
    assert len(images) == 1, "Ray needs the same Ray and Python on every pod: one image"
    assert images.pop().startswith("newsbrief:")


def test_ray_version_and_settings_are_ones_the_project_takes(job: dict[str, Any]) -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    ray_requirement = Requirement(extras["ray"][0])
    assert ray_requirement.name == "ray"
    assert ray_requirement.specifier.contains(job["rayClusterSpec"]["rayVersion"])
    env = yaml.safe_load(job["runtimeEnvYAML"])["env_vars"]
    prefix = Settings.model_config["env_prefix"]
    fields = {k.removeprefix(prefix).lower(): v for k, v in env.items() if k.startswith(prefix)}
    assert fields
    assert set(fields) <= set(Settings.model_fields)
    Settings(**fields)
