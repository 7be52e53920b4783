"""Languages: detection, per-language segmentation, terms and budgets, mixed sets, hostile input.

tests/data/languages.json holds hand-written news-like articles (fictional events), one set per
script family. tests/data/pysbd_golden.jsonl is pySBD's golden rules (MIT, nipunsadvilkar/pySBD
@ 5905f13b, tests/lang/test_*.py; see tests/data/README.md).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import anyio
import pytest

from service import Article, Settings, Summarizer
from service.api import create_app
from service.cleaning import paragraphs
from service.errors import EmptyInputError, InputError
from service.languages import LANGUAGES, clip, count_words, detect, majority, normalise, stopwords, terms
from service.segmentation import split_sentences
from tests.provenance import assert_traceable
from tests.serving import client_for

DATA = Path(__file__).resolve().parent / "data"
SETS: dict[str, list[str]] = {
    lang: texts
    for lang, texts in json.loads((DATA / "languages.json").read_text(encoding="utf-8")).items()
    if not lang.startswith("_")
}
GOLDEN = [json.loads(line) for line in (DATA / "pysbd_golden.jsonl").read_text(encoding="utf-8").splitlines()]
# the target of issue 15: every language with rules segments this share of its golden cases right
GOLDEN_TARGET = 0.95


def articles(lang: str, given: bool = False) -> list[Article]:
    return [Article(id=f"{lang}{i}", text=t, lang=lang if given else None) for i, t in enumerate(SETS[lang])]


def test_the_table_covers_the_languages_the_issue_names() -> None:
    named = "en de fr es pt it nl pl ru uk tr ar he hi id zh ja ko".split()
    assert set(named) <= set(LANGUAGES)
    assert len(LANGUAGES) >= 20


@pytest.mark.parametrize("lang", sorted(SETS))
def test_each_script_family_is_detected(lang: str) -> None:
    assert {detect(text) for text in SETS[lang]} == {lang}


@pytest.mark.parametrize("lang", sorted(SETS))
def test_each_script_family_gets_a_traceable_brief_in_its_language(summarizer: Summarizer, lang: str) -> None:
    arts = articles(lang)
    summary = summarizer.summarize(arts, max_words=40)
    assert summary.sentences and not summary.notes
    assert summary.budget.words == count_words(" ".join(s.text for s in summary.sentences)) <= 40
    by_id = {a.id: a.text for a in arts}
    for s in summary.sentences:
        assert_traceable(s, by_id[s.doc_id])
        assert detect(s.text) in (lang, None)  # a short sentence may be too short to tell
    assert summary.brief == ("" if LANGUAGES[lang].spaceless else " ").join(s.text for s in summary.sentences)


def test_a_fact_several_sources_report_is_supported_by_them(summarizer: Summarizer) -> None:
    summary = summarizer.summarize(articles("de"), max_words=60)
    assert max(len(s.support) for s in summary.sentences) >= 2


def test_the_brief_follows_the_majority_and_names_the_articles_left_out(summarizer: Summarizer) -> None:
    arts = [*articles("de")[:2], *articles("fr")[:1]]
    summary = summarizer.summarize(arts, max_words=60)
    assert {s.doc_id for s in summary.sentences} <= {"de0", "de1"}
    assert summary.notes == ["article 'fr0' is in language 'fr', not the brief's 'de': it is not quoted"]


def test_a_lang_option_chooses_the_brief_language(summarizer: Summarizer) -> None:
    arts = [*articles("de")[:2], *articles("fr")[:1]]
    assert {s.doc_id for s in summarizer.summarize(arts, lang="fr").sentences} == {"fr0"}
    chosen = Summarizer(Settings(lang="fr")).summarize(arts)
    assert {s.doc_id for s in chosen.sentences} == {"fr0"}


def test_a_given_lang_is_trusted_over_detection(summarizer: Summarizer) -> None:
    arts = [Article(id="x", text=SETS["de"][0], lang="nl")]
    summary = summarizer.summarize(arts, lang="NL")
    assert summary.sentences and not summary.notes


def test_no_article_in_the_asked_language_is_a_clean_error(summarizer: Summarizer) -> None:
    with pytest.raises(EmptyInputError, match="'ja'"):
        summarizer.summarize(articles("de"), lang="ja")


def test_trimming_stays_english_only(summarizer: Summarizer) -> None:
    arts = articles("fr")
    summary = summarizer.summarize(arts, max_words=80)
    assert all([tuple(span) for span in s.spans] == [(s.char_start, s.char_end)] for s in summary.sentences)


def test_read_also_lines_and_datelines_are_not_content(summarizer: Summarizer) -> None:
    found = [summarizer.summarize([a], max_words=500) for a in (articles("de")[0], articles("fr")[0])]
    texts = " ".join(s.text for summary in found for s in summary.sentences)
    assert "Lesen Sie auch" not in texts and "Lire aussi" not in texts


def test_chinese_budget_counts_characters_and_clips_at_one() -> None:
    sentence = "国务院周二宣布一项总额五千亿元的基础设施投资计划。"
    assert count_words(sentence) == len(sentence) - 1  # the full stop is not a word
    assert count_words("GDP增长5%，") == 4  # "GDP", 增, 长, "5%"
    assert clip(sentence, 5) == sentence[:5]
    summary = Summarizer(Settings()).summarize(articles("zh"), max_words=12)
    assert summary.budget.words <= 12 and summary.sentences[0].clipped


def test_words_count_as_before_in_spaced_scripts() -> None:
    text = "The minister, who arrived on Monday, said \u201cno\u201d \u2014 twice."
    assert count_words(text) == len(text.split())
    assert clip(text, 3) == "The minister, who"


def test_terms_are_stemmed_per_language_and_bigrams_for_chinese() -> None:
    assert terms("Klimapakete", "de") == terms("Klimapaket", "de")
    assert terms("l'hôpital des hôpitaux", "fr") == terms("hôpital hôpitaux", "fr")
    assert "und" not in terms("Bahn und Windkraft", "de")
    assert terms("投资计划", "zh") == ("投资", "资计", "计划")
    assert terms("Правительство утвердило", "ru") == terms("правительства утвердил", "ru")


def test_stop_words_load_for_languages_that_have_them() -> None:
    assert "und" in stopwords("de") and "the" in stopwords("en") and "的" in stopwords("zh")
    assert stopwords("xx") == frozenset()


def test_codes_are_normalised() -> None:
    assert [normalise(c) for c in ("pt-BR", "zh-Hant", "iw", "EN", "nb")] == ["pt", "zh", "he", "en", "no"]
    assert majority(["de", "fr", "fr", "de"]) == "de"  # a tie: the language met first
    assert majority([]) == "en" and majority(["de"], "FR") == "fr"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "12345 678", "\x00\x01\x7f abc \x9f", "🙂" * 50, "a" * 100_000, "\ufeff" + "Ла" * 10],
)
def test_detection_never_fails(text: str) -> None:
    found = detect(text)
    assert found is None or found.isalpha()


def _golden_score() -> dict[str, tuple[int, int]]:
    """Per language: golden cases whose sentences (whitespace collapsed) are split exactly so, of all,
    each text split as the summarizer splits an article: its paragraphs (cleaning joins hard-wrapped
    lines), then their sentences."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for case in GOLDEN:
        if case.get("upstream_xfail"):
            continue
        text = case["text"]
        found = [" ".join(text[a:b].split()) for a, b in split_sentences(text, paragraphs(text), case["lang"])]
        right[case["lang"]] += found == [" ".join(s.split()) for s in case["sentences"]]
        total[case["lang"]] += 1
    return {lang: (right[lang], total[lang]) for lang in total}


