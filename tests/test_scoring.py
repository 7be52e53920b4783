"""Query relevance: instruction words are not topic words, and feedback reaches the articles' wording."""

from __future__ import annotations

import numpy as np

from service import Article, Summarizer
from service.representation import TfidfRepresenter, query_terms
from service.scoring import query_relevance

SENTENCES = [
    "The central bank raised interest rates by half a point.",
    "Interest rates rose as the bank fought inflation.",
    "Mortgage costs climbed and inflation fears eased among investors.",
    "The football season opened with a surprise win.",
]


def test_instruction_words_are_not_query_terms() -> None:
    assert query_terms("Describe the rate rise. Include information regarding reactions.") == (
        "rate",
        "rise",
        "reaction",
    )


def test_instruction_words_do_not_change_the_brief(summarizer: Summarizer, seed_articles: list[Article]) -> None:
    bare = summarizer.summarize(seed_articles, max_words=60, query="Xi Jinping meeting")
    worded = summarizer.summarize(
        seed_articles, max_words=60, query="Describe the Xi Jinping meeting. Include details."
    )
    assert bare.brief == worded.brief


def test_feedback_reaches_sentences_that_share_no_query_word() -> None:
    vectors = TfidfRepresenter().represent(SENTENCES, "interest rates")
    assert vectors.query is not None
    cosines = (vectors.sentences @ vectors.query.T).toarray().ravel()
    similarity = (vectors.sentences @ vectors.sentences.T).toarray()
    direct = query_relevance(cosines, similarity, feedback=0.0)
    expanded = query_relevance(cosines, similarity, feedback=0.5)
    assert direct[2] == 0  # no word of the query ...
    assert expanded[2] > expanded[3] == 0  # ... but the words of its best matches
    assert np.argmax(expanded) == np.argmax(direct)
    assert expanded.max() == 1.0
