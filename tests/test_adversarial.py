"""Hang guard: every text stage on every adversarial shape at 1 MB, within a generous bound.

Runs benchmarks/adversarial.py --check: each (shape, stage) in its own process, killed after
10 s (linear code needs well under 1 s here; the quadratic trimming regex of an earlier release
needed 54 s for 48 KB). A stage may refuse an input cleanly (NewsbriefError), never crash.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

BOUND_S = 10


@pytest.mark.slow
def test_every_stage_is_fast_on_every_adversarial_shape_at_1_mb() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/adversarial.py", "--sizes", "1000000", "--timeout", str(BOUND_S), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("\n| ") >= 20 * 8  # every shape x stage was measured
