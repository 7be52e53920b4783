"""models/manifest.toml: the rewrite models newsbrief supports, and fetching them into models/."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from service.errors import ModelError


@dataclass(frozen=True, slots=True)
class ModelEntry:
    name: str
    spec: str
    kind: str
    licence: str
    size: str
    good_for: str


def entries(models_dir: Path) -> list[ModelEntry]:
    manifest = models_dir / "manifest.toml"
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"cannot read the model manifest {manifest}: {exc}") from None
    return [ModelEntry(name=name, **fields) for name, fields in sorted(data.get("models", {}).items())]


def pull(name_or_spec: str, models_dir: Path) -> Path:
    """Download a manifest model (or any hub id) into models/<name>/; returns the folder."""
    listed = entries(models_dir)
    entry = next((e for e in listed if name_or_spec in (e.name, e.spec)), None)
    spec = entry.spec if entry else name_or_spec
    target = models_dir / (entry.name if entry else spec.replace("/", "--"))
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise ModelError("pulling models needs the model extra: pip install 'newsbrief[model]'") from exc
    try:
        snapshot_download(
            spec, local_dir=target, allow_patterns=["*.json", "*.safetensors", "*.model", "*.txt", "*.tiktoken"]
        )
    except Exception as exc:  # the hub client raises many types (network, auth, missing repo)
        raise ModelError(f"cannot download {spec!r}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from None
    return target
