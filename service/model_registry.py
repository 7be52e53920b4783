"""models/manifest.toml: the rewrite models newsbrief supports, and fetching them into models/."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from service.errors import Fallback, ModelError

# the manifest's kind for models a model server runs (the openai backend), never pulled
SERVED = "server"


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
        raise ModelError(f"cannot read the model manifest {manifest}: {exc}", reason=Fallback.LOAD_FAILED) from None
    return [ModelEntry(name=name, **fields) for name, fields in sorted(data.get("models", {}).items())]


def _entry(spec: str, models_dir: Path) -> ModelEntry | None:
    """The manifest entry a spec names (by name or hub id); a folder without a manifest has none."""
    try:
        listed = entries(models_dir)
    except ModelError:
        return None
    return next((e for e in listed if spec in (e.name, e.spec)), None)


def local_name(spec: str, models_dir: Path) -> str:
    """The folder under models/ a spec is pulled into and looked up in: the manifest name for a
    manifest entry, else the hub id with "/" as "--"."""
    entry = _entry(spec, models_dir)
    return entry.name if entry else spec.replace("/", "--")


def pull(spec: str, models_dir: Path) -> Path:
    """Download a manifest model (or any hub id) into models/<local name>/; returns the folder."""
    entry = _entry(spec, models_dir)
    if entry is not None and entry.kind == SERVED:
        raise ModelError(
            f"{entry.name} runs behind a model server (vLLM, TGI, llama.cpp server), not in newsbrief: "
            f"serve {entry.spec!r} there, then --model openai:http://HOST:PORT/v1#SERVED-NAME",
            reason=Fallback.LOAD_FAILED,
        )
    hub_id = entry.spec if entry else spec
    target = models_dir / local_name(spec, models_dir)
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise ModelError(
            "pulling models needs the model extra: pip install 'newsbrief[model]'", reason=Fallback.LOAD_FAILED
        ) from exc
    try:
        snapshot_download(
            hub_id, local_dir=target, allow_patterns=["*.json", "*.safetensors", "*.model", "*.txt", "*.tiktoken"]
        )
    except Exception as exc:  # the hub client raises many types (network, auth, missing repo)
        raise ModelError(
            f"cannot download {hub_id!r}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}",
            reason=Fallback.LOAD_FAILED,
        ) from None
    return target
