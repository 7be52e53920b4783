"""The extractive path must never import torch or transformers (an optional extra), ray, or scikit-learn
(64 MiB of peak RSS for what representation.py computes itself); on English plain text it must not
import what only some inputs need: scipy's csgraph (conflicts), pySBD (other languages)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import SEEDS

PROBE = f"""
import sys
from service import Article, Summarizer
from service.cli import app
from service.reading import read_paths
Summarizer().summarize(read_paths([{str(SEEDS)!r}]))
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers', 'ray', 'sklearn', 'pysbd'))
print(heavy + sorted(m for m in sys.modules if m.startswith('scipy.sparse.csgraph')))
"""


def test_extractive_path_never_imports_torch() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"