def test_golden_segmentation_meets_the_target_in_every_language_with_enough_cases() -> None:
    scores = _golden_score()
    assert set(scores) <= set(LANGUAGES)
    assert {lang: f"{r}/{n}" for lang, (r, n) in scores.items() if r / n < GOLDEN_TARGET} == {}
    # what each language with 20+ cases still misses: English "N°. 1026.253.553." and ". . . I didn't";
    # Danish sentences without a space after the period; German a "z. B." the gold re-spaced; Spanish
    # a line of underscores the gold counts as a sentence
    assert {lang: n - r for lang, (r, n) in scores.items() if r < n} == {"en": 2, "da": 1, "de": 1, "es": 1}


@pytest.mark.parametrize("lang", ["de", "ru", "zh", "ar"])
def test_a_long_article_is_split_in_pieces_that_lose_nothing(lang: str) -> None:
    text = "\n".join(SETS[lang] * 40)
    spans = list(split_sentences(text, [(0, len(text))], lang))
    assert spans == sorted(spans) and all(a < b for a, b in spans)
    covered = "".join(text[a:b] for a, b in spans)
    assert "".join(covered.split()) == "".join(text.split())


@pytest.mark.parametrize(
    ("lang", "unit"),
    [("de", "Nr. "), ("de", "ABC. "), ("zh", "。"), ("ar", "؟ "), ("ru", "т. б. "), ("de", "(" * 50 + "a.")],
)
def test_adversarially_repetitive_input_is_segmented_without_loss(lang: str, unit: str) -> None:
    text = unit * (200_000 // len(unit))
    spans = list(split_sentences(text, [(0, len(text))], lang))  # hang guard: pytest-timeout is not needed here
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert spans == sorted(spans)


def test_the_api_takes_lang_per_article_and_per_request_and_info_lists_languages() -> None:
    async def run() -> None:
        async for client in client_for(create_app(Settings())):
            info = (await client.get("/info")).json()["languages"]
            assert info["supported"]["de"]["stemmer"] == "german"
            assert [code for code, lang in info["supported"].items() if lang["trimming"]] == ["en"]
            mixed = [{"text": t, "lang": "de"} for t in SETS["de"][:2]] + [{"id": "f", "text": SETS["fr"][0]}]
            body = {"articles": mixed, "options": {"lang": "fr", "max_words": 30}}
            answer = (await client.post("/v1/summaries", json=body)).json()
            assert {s["doc_id"] for s in answer["sentences"]} == {"f"}
            bad = await client.post("/v1/summaries", json={"articles": [{"text": "Hallo Welt.", "lang": "d e"}]})
            assert bad.status_code == 422 and bad.json()["error"]["param"] == "articles[0].lang"

    anyio.run(run)


def test_a_language_outside_the_table_is_a_param_error_unless_an_article_is_in_it(summarizer: Summarizer) -> None:
    text = "Baraza la mji lilikutana Jumatatu. Lilipitisha bajeti mpya ya shule."
    with pytest.raises(InputError) as raised:
        summarizer.summarize([Article(id="a", text=text)], lang="xx")
    assert raised.value.param == "lang" and not isinstance(raised.value, EmptyInputError)
    assert "unknown language 'xx'" in raised.value.message
    summary = summarizer.summarize([Article(id="a", text=text, lang="sw")], lang="sw")  # the article says it is
    assert summary.sentences
