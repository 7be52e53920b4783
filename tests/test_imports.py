"""The extractive path must never import torch or transformers (an optional extra), ray, or scikit-learn
(64 MiB of peak RSS for what representation.py computes itself); on English plain text it must not
import what only some inputs need: scipy's csgraph (conflicts), pySBD (other languages); the app
imports psycopg (the postgres extra) only when its streams are in PostgreSQL. An extractive brief
(`newsbrief summarize`) imports neither the rewrite nor its faithfulness check, and boilerplate
sentence kinds are compiled only when a text holds one of their hints."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import SEEDS

PROBE = f"""
import sys
from service import Article, Summarizer
from service.cli import app
from service.reading import read_paths
from service.api.app import create_app
create_app()
Summarizer().summarize(read_paths([{str(SEEDS)!r}]))
optional = ('torch', 'transformers', 'ray', 'sklearn', 'psycopg', 'pysbd')
heavy = sorted(m for m in sys.modules if m.split('.')[0] in optional)
print(heavy + sorted(m for m in sys.modules if m.startswith('scipy.sparse.csgraph')))
"""


def test_extractive_path_never_imports_torch() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


CLI = f"""
import sys
from service.cli import main
sys.argv = ["newsbrief", "summarize", {str(SEEDS)!r}]
try:
    main()
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m in ('service.rewriting', 'service.faithfulness')), file=sys.stderr)
"""


def test_an_extractive_brief_never_imports_the_rewrite() -> None:
    result = subprocess.run([sys.executable, "-c", CLI], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout and result.stderr.strip() == "[]"


KINDS = f"""
from service import Summarizer
from service.boilerplate import BOILERPLATE, _compiled
from service.reading import read_paths
articles = read_paths([{str(SEEDS)!r}])
loaded = _compiled.cache_info().currsize
Summarizer().summarize(articles)
text = " ".join(article.text for article in articles).lower()
hinted = sum(any(hint in text for hint in kind.hints) for kind in BOILERPLATE.sentences)
print(_compiled.cache_info().currsize - loaded, hinted, len(BOILERPLATE.sentences))
"""


def test_the_seeds_compile_only_the_boilerplate_kinds_they_hint_at() -> None:
    result = subprocess.run([sys.executable, "-c", KINDS], capture_output=True, text=True, timeout=120, check=True)
    compiled, hinted, kinds = map(int, result.stdout.split())
    assert compiled <= hinted < kinds
