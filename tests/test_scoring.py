"""Query relevance: instruction words are not topic words, and feedback reaches the articles' wording.
The lead prior rewards the story's first sentences, not whatever opens a page."""

from __future__ import annotations

import numpy as np

from service import Article, Summarizer
from service.records import Sentence
from service.representation import TfidfRepresenter, query_terms
from service.scoring import lead_prior, query_relevance, story_share

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


# off-topic lines that open a page and that no furniture pattern knows: only the lead prior can
# tell them from the story's lead
OPENERS = [
    "Our newsroom is staffed from nine to five on weekdays, and readers may write to us at any time.",
    "This page works best in a recent version of any common web browser on a desktop computer.",
    "Members of our reader panel receive a printed almanac each winter as a small thank you.",
]
REPORTS = [
    "The city council approved the new river bridge on Tuesday by seven votes to two.\n"
    "The bridge will cost 40 million dollars and open in 2026, the mayor said.\n"
    "Critics said the council should have repaired the old bridge instead.",
    "Council members voted seven to two for the river bridge after a long debate.\n"
    "The mayor said the 40 million dollar bridge would ease traffic in the city centre.\n"
    "Work on the bridge will start in the spring.",
    "A new bridge over the river won the council's approval, seven votes to two.\n"
    "The mayor expects the bridge to open in 2026.\n"
    "Shop owners near the old bridge welcomed the vote.",
]


def test_the_lead_prior_passes_over_a_page_opener() -> None:
    texts = [OPENERS[0], *REPORTS[0].splitlines()]
    vectors = TfidfRepresenter().represent(texts, None)
    share = story_share((vectors.sentences @ vectors.sentences.T).toarray(), np.zeros(len(texts), dtype=int))
    sentences = [Sentence("a", 0, i, 0, 1, ((0, 1),), text, len(text.split()), "en") for i, text in enumerate(texts)]
    prior = lead_prior(sentences, share)
    assert share[0] == 0.0 and prior[0] == 0.0  # the opener shares no word with the story
    assert prior[1] == 1.0  # the story's first sentence is its lead
    assert list(prior[1:]) == sorted(prior[1:], reverse=True)


def test_page_openers_do_not_reach_the_brief(summarizer: Summarizer) -> None:
    articles = [
        Article(id=str(i), text=f"{opener}\n{report}")
        for i, (opener, report) in enumerate(zip(OPENERS, REPORTS, strict=True))
    ]
    summary = summarizer.summarize(articles, max_words=40)
    assert summary.sentences and not any(opener in summary.brief for opener in OPENERS)
    assert all(s.index > 0 for s in summary.sentences)


def test_an_article_that_resembles_only_itself_is_off_the_story() -> None:
    notice = [
        "Our crawler records every page as it is published, and every page it points to.",
        "The crawler keeps each recorded page so that a link to it can be followed years later.",
    ]
    texts = [line for report in REPORTS for line in report.splitlines()] + notice
    doc = np.array([i for i, report in enumerate(REPORTS) for _ in report.splitlines()] + [len(REPORTS)] * 2)
    vectors = TfidfRepresenter().represent(texts, None)
    similarity = (vectors.sentences @ vectors.sentences.T).toarray()
    assert list(story_share(similarity, doc)[-2:]) == [0.0, 0.0]  # nothing like the other articles
    assert min(story_share(similarity, np.zeros(len(texts), dtype=int))[-2:]) > 0  # though like each other
