"""Whatever the text, the pipeline raises only NewsbriefError, respects the budget and keeps offsets."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import Article, NewsbriefError, Summarizer
from tests.provenance import assert_traceable

words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12)
sentence = st.lists(words, min_size=1, max_size=25).map(" ".join)
punctuation = st.sampled_from([".", "!", "?", "", '."', "…", " —"])


texts = st.lists(st.tuples(sentence, punctuation).map("".join), min_size=0, max_size=12).map("\n".join)
article_sets = st.lists(texts, min_size=1, max_size=5).map(
    lambda items: [Article(id=str(i), text=t) for i, t in enumerate(items)]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles=article_sets, max_words=st.integers(1, 120), max_sentences=st.none() | st.integers(1, 6))
def test_never_crashes_budget_holds_offsets_valid(
    summarizer: Summarizer, articles: list[Article], max_words: int, max_sentences: int | None
) -> None:
    try:
        summary = summarizer.summarize(articles, max_words=max_words, max_sentences=max_sentences)
    except NewsbriefError as exc:
        assert exc.message
        return
    assert summary.brief.strip()
    assert summary.budget.words <= max_words
    assert max_sentences is None or len(summary.sentences) <= max_sentences
    texts = {a.id: a.text for a in articles}
    for s in summary.sentences:
        assert_traceable(s, texts[s.doc_id])
