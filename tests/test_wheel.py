"""Every install ships the whole package. A hand-written package list once left service/api out of every
non-editable install (the editable one hid it). Here the wheel built from the source tree (what `pip install .`
and the image install), the sdist and the wheel built from it (what a package index gets) must hold every file
under service/, and a fresh venv with the wheel installed, not editable, must serve and summarise the seeds."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, SEEDS
from tests.serving import assert_seeds_brief, free_port, seeds_request, wait_ready

# hang guards: a build, and an install that may fetch every dependency
BUILD_TIMEOUT_S = 600
INSTALL_TIMEOUT_S = 1200


def package_files() -> set[str]:
    """Every file under service/ but bytecode and hidden files, relative to the checkout."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "service").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".")
    }


def build(*args: str) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "build", *args], capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False
    )
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel built from the source tree (what `pip install .` and the image install), the sdist, and the
    wheel built from the unpacked sdist (what a package index gets). The tree is a clean copy: setuptools
    would read a stale *.egg-info/SOURCES.txt of the checkout and could hide a missing package."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "service", source / "service", ignore=shutil.ignore_patterns("__pycache__", ".*"))
    direct, indexed = tmp_path_factory.mktemp("direct"), tmp_path_factory.mktemp("indexed")
    build("--wheel", "--outdir", str(direct), str(source))
    build("--outdir", str(indexed), str(source))  # the sdist, then the wheel from it
    return {
        "wheel": next(direct.glob("*.whl")),
        "sdist": next(indexed.glob("*.tar.gz")),
        "wheel from the sdist": next(indexed.glob("*.whl")),
    }


def test_every_distribution_holds_every_package_file(dists: dict[str, Path]) -> None:
    expected = package_files()
    assert "service/api/routes/health.py" in expected
    for kind in ("wheel", "wheel from the sdist"):
        with zipfile.ZipFile(dists[kind]) as archive:
            assert {name for name in archive.namelist() if name.startswith("service/")} == expected, kind
    with tarfile.open(dists["sdist"]) as archive:
        in_sdist = {member.name.split("/", 1)[1] for member in archive.getmembers() if member.isfile()}
    assert expected <= in_sdist


@pytest.mark.slow
def test_fresh_venv_from_the_wheel_serves_and_summarizes(dists: dict[str, Path], tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(dists["wheel"])],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-4000:]
    # run from an empty folder, so nothing can come from the checkout
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import service.api.app; print(service.api.app.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)

    newsbrief = str(venv / "bin" / "newsbrief")
    summary = subprocess.run(
        [newsbrief, "summarize", str(SEEDS), "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert summary.returncode == 0, summary.stderr
    assert_seeds_brief(json.loads(summary.stdout))

    port = free_port()
    server = subprocess.Popen(
        [newsbrief, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, lambda: None if server.poll() is None else server.stdout.read() if server.stdout else "")
        response = httpx.post(f"{base}/v1/summaries", json=seeds_request(max_words=80), timeout=60)
        assert response.status_code == 200, response.text
        assert_seeds_brief(response.json())
        server.send_signal(signal.SIGTERM)
        # uvicorn re-raises the signal after its graceful shutdown, so -SIGTERM is a clean exit too
        assert server.wait(timeout=60) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
