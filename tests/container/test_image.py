"""The Docker image, built from the project's Dockerfile on a stand-in base and run with podman: it serves the
seeds as uid 10001, its HEALTHCHECK passes, SIGTERM drains, it runs as deploy/ runs it (read-only root and the
manifests' tmpfs mounts), it stays within its size budget, and the EXTRAS=model image works too."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.container.podman import podman, serving, size
from tests.manifests import compose_service, kubernetes
from tests.serving import assert_seeds_brief, busy_request, seeds_request

pytestmark = [pytest.mark.container, pytest.mark.slow]

# issue 18's target for what newsbrief adds on top of the Python base image, without the model extra
ADDED_BYTES_BUDGET = 300 * 10**6
# generous hang guard for one request to the container
REQUEST_TIMEOUT_S = 120

RunOptions = tuple[list[str], dict[str, str], tuple[str, ...]]


def kubernetes_run() -> RunOptions:
    """podman options, environment and arguments for the Deployment's pod and container spec."""
    pod = kubernetes()["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    security = container["securityContext"]
    options = [f"--user={pod['securityContext']['runAsUser']}:{pod['securityContext']['runAsGroup']}"]
    if security["readOnlyRootFilesystem"]:
        options += ["--read-only", "--read-only-tmpfs=false"]  # podman would add its own tmpfs mounts otherwise
    if not security["allowPrivilegeEscalation"]:
        options.append("--security-opt=no-new-privileges")
    options += [f"--cap-drop={cap}" for cap in security["capabilities"]["drop"]]
    # an emptyDir is a new folder the pod's user can write: in memory a tmpfs; on disk an anonymous volume (podman
    # gives a tmpfs over a folder of the image that folder's mode, whatever mode= says), which takes the owner of
    # the image's folder where Kubernetes would make it world-writable
    empty_dirs = {volume["name"]: volume["emptyDir"] for volume in pod.get("volumes", []) if "emptyDir" in volume}
    for mount in container.get("volumeMounts", []):
        if mount["name"] in empty_dirs:
            in_memory = empty_dirs[mount["name"]].get("medium") == "Memory"
            options.append(f"--tmpfs={mount['mountPath']}:mode=1777" if in_memory else f"--volume={mount['mountPath']}")
    env = {item["name"]: item["value"] for item in container["env"]}
    return options, env, tuple(container["args"])


def compose_run() -> RunOptions:
    """podman options and environment for the compose service."""
    service = compose_service()
    options = ["--read-only", "--read-only-tmpfs=false"] if service["read_only"] else []
    options += [f"--tmpfs={mount}" for mount in service.get("tmpfs", [])]
    # a named volume as an anonymous one: new, it too takes the image folder's owner; removed with the container
    options += [f"--volume={volume.split(':')[1]}" for volume in service.get("volumes", [])]
    return options, {name: str(value) for name, value in service["environment"].items()}, ()


DEPLOYMENTS: dict[str, Callable[[], RunOptions]] = {"kubernetes": kubernetes_run, "compose": compose_run}


def post_seeds(base: str) -> dict[str, Any]:
    response = httpx.post(f"{base}/v1/summaries", json=seeds_request(max_words=80), timeout=REQUEST_TIMEOUT_S)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_image_adds_at_most_the_budget(image: str, standin_base: str) -> None:
    added = size(image) - size(standin_base)
    assert added <= ADDED_BYTES_BUDGET, f"the image adds {added / 1e6:.1f} MB to its base"


def test_serves_the_seeds_as_uid_10001_and_the_healthcheck_passes(image: str) -> None:
    with serving(image) as container:
        assert httpx.get(f"{container.base}/health", timeout=10).json() == {"status": "ok"}
        assert httpx.get(f"{container.base}/ready", timeout=10).json()["ready"] is True
        assert_seeds_brief(post_seeds(container.base))
        status = podman("exec", container.cid, "cat", "/proc/1/status").stdout
        uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
        assert uids == ["10001"] * 4  # real, effective, saved, filesystem
        check = podman("healthcheck", "run", container.cid, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
        assert container.state()["Health"]["Status"] == "healthy"


def test_sigterm_drains_the_request_in_flight(image: str) -> None:
    """`podman stop` within the grace period the manifests give: the request in flight completes, exit 0."""
    grace_s = int(kubernetes()["Deployment"]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"])
    # one slot: while the long request holds it, a probe gets 429, which proves the request is in flight
    with serving(image, env={"NEWSBRIEF_MAX_IN_FLIGHT": "1"}) as container:
        url = f"{container.base}/v1/summaries"
        answer: dict[str, httpx.Response] = {}

        def long_request() -> None:
            while True:
                answer["long"] = httpx.post(url, json=busy_request(max_words=50), timeout=REQUEST_TIMEOUT_S)
                if answer["long"].status_code != 429:  # 429: a probe held the slot; try again
                    return

        worker = threading.Thread(target=long_request)
        worker.start()
        deadline = time.monotonic() + REQUEST_TIMEOUT_S
        while httpx.post(url, json=seeds_request(max_words=20), timeout=REQUEST_TIMEOUT_S).status_code != 429:
            assert worker.is_alive(), "the long request ended before a probe found it in flight"
            assert time.monotonic() < deadline, "the long request never got in flight"
        podman("stop", f"--time={grace_s}", container.cid, timeout=grace_s + 60)
        worker.join(timeout=REQUEST_TIMEOUT_S)
        assert answer["long"].status_code == 200
        assert answer["long"].json()["budget"]["words"] <= 50
        assert container.state()["ExitCode"] == 0, container.logs()


@pytest.mark.parametrize("deployment", DEPLOYMENTS)
def test_runs_read_only_as_deployed(image: str, deployment: str) -> None:
    options, env, command = DEPLOYMENTS[deployment]()
    assert "--read-only" in options
    with serving(image, *options, env=env, command=command) as container:
        assert_seeds_brief(post_seeds(container.base))
        # /app/seeds belongs to the service's user: only the read-only root keeps it from writing there
        assert podman("exec", container.cid, "touch", "/app/seeds/x", check=False).returncode != 0
        podman("exec", container.cid, "touch", "/tmp/x")  # the manifests' writable /tmp
        # and the streams' store on the manifests' volume
        article = {"id": "a1", "title": "Quake hits Chile", "text": "A strong earthquake hit central Chile on Monday."}
        added = httpx.post(
            f"{container.base}/v1/streams/news/articles", json={"articles": [article]}, timeout=REQUEST_TIMEOUT_S
        )
        assert added.status_code == 200, added.text
        listed = httpx.get(f"{container.base}/v1/streams/news/stories", timeout=REQUEST_TIMEOUT_S)
        assert listed.status_code == 200, listed.text
        assert [story["article_ids"] for story in listed.json()["stories"]] == [["a1"]]


def test_model_image_without_a_model_serves_extractive_briefs(model_image: str) -> None:
    with serving(model_image) as container:
        assert_seeds_brief(post_seeds(container.base))
        info = httpx.get(f"{container.base}/info", timeout=10).json()
        assert info["model"] is None
        assert info["ranker"]["representation"] == "tfidf"


def test_model_image_runs_torch_read_only_as_deployed(model_image: str) -> None:
    """The MiniLM representation (torch, transformers, the weights the extra ships) on the read-only root of
    the Kubernetes manifest: what the build strips and what the manifests mount must leave torch working."""
    options, env, command = kubernetes_run()
    env["NEWSBRIEF_REPRESENTATION"] = "minilm"
    with serving(model_image, *options, env=env, command=command) as container:
        assert_seeds_brief(post_seeds(container.base))
        assert httpx.get(f"{container.base}/info", timeout=10).json()["ranker"]["representation"] == "minilm"
