"""Story clustering (service/stories.py) and story records (service/story_briefs.py): articles of
several events come out as the right stories, deterministically, with bounded state."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import Article, Settings, Summarizer
from service.sets import InputLines, open_input
from service.stories import (
    _LEAD_CHARS,
    _LEAD_WEIGHT,
    _TITLE_WEIGHT,
    StoryClusterer,
    article_terms,
    cluster,
    hashed,
    stream_order,
)
from service.story_briefs import read_stream, stories
from tests.helpers import assert_clean_failure, newsbrief
from tests.provenance import assert_traceable

STREAM = Path(__file__).parent / "data" / "stories.jsonl"
EVENTS = {
    "quake": {"quake-ap", "quake-reuters", "quake-guardian"},
    "rates": {"rates-reuters", "rates-bbc"},
    "final": {"final-bbc", "final-afp"},
    "mars": {"mars-nasa", "mars-ap"},
}


def stream() -> list[Article]:
    with open_input(str(STREAM)) as lines:
        articles, errors = read_stream(InputLines(lines, "stories", 2**20), 2**20)
    assert errors == []
    return articles


def test_articles_of_several_events_come_out_as_their_stories(summarizer: Summarizer) -> None:
    articles = stream()
    found = stories(articles, summarizer)
    assert sorted((set(s.article_ids) for s in found), key=sorted) == sorted(EVENTS.values(), key=sorted)
    texts = {a.id: a.text for a in articles}
    for story in found:
        assert story.brief and story.sentences and story.headline
        for sentence in story.sentences:
            assert sentence.doc_id in story.article_ids
            assert_traceable(sentence, texts[sentence.doc_id])


def test_story_fields_say_when_where_and_in_what_order(summarizer: Summarizer) -> None:
    quake = next(s for s in stories(stream(), summarizer) if "quake-ap" in s.article_ids)
    assert quake.story_id == "story-1"  # the first story to open
    assert quake.article_ids == ["quake-ap", "quake-reuters", "quake-guardian"]
    assert quake.first_seen == datetime(2024, 3, 4, 10, tzinfo=UTC)
    assert quake.last_seen == datetime(2024, 3, 6, 7, tzinfo=UTC)
    assert quake.sources == ["ap", "guardian", "reuters"]
    assert quake.headline == "Strong earthquake hits central Chile"


def test_same_input_same_stories_and_input_order_of_equal_times_is_kept(summarizer: Summarizer) -> None:
    articles = stream()
    first = [s.model_dump_json() for s in stories(articles, summarizer)]
    assert first == [s.model_dump_json() for s in stories(articles, summarizer)]
    # the stream order is by publication time, so a shuffled input groups the same way
    labels = cluster(list(reversed(articles)), Settings())
    groups: dict[int, set[str]] = {}
    for article, label in zip(reversed(articles), labels, strict=True):
        groups.setdefault(label, set()).add(article.id)
    assert sorted(groups.values(), key=sorted) == sorted(EVENTS.values(), key=sorted)


def test_a_story_past_the_window_is_not_joined() -> None:
    settings = Settings(stories_window_hours=24)
    day = datetime(2024, 1, 1, tzinfo=UTC)
    text = "Floods closed the main bridge in Porto Alegre after three days of rain, the mayor said."
    articles = [
        Article(id="a", text=text, published_at=day),
        Article(id="b", text=text, published_at=day + timedelta(hours=20)),
        Article(id="c", text=text, published_at=day + timedelta(days=30)),
    ]
    assert cluster(articles, settings) == [0, 0, 1]


def test_undated_articles_keep_their_place_after_the_dated_one_before_them() -> None:
    day = datetime(2024, 1, 2, tzinfo=UTC)
    articles = [
        Article(id="late", text="x", published_at=day),
        Article(id="undated", text="y"),
        Article(id="early", text="z", published_at=day - timedelta(days=1)),
    ]
    assert stream_order(articles) == [2, 0, 1]


def test_naive_and_aware_dates_compare() -> None:
    text = "The city council approved the new tram line to the airport on a vote of 31 to 9."
    articles = [
        Article(id="aware", text=text, published_at=datetime(2024, 1, 1, 12, tzinfo=UTC)),
        Article(id="naive", text=text, published_at=datetime(2024, 1, 1, 13)),
    ]
    assert cluster(articles, Settings()) == [0, 0]


def test_a_naive_and_an_aware_date_of_one_instant_are_one_moment(summarizer: Summarizer, tmp_path: Path) -> None:
    """Sorting equal instants once compared the datetimes themselves, which Python refuses for a
    naive and an aware one: a 500, a traceback, a stream that could never be listed again."""
    text = "Rescuers reached the flooded village on Monday. Officials said ten people were missing."
    rows = [
        {"id": "aware", "text": text, "published_at": "2024-03-04T10:00:00Z"},
        {"id": "naive", "text": text, "published_at": "2024-03-04T10:00:00"},
        {"id": "day", "text": text, "published_at": "2024-03-04"},
    ]
    (story,) = stories([Article.model_validate(r) for r in rows], summarizer)
    assert story.first_seen == datetime(2024, 3, 4, tzinfo=UTC)
    assert story.last_seen == datetime(2024, 3, 4, 10, tzinfo=UTC)
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = newsbrief("stories", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr


def test_active_stories_are_bounded_so_state_is_flat() -> None:
    """With no dates at all only the `stories_max_active` most recently updated stories keep a centroid."""
    clusterer = StoryClusterer(Settings(stories_max_active=4, stories_hash_features=2**10))
    for i in range(50):
        clusterer.add(Article(id=str(i), text=f"word{i}a word{i}b word{i}c unique{i} story{i}"))
    assert clusterer.stories == 50
    assert clusterer.active.sums.shape == (2**10, 4)
    # a story that went inactive is not joined any more; a recent one still is
    assert clusterer.add(Article(id="again-0", text="word0a word0b word0c unique0 story0"))[0] == 50
    assert clusterer.add(Article(id="again-49", text="word49a word49b word49c unique49 story49"))[0] == 49


def test_empty_and_one_article() -> None:
    assert cluster([], Settings()) == []
    assert cluster([Article(id="one", text="Only one.")], Settings()) == [0]


def test_an_article_without_content_words_opens_its_own_story() -> None:
    articles = [Article(id="a", text="the and of"), Article(id="b", text="the and of")]
    assert cluster(articles, Settings()) == [0, 1]


@pytest.mark.slow
def test_ten_thousand_identical_articles_are_one_story(summarizer: Summarizer) -> None:
    text = "The river burst its banks in Dresden on Friday, flooding the old town, the fire service said."
    articles = [Article(id=f"copy-{i}", text=text) for i in range(10_000)]
    found = stories(articles, summarizer)
    assert len(found) == 1 and len(found[0].article_ids) == 10_000
    assert found[0].brief
    assert any("NEWSBRIEF_MAX_ARTICLES" in note for note in found[0].notes)


def test_a_huge_article_is_read_in_bounded_time(summarizer: Summarizer) -> None:
    huge = "The dam near Kherson failed overnight and water flooded 30 villages. " * 50_000  # ~3.5 MB
    articles = [Article(id="huge", text=huge), Article(id="short", text="The dam near Kherson failed overnight.")]
    assert cluster(articles, Settings()) == [0, 0]


PAGE = "A page about the storm in Lisbon, with enough words in it to be read as the main text of the page."


def lines_of(*raw: bytes) -> list[tuple[int, bytes | None]]:
    return [(n, line) for n, line in enumerate(raw, start=1)]


def test_bad_lines_become_error_records_and_the_rest_is_read() -> None:
    good = json.dumps({"id": "ok", "text": "A fine article about a storm."}).encode()
    raw = [
        good,
        b"{not json",
        b"[1, 2]",
        b"\xff\xfe bad bytes",
        b"[" * 100_000,
        json.dumps({"id": "ok", "text": "again"}).encode(),  # a repeated id
        json.dumps({"id": "bad-date", "text": "x", "published_at": "yesterday-ish"}).encode(),
        json.dumps({"id": "empty", "text": "  "}).encode(),
        None,  # over the line limit
        json.dumps({"id": "'; DROP TABLE stories; --", "text": "An id that looks like SQL is only an id."}).encode(),
        json.dumps({"id": ["x"], "text": "A list is no id."}).encode(),
        json.dumps(
            {
                "html": "<html><body><article><p>A page about the storm in Lisbon, with "
                "enough words in it to be read as the main text of the page.</p></article></body></html>"
            }
        ).encode(),
    ]
    articles, errors = read_stream(lines_of(*raw), 1024)
    assert [a.id for a in articles] == ["ok", "'; DROP TABLE stories; --", "11"]
    assert [e["line"] for e in errors] == [2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert all(set(e["error"]) == {"type", "message"} for e in errors)
    assert "line 1" in errors[4]["error"]["message"]  # the repeated id names where it was first used


def test_cli_writes_one_story_per_line_and_an_error_record_per_bad_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(STREAM.read_bytes() + b"{broken\n")
    out = tmp_path / "stories.jsonl"
    result = newsbrief("stories", str(source), "-o", str(out), "--max-words", "40")
    assert result.returncode == 1, result.stderr
    assert "9 articles, 4 stories, 1 bad lines" in result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["story_id"] for r in records[:4]] == ["story-1", "story-2", "story-3", "story-4"]
    assert all(len(r["brief"].split()) <= 40 for r in records[:4])
    assert records[4] == {"line": 10, "error": {"type": "read_error", "message": records[4]["error"]["message"]}}
    again = tmp_path / "again.jsonl"
    newsbrief("stories", "-", "-o", str(again), "--max-words", "40", stdin=source.read_bytes())
    assert again.read_bytes() == out.read_bytes()  # deterministic, and stdin reads the same


def test_cli_empty_input_and_missing_file(tmp_path: Path) -> None:
    out = tmp_path / "stories.jsonl"
    result = newsbrief("stories", "-", "-o", str(out), stdin=b"")
    assert result.returncode == 0, result.stderr
    assert out.read_text() == ""
    assert_clean_failure(newsbrief("stories", str(tmp_path / "missing.jsonl"), "-o", str(out)))


def test_cli_refuses_to_write_over_its_input(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(STREAM.read_bytes())
    (tmp_path / "link.jsonl").symlink_to(source)
    for output in (source, tmp_path / "." / "in.jsonl", tmp_path / "link.jsonl"):
        result = newsbrief("stories", str(source), "-o", str(output))
        assert_clean_failure(result)
        assert "is the input" in result.stderr
    assert source.read_bytes() == STREAM.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_cli_signal_mid_run_leaves_no_partial_output(tmp_path: Path, signum: int) -> None:
    """The input comes through a pipe larger than its buffer and left open: once the write returns,
    the command is reading it (past start-up) when the signal comes."""
    lines = (json.dumps({"id": str(i), "text": f"Storm {i} hit town{i}, police said."}) for i in range(50_000))
    out = tmp_path / "stories.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "stories", "-", "-o", str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None
    process.stdin.write("\n".join(lines).encode())
    process.stdin.flush()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, stderr
    assert stderr.decode().startswith("error: interrupted by") and b"Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []  # no output, no temporary file left


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12),
            st.floats(0.1, 10.0),
            max_size=20,
        ),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from([16, 1000, 2**20]),
)
def test_hashing_is_scikit_learns_feature_hasher(rows: list[dict[str, float]], features: int) -> None:
    from sklearn.feature_extraction import FeatureHasher

    expected = FeatureHasher(n_features=features, alternate_sign=False).transform(rows)
    got = hashed(rows, features)
    assert got.shape == expected.shape
    assert (got != expected).nnz == 0


def test_the_one_hash_without_a_32_bit_absolute_value_takes_scikit_learns_column(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import service.stories as features

    monkeypatch.setattr(features.mmh3, "hash", lambda term, seed, signed: -(2**31))
    for n in (16, 1000, 2**14, 2**20):
        assert hashed([{"term": 1.0}], n).indices.tolist() == [(2**31 - 1 - (n - 1)) % n]


def _terms_read_twice(article: Article) -> dict[str, float]:
    """article_terms as it was before the body was read once: the body, then the lead again, then the title."""
    import math

    from service.representation import stemmed_terms
    from service.stories import _names_and_numbers

    body = article.text[:6000]
    lead = body[: max(body.rfind(" ", 0, _LEAD_CHARS), 0)] if len(body) > _LEAD_CHARS else body
    counts: dict[str, float] = {}
    for text, weight in ((body, 1.0), (lead, _LEAD_WEIGHT - 1.0), (article.title or "", _TITLE_WEIGHT)):
        for term in stemmed_terms(text):
            counts[term] = counts.get(term, 0.0) + weight
    tf = {term: 1.0 + math.log(count) for term, count in counts.items()}
    tf.update(_names_and_numbers(f"{article.title or ''}\n{lead}"))
    return tf


_PIECES = st.sampled_from(
    ["report", "reports", "the", "Dayton", "ΟΔΟΣ", "σ", "é", "\u0301a", "İstanbul", "5", "x_y", "—"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_PIECES, st.sampled_from([" ", "  ", "\n", "", ". "])), max_size=400), st.integers(0, 3))
def test_the_body_read_once_as_lead_and_rest_gives_the_terms_of_reading_it_twice(
    pieces: list[tuple[str, str]], title_words: int
) -> None:
    text = "".join(word + gap for word, gap in pieces) or "x"
    article = Article(id="a", title=" ".join(word for word, _ in pieces[:title_words]) or None, text=text)
    assert list(article_terms(article).items()) == list(_terms_read_twice(article).items())  # same order too
    long = Article(id="b", text=text * (7000 // len(text) + 1))  # past the lead and the body's limit
    assert list(article_terms(long).items()) == list(_terms_read_twice(long).items())
