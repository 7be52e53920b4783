"""Update briefs: given the articles a reader has already seen, the brief tells what is new."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from service import Article, InputError, LimitExceededError, Settings, Summarizer
from service.batch import run_batch
from tests.provenance import assert_traceable

KNOWN = [
    Article(
        id="monday",
        text="Floods swept through the river city of Ravenna on Monday after three days of torrential rain. "
        "Thousands of residents were evacuated from low-lying districts as the river burst its banks.",
    )
]
NEW = [
    Article(
        id="tue-1",
        text="Thousands of residents were evacuated from Ravenna as floods swept through the river city after "
        "torrential rain. The government declared a state of emergency and pledged 200 million euros to "
        "rebuild bridges and homes.",
    ),
    Article(
        id="tue-2",
        text="Floods swept the river city of Ravenna after days of torrential rain, and thousands were "
        "evacuated. Officials declared a state of emergency and promised 200 million euros for reconstruction "
        "of homes and bridges.",
    ),
    Article(
        id="tue-3",
        text="After torrential rain, floods swept through Ravenna and thousands of residents were evacuated "
        "from the river city. Insurers estimated the damage to homes and farms at over one billion euros.",
    ),
]


def test_known_facts_give_way_to_new_ones(summarizer: Summarizer) -> None:
    plain = summarizer.summarize(NEW, max_words=30)
    update = summarizer.summarize(NEW, max_words=30, known=KNOWN)
    # without the known article, the fact all three repeat leads; with it, the new development does
    assert "evacuated" in plain.brief
    assert "evacuated" not in update.brief
    assert "emergency" in update.brief
    texts = {a.id: a.text for a in NEW}
    for s in update.sentences:
        assert_traceable(s, texts[s.doc_id])
        assert s.doc_id in texts  # known articles are never quoted
    assert all(s.score.known == 0 for s in plain.sentences)


def test_a_sentence_the_reader_has_read_is_never_told_again(summarizer: Summarizer) -> None:
    assert "Insurers" in summarizer.summarize(NEW, max_words=100).brief
    summary = summarizer.summarize(NEW, max_words=100, known=[NEW[2]])
    assert "Insurers" not in summary.brief
    assert all(s.score.known < 1 for s in summary.sentences)


def test_update_brief_is_deterministic() -> None:
    runs = {
        Summarizer(Settings()).summarize(NEW, known=KNOWN).model_dump_json(exclude={"timings_ms"}) for _ in range(3)
    }
    assert len(runs) == 1


def test_nothing_new_still_gives_a_brief_and_says_so(summarizer: Summarizer) -> None:
    summary = summarizer.summarize(KNOWN, max_words=40, known=KNOWN)
    assert summary.brief
    assert not any(s.clipped for s in summary.sentences)
    assert any("nothing new" in note for note in summary.notes)


def test_known_articles_are_checked_like_articles() -> None:
    summarizer = Summarizer(Settings(max_articles=2))
    with pytest.raises(LimitExceededError, match="3 known") as too_many:
        summarizer.summarize(NEW[:1], known=NEW)
    assert too_many.value.param == "known"
    with pytest.raises(InputError, match="used twice") as twice:
        summarizer.summarize(NEW[:1], known=[KNOWN[0], KNOWN[0]])
    assert twice.value.param == "known[1].id"


def test_known_articles_over_the_size_limit_are_named() -> None:
    summarizer = Summarizer(Settings(max_article_chars=100))
    with pytest.raises(LimitExceededError, match="monday") as huge:
        summarizer.summarize([Article(id="a", text="Short news.")], known=KNOWN)
    assert huge.value.param == "known[0].text"


def test_closest_similarity_is_the_same_in_chunks(summarizer: Summarizer) -> None:
    from service.representation import TfidfRepresenter
    from service.scoring import closest_similarity

    texts = [s for a in NEW + KNOWN for s in a.text.split(". ")]
    matrix = TfidfRepresenter().represent(texts).sentences
    whole = closest_similarity(matrix[:3], matrix[3:])
    assert np.array_equal(whole, closest_similarity(matrix[:3], matrix[3:], chunk=1))
    assert whole.max() > 0


def test_batch_lines_take_known_documents(tmp_path: Path) -> None:
    source = tmp_path / "sets.jsonl"
    documents = [a.model_dump(mode="json") for a in NEW]
    known = [a.model_dump(mode="json") for a in KNOWN]
    lines = [
        {"id": "plain", "documents": documents},
        {"id": "update", "documents": documents, "known_documents": known},
        {"id": "bad", "documents": documents, "known_documents": [{"id": "x"}]},
    ]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    stats = run_batch(Settings(), str(source), out, max_words=30)
    assert (stats.done, stats.failed) == (2, 1)
    plain, update, bad = (json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())
    assert "evacuated" in plain["summary"]
    assert "evacuated" not in update["summary"]
    assert "known_documents" in bad["error"]["message"]


def test_cli_known_input_errors_are_one_line(tmp_path: Path) -> None:
    from tests.helpers import assert_clean_failure, newsbrief

    (tmp_path / "new.txt").write_text(NEW[0].text, encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 news from Par\xeds.".encode("latin-1"))
    for known in ("missing.txt", "latin1.txt"):
        assert_clean_failure(newsbrief("summarize", str(tmp_path / "new.txt"), "--known", str(tmp_path / known)))


def test_cli_known_option(tmp_path: Path) -> None:
    from tests.helpers import newsbrief

    for article in (*KNOWN, *NEW):
        folder = tmp_path / ("known" if article in KNOWN else "new")
        folder.mkdir(exist_ok=True)
        (folder / f"{article.id}.txt").write_text(article.text, encoding="utf-8")
    result = newsbrief("summarize", str(tmp_path / "new"), "--known", str(tmp_path / "known"), "--max-words", "30")
    assert result.returncode == 0, result.stderr
    assert "emergency" in result.stdout
    assert "evacuated" not in result.stdout


@pytest.mark.anyio
async def test_api_known_articles() -> None:
    from service.api import create_app
    from tests.serving import client_for

    payload = {
        "articles": [a.model_dump(mode="json") for a in NEW],
        "known_articles": [{"text": a.text} for a in KNOWN],
        "options": {"max_words": 30},
    }
    async for client in client_for(create_app(Settings())):
        body = (await client.post("/v1/summaries", json=payload)).json()
        assert "emergency" in body["brief"]
        assert "evacuated" not in body["brief"]
        payload["known_articles"] = [{"id": "x"}]
        response = await client.post("/v1/summaries", json=payload)
        assert response.status_code == 422
        assert "known_articles" in response.text
        payload["known_articles"] = [{"text": "Old news."}] * 101  # NEWSBRIEF_MAX_ARTICLES is 100
        response = await client.post("/v1/summaries", json=payload)
        assert response.status_code == 413
        assert response.json()["error"]["param"] == "known_articles"
