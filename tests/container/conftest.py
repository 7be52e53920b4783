"""Fixtures of the container test: podman and friends (a clear skip without them; CI requires them), the
stand-in base, the images built from the project's Dockerfile, and a throwaway local index that serves the
CPU torch wheel lying on this machine's disk to the EXTRAS=model build."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from packaging.utils import parse_wheel_filename

from tests.container.podman import BUILD_TIMEOUT_S, ENV, HERE, build

# CI sets it: a missing tool fails the test instead of skipping it
REQUIRED = os.environ.get("NEWSBRIEF_REQUIRE_CONTAINER") == "1"
TOOLS = ("podman", "runc", "debootstrap")
# the stand-in base is Debian bookworm, whose Python is CPython 3.11
TORCH_WHEEL_GLOB = "torch-*+cpu-cp311-cp311-manylinux*_x86_64.whl"
DEFAULT_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# the index's URL is a build argument, so part of the build cache key: a fixed port lets a second run reuse the
# model image's layers (a busy port falls back to a free one, and a rebuild)
TORCH_INDEX_PORT = 38917


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"NEWSBRIEF_REQUIRE_CONTAINER=1, but {reason}")
    pytest.skip(reason)


def pip_config() -> dict[str, str]:
    """`pip config list` as {key: value}, e.g. {'global.find-links': '/opt/wheels'}."""
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    pairs = (line.split("=", 1) for line in listed.splitlines() if "=" in line)
    return {key: value.strip("'\"") for key, value in pairs}


@pytest.fixture(scope="session")
def container_engine() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        unavailable(f"the container test needs {', '.join(missing)} (apt-get install podman runc debootstrap)")
    if os.geteuid() != 0:
        unavailable("the container test needs root (debootstrap and rootful podman)")


@pytest.fixture(scope="session")
def torch_wheel(container_engine: None) -> Path | None:
    """The CPU torch wheel in pip's find-links here: the model build must take it, never a CUDA build."""
    config = pip_config()
    folders = [Path(f) for key, value in config.items() if key.endswith(".find-links") for f in value.split()]
    wheels = sorted(w for folder in folders for w in folder.glob(TORCH_WHEEL_GLOB))
    return wheels[-1] if wheels else None


@pytest.fixture(scope="session")
def standin_base(container_engine: None, torch_wheel: Path | None) -> str:
    """The stand-in for python:*-slim (tests/container/standin-base.sh), pinned to the local torch wheel."""
    config = pip_config()
    ca_bundle = next((v for k, v in config.items() if k.endswith(".cert")), DEFAULT_CA_BUNDLE)
    pin = f"torch=={parse_wheel_filename(torch_wheel.name)[1]}" if torch_wheel else ""
    result = subprocess.run(
        ["bash", str(HERE / "standin-base.sh")],
        env={**ENV, "CA_BUNDLE": ca_bundle, "PIP_CONSTRAINTS": pin},
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-6000:]
    return result.stdout.split()[-1]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """The build's requests are not the test's output."""


@pytest.fixture(scope="session")
def torch_index(torch_wheel: Path | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A package index on 127.0.0.1 holding only the local CPU torch wheel: the build's TORCH_INDEX."""
    if torch_wheel is None:
        unavailable(f"no CPU torch wheel ({TORCH_WHEEL_GLOB}) in pip's find-links: the model build would download")
        return
    root = tmp_path_factory.mktemp("torch-index")
    (root / "torch").mkdir()
    (root / "torch" / torch_wheel.name).symlink_to(torch_wheel)
    handler = functools.partial(QuietHandler, directory=str(root))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", TORCH_INDEX_PORT), handler)
    except OSError:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=30)


@pytest.fixture(scope="session")
def image(standin_base: str) -> str:
    return build("localhost/newsbrief-test:extractive", PYTHON_IMAGE=standin_base)


@pytest.fixture(scope="session")
def model_image(standin_base: str, torch_index: str) -> str:
    return build("localhost/newsbrief-test:model", PYTHON_IMAGE=standin_base, EXTRAS="model", TORCH_INDEX=torch_index)
