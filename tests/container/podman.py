"""podman as the container test drives it: this machine's settings (containers.conf), image builds from the
project's Dockerfile, and containers that serve on 127.0.0.1 and are always removed."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT
from tests.serving import free_port, wait_ready

HERE = Path(__file__).resolve().parent
ENV = {**os.environ, "CONTAINERS_CONF": str(HERE / "containers.conf")}
# builds and containers use the host's network: the package index is reached through it, the local torch
# index and the served API are on 127.0.0.1 (the API is bound there, not to the image's 0.0.0.0)
NETWORK = "--network=host"
# hang guards, far above what a build or a command takes on a 2-core machine
BUILD_TIMEOUT_S = 1800
COMMAND_TIMEOUT_S = 300


def podman(*args: str, check: bool = True, timeout: float = COMMAND_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    command = ["podman", *args]
    result = subprocess.run(
        command, env=ENV, capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
    )
    if check:
        assert result.returncode == 0, f"podman {' '.join(args)} exited {result.returncode}:\n{result.stderr[-6000:]}"
    return result


def build(tag: str, **build_args: str) -> str:
    """The image from the project's Dockerfile, as it is; only build arguments vary."""
    arg_options = [f"--build-arg={name}={value}" for name, value in build_args.items()]
    # docker format: the OCI format has no HEALTHCHECK
    dockerfile = str(ROOT / "Dockerfile")
    podman(
        "build",
        "--format=docker",
        NETWORK,
        *arg_options,
        f"--tag={tag}",
        f"--file={dockerfile}",
        str(ROOT),
        timeout=BUILD_TIMEOUT_S,
    )
    return tag


def size(image: str) -> int:
    """Uncompressed bytes of all the image's layers."""
    return int(podman("image", "inspect", "--format={{.Size}}", image).stdout)


@dataclass(frozen=True)
class Container:
    cid: str
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def state(self) -> dict[str, object]:
        return dict(json.loads(podman("inspect", "--format={{json .State}}", self.cid).stdout))

    def logs(self) -> str:
        result = podman("logs", self.cid, check=False)
        return result.stdout + result.stderr

    def gone(self) -> str | None:
        """None while the container runs; else its exit and output."""
        state = self.state()
        return None if state["Running"] else f"exit {state['ExitCode']}:\n{self.logs()[-6000:]}"


@contextmanager
def serving(
    image: str, *options: str, env: Mapping[str, str] | None = None, command: tuple[str, ...] = ()
) -> Iterator[Container]:
    """A container of `image` serving on 127.0.0.1 and a free port, ready; removed afterwards with its anonymous
    volumes, whatever happened."""
    port = free_port()
    settings = {"NEWSBRIEF_HOST": "127.0.0.1", "NEWSBRIEF_PORT": str(port), **(env or {})}
    env_options = [f"--env={name}={value}" for name, value in settings.items()]
    cid = podman("run", "--detach", NETWORK, *env_options, *options, image, *command).stdout.strip()
    try:
        container = Container(cid, port)
        wait_ready(container.base, container.gone)
        yield container
    finally:
        podman("rm", "--force", "--volumes", "--time=0", cid, check=False)
