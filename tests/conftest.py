"""Shared fixtures: the seed articles and one Summarizer, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import Article, Settings, Summarizer

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seed_articles() -> list[Article]:
    return [Article(id=p.stem, text=p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]


@pytest.fixture(scope="session")
def summarizer() -> Summarizer:
    return Summarizer(Settings())
