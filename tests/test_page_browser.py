"""The served page in a real browser: Debian's `chromium` driven by Playwright for Python.

Skips without chromium (`apt-get install chromium`; Playwright's own browser download is not used),
unless NEWSBRIEF_REQUIRE_BROWSER=1 (CI sets it): then a missing browser fails the test. The seeds are
chosen as files, the form submitted; hovering, then focusing, each brief sentence must highlight
exactly the words at its provenance offsets, and in every other supporting article its sentence
of the same fact (`support_refs`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from playwright import sync_api as playwright

from tests.conftest import SEEDS

CHROMIUM = shutil.which("chromium")
REQUIRED = os.environ.get("NEWSBRIEF_REQUIRE_BROWSER") == "1"
pytestmark = pytest.mark.slow


@pytest.fixture
def chromium() -> str:
    if CHROMIUM is None:
        if REQUIRED:
            pytest.fail("NEWSBRIEF_REQUIRE_BROWSER=1, but there is no chromium (apt-get install chromium)")
        pytest.skip("no chromium (apt-get install chromium)")
    return CHROMIUM


def _lit(page: playwright.Page) -> dict[str, str]:
    """The highlighted words per article card."""
    got: dict[str, str] = {}
    script = "els => els.map(e => [e.closest('article').id, e.textContent])"
    for doc, words in page.eval_on_selector_all(".on-mark", script):
        got[doc] = got.get(doc, "") + words
    return got


def test_seeds_in_the_browser(live_server: str, chromium: str, tmp_path: Path) -> None:
    seeds = sorted(SEEDS.glob("*.txt"))
    articles = [{"id": p.name, "text": p.read_text(encoding="utf-8")} for p in seeds]
    expected = httpx.post(
        f"{live_server}/v1/summaries", json={"articles": articles, "options": {"quotes": 1}}, timeout=120
    )
    assert expected.status_code == 200
    body = expected.json()
    texts = {a["id"]: a["text"] for a in articles}
    card = {a["id"]: f"doc-{n}" for n, a in enumerate(articles)}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{live_server}/")
        page.set_input_files("#files", [str(s) for s in seeds])
        page.fill("#quotes", "1")
        page.click("button[type=submit]")
        page.wait_for_selector("#result .brief a.s", timeout=120_000)
        links = page.locator("#result .brief a.s")
        assert links.count() == len(body["sentences"])
        for n, s in enumerate(body["sentences"]):
            want = {card[s["doc_id"]]: "".join(texts[s["doc_id"]][a:b] for a, b in s["spans"])}
            for ref in s["support_refs"]:  # the same fact in every other supporting article
                want[card[ref["doc_id"]]] = texts[ref["doc_id"]][ref["char_start"] : ref["char_end"]]
            for act in ("hover", "focus"):
                page.mouse.move(0, 0)
                page.locator("#query").focus()
                getattr(links.nth(n), act)()
                assert _lit(page) == want, (n, act)
                outlined = page.eval_on_selector_all("article.on", "els => els.map(e => e.id)")
                assert outlined == [card[i] for i in s["support"]]
        quoted = page.locator("#result .brief a.quote")
        assert quoted.count() == sum(q["in_brief"] for q in body["quotes"])
        page.evaluate("document.activeElement.blur(); document.getElementById('result').scrollIntoView()")
        links.nth(0).hover()  # the shot shows a sentence and its words highlighted
        page.screenshot(path=str(tmp_path / "page.png"))
        browser.close()
    assert (tmp_path / "page.png").stat().st_size > 0


FLOOD = [
    "A flood in the river valley killed 12 people on Sunday, officials said. The river rose after heavy rain.",
    "A flood in the river valley killed 15 people on Sunday, officials said. Roads were closed across the region.",
]


def test_pasted_articles_show_their_disagreement(live_server: str, chromium: str) -> None:
    expected = httpx.post(f"{live_server}/v1/summaries", json={"articles": [{"text": t} for t in FLOOD]}, timeout=120)
    (conflict,) = expected.json()["conflicts"]
    want: dict[str, str] = {}
    for value in conflict["values"]:
        for ref in value["refs"]:
            doc = f"doc-{ref['doc_id']}"  # pasted articles are numbered from 0
            want[doc] = want.get(doc, "") + FLOOD[int(ref["doc_id"])][ref["char_start"] : ref["char_end"]]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{live_server}/")
        page.fill("#articles", "\n---\n".join(FLOOD))
        page.keyboard.press("Tab")
        page.click("button[type=submit]")
        page.wait_for_selector("#result .brief a.mark", timeout=120_000)
        page.locator("#result .brief a.mark").first.focus()
        assert _lit(page) == want
        assert page.locator("#conflict-0").inner_text().startswith("1. sources disagree on people killed")
        browser.close()
