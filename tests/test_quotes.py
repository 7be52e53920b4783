"""Direct quotes: marks of every kind, speakers from written examples, offsets, ranking, the
brief's verbatim copies, the rewrite's locked spans and hostile input."""

from __future__ import annotations

import json
import time

import pytest

from service import Article, Settings, Summarizer
from service.faithfulness import check
from service.quotes import find, gather
from service.result import quoted
from tests.conftest import SEEDS
from tests.helpers import newsbrief

# (text, the quote's words, the speaker), written for these tests
EXAMPLES = [
    ("“We will not give up on peace,” Qin Gang said on Sunday.", "We will not give up on peace,", "Qin Gang"),
    ('Blinken told reporters: "The talks were candid and constructive." Then he left.', None, "Blinken"),
    (
        "``It is a very dangerous situation,'' said Jose Manuel Ibarra, a spokesman for the ministry.",
        "It is a very dangerous situation,",
        "Jose Manuel Ibarra",
    ),
    ('The minister, Qin Gang, said "this will be a long road for both sides," and left.', None, "Qin Gang"),
    ('"We want peace and we want it now," according to Mr. Smith.', None, "Mr. Smith"),
    (
        '"We want peace and we want it now," a State Department spokesman said Tuesday.',
        None,
        "a State Department spokesman",
    ),
    ('"Nobody saw it coming at all," officials said.', None, "officials"),
    ('Smith, the mayor, said it was over. "We are ready to start again tomorrow," he said.', None, "Smith"),
    ('"The law is clear on this point," Smith, the mayor, said.', None, "Smith"),
    ('Mrs. Shepard spoke. "We loved him so much, every day," he said.', None, None),
    ('Rep. Smith spoke. Rep. Mark Foley issued a challenge. "Stand up and vote with us," he said.', None, None),
    ('And Corey adds, "she is the only one who runs."', None, "Corey"),
    ('"Every industry, as it grows," he said, "meets rivals like these."', "meets rivals like these.", None),
    ('But in the end, one official said, "we could not make it work."', None, "one official"),
    ('&QL; WHO SAID WHAT "We could not make it work."', None, None),
    ('He is the author of "Hate Crimes and Their Makers" (Plenum Press, 1993), said Jack Levin.', None, None),
    ('He warned of "a grave and growing danger" due to misunderstandings, he said.', None, None),
    ('"This is the end of an era for all of us." The band split up.', None, None),
    ('"We will win this fight in the end," said in a statement the union.', None, None),
]


@pytest.mark.parametrize(("text", "words", "speaker"), EXAMPLES)
def test_quote_and_speaker(text: str, words: str | None, speaker: str | None) -> None:
    quote = find(text)[-1]
    if words is not None:
        assert text[quote.start : quote.end] == words
    assert quote.speaker_text == speaker
    if quote.speaker is not None:
        assert text[quote.speaker[0] : quote.speaker[1]] == speaker


def test_short_and_unpaired_marks_are_not_quotes() -> None:
    assert find('They called it "a scandal" and left. He is 6\'2" tall and "loud.') == []


def test_newswire_quote_over_paragraphs_gives_one_quote_per_paragraph() -> None:
    text = "``We came here to work and to win the vote\n\n``and we did that in the end,'' Smith said."
    quotes = [text[q.start : q.end] for q in find(text)]
    assert quotes == ["We came here to work and to win the vote", "and we did that in the end,"]


def test_an_unclosed_quote_is_dropped_at_the_paragraph_end() -> None:
    assert find('"We came here to work and to win\n\nThe vote was held on Monday.') == []


def test_same_quote_in_two_articles_is_one_entry_with_both() -> None:
    a = Article(id="a", text="“The talks were candid and useful,” Miller said.")
    b = Article(
        id="b", text='Officials met. "The talks were candid and useful," State Department spokesman Miller said.'
    )
    c = Article(id="c", text="“We hope for more talks soon,” Qin said.")
    quotes = gather([a, b, c], lambda pos, start, end: 0.0)
    assert [q.support for q in quotes] == [["a", "b"], ["c"]]
    assert quotes[0].speaker == "Miller"
    for q in quotes:
        for source in q.sources:
            text = {"a": a, "b": b, "c": c}[source.doc_id].text
            assert text[source.char_start : source.char_end] == q.text
            if source.speaker is not None:
                assert text[source.speaker_start : source.speaker_end] == source.speaker


def test_seed_quotes_are_ranked_traceable_and_in_the_brief(
    summarizer: Summarizer, seed_articles: list[Article]
) -> None:
    summary = summarizer.summarize(seed_articles, quotes=2)
    texts = {a.id: a.text for a in seed_articles}
    assert len(summary.quotes) >= 10
    keys = [(-len(q.support), -q.salience) for q in summary.quotes]
    assert keys == sorted(keys)
    for q in summary.quotes:
        for s in q.sources:
            assert texts[s.doc_id][s.char_start : s.char_end] == q.text
    added = [q for q in summary.quotes if q.in_brief]
    assert len(added) == 2
    for q in added:  # verbatim, whole, with the speaker (or that none is named)
        assert quoted(q) in summary.brief and q.text in quoted(q)
    assert summary.budget.words <= summary.budget.max_words
    assert not any(q.in_brief for q in summarizer.summarize(seed_articles).quotes)


def test_trimming_never_cuts_into_a_quote(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    texts = {a.id: a.text for a in seed_articles}
    summary = summarizer.summarize(seed_articles, max_words=400)
    spans = {(q_s.doc_id, q_s.char_start, q_s.char_end) for q in summary.quotes for q_s in q.sources}
    for s in summary.sentences:
        for doc_id, start, end in spans:
            if doc_id == s.doc_id and s.char_start <= start and end <= s.char_end:
                kept = sum(min(b, end) - max(a, start) for a, b in s.spans if a < end and start < b)
                assert kept in (0, end - start), texts[doc_id][start:end]


def test_rewrite_must_keep_quotes_verbatim() -> None:
    sources = ["“We will not give up on peace,” Qin Gang said on Sunday."]
    assert check("Qin Gang said: “We will not give up on peace.”", sources, 0.1).passed
    verdict = check("Qin Gang said: “We will never give up on peace.”", sources, 0.1)
    assert "quotation not in the sources word for word" in [u.reason for u in verdict.unsupported]


@pytest.mark.parametrize(
    "text",
    [
        "",
        '"' * 200_000,
        "``" * 100_000 + "''" * 100_000,
        ('"a b c d," he said. ' * 20_000),
        "“" * 100_000 + "said " * 50_000,
        ("Mr. " * 50_000) + '"we will go on and on," said',
        "\n\n".join(['"unclosed quote runs on'] * 20_000),
    ],
)
def test_hostile_text_is_linear(text: str) -> None:
    started = time.monotonic()
    find(text)
    assert time.monotonic() - started < 60  # a hang guard, not a timing


def test_cli_quotes_option() -> None:
    result = newsbrief("summarize", str(SEEDS), "--quotes", "1", "--format", "json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert sum(q["in_brief"] for q in record["quotes"]) == 1
    assert newsbrief("summarize", str(SEEDS), "--quotes", "-1").returncode == 2


def test_negative_quotes_is_an_input_error(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    from service.errors import InputError

    with pytest.raises(InputError):
        summarizer.summarize(seed_articles, quotes=-1)
    assert Summarizer(Settings(quotes=1)).summarize(seed_articles).quotes[0].in_brief
