"""The deploy/ manifests as data, read the same way by the static checks and the container test."""

from __future__ import annotations

from typing import Any

import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def kubernetes() -> dict[str, dict[str, Any]]:
    """deploy/kubernetes.yaml by kind (Deployment, Service, HorizontalPodAutoscaler)."""
    return {d["kind"]: d for d in yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text(encoding="utf-8"))}


def compose() -> dict[str, Any]:
    """deploy/compose.yaml."""
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))


def compose_service() -> dict[str, Any]:
    """The newsbrief service of deploy/compose.yaml."""
    return dict(compose()["services"]["newsbrief"])
