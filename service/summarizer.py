"""The extractive pipeline, top-down: clean → segment → represent → score → compress → select → order → result."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

import numpy as np

from service.cleaning import clean
from service.compression import Level, compress, cut_spans
from service.errors import DeadlineError, EmptyInputError, InputError, LimitExceededError
from service.ordering import order
from service.representation import Representer, TfidfRepresenter, Vectors
from service.rewriting import Rewriter, TransformersRewriter, apply
from service.schema import Article, Budget, ScoreParts, SelectedSentence, Sentence, Summary, unicode_text
from service.scoring import Scores, score, shortlist
from service.segmentation import split_sentences
from service.selection import Pick, select
from service.settings import Settings


class _Clock:
    """Times the stages; past the caller's `deadline` (time.monotonic()) no further stage starts."""

    def __init__(self, deadline: float | None) -> None:
        self.ms: dict[str, float] = {}
        self.deadline = deadline

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise DeadlineError(f"the deadline passed before the {name} stage")
        start = time.perf_counter()
        yield
        self.ms[name] = round((time.perf_counter() - start) * 1000, 3)


def _check_limits(articles: Sequence[Article], settings: Settings, field: str) -> None:
    if len(articles) > settings.max_articles:
        raise LimitExceededError(
            f"{len(articles)} {field} in one set; the limit is {settings.max_articles} (NEWSBRIEF_MAX_ARTICLES)",
            param=field,
        )
    seen: set[str] = set()
    for pos, article in enumerate(articles):
        if article.id in seen:
            raise InputError(f"article id {article.id!r} is used twice; ids must be unique", param=f"{field}[{pos}].id")
        seen.add(article.id)
        if len(article.text) > settings.max_article_chars:
            raise LimitExceededError(
                f"article {article.id!r} has {len(article.text):,} characters; the limit is "
                f"{settings.max_article_chars:,} (NEWSBRIEF_MAX_ARTICLE_CHARS)",
                param=f"{field}[{pos}].text",
            )


def validate(
    articles: Sequence[Article], settings: Settings, known: Sequence[Article] = (), query: str | None = None
) -> None:
    """Reject what cannot be summarised with a message that names the article and the limit."""
    if query:
        try:
            unicode_text(query)
        except ValueError as exc:
            raise InputError(f"the query {exc}", param="query") from None
    if not articles:
        raise EmptyInputError("the article set is empty: give at least one article", param="articles")
    _check_limits(articles, settings, "articles")
    _check_limits(known, settings, "known")
    if all(not a.text.strip() for a in articles):
        raise EmptyInputError("every article is empty or whitespace", param="articles")


def segment(article: Article, pos: int) -> list[Sentence]:
    """The readable sentences of one article, with offsets into its original text."""
    return [
        Sentence(article.id, pos, i, start, end, ((start, end),), text, len(text.split()))
        for i, (start, end) in enumerate(split_sentences(article.text, clean(article.text).spans))
        for text in [article.text[start:end]]
    ]


def _clip(text: str, words: int) -> str:
    """The first `words` words of `text`, as they are written there."""
    end = 0
    for count, token in enumerate(text.split(), start=1):
        end = text.index(token, end) + len(token)
        if count == words:
            break
    return text[:end]


_CONTENDERS_PER_WORD = 0.5  # ~2.5x the sentences a brief of ~20-word sentences holds


def contenders(total: np.ndarray, max_words: int) -> np.ndarray:
    """The best-scored sentences, a few times as many as the brief holds.

    Salience is judged on whole sentences (an attribution barely moves it); trimming only these
    keeps its cost independent of the set's size.
    """
    return np.argsort(-total, kind="stable")[: max(1, round(_CONTENDERS_PER_WORD * max_words))]


def trim(
    candidates: Sequence[Sentence], which: Iterable[int], articles: Sequence[Article], level: Level
) -> list[Sentence]:
    """`candidates` with the sentences at `which` trimmed (compression.py); trimming is idempotent."""
    out = list(candidates)
    for i in which:
        s = candidates[i]
        spans, wording = compress(articles[s.doc_pos].text, s.char_start, s.char_end, level)
        out[i] = Sentence(s.doc_id, s.doc_pos, s.index, s.char_start, s.char_end, spans, wording, len(wording.split()))
    return out


def make_representer(settings: Settings) -> Representer:
    if settings.representation == "minilm":
        from service.embedding import MiniLMRepresenter  # imports torch: only when asked for

        return MiniLMRepresenter(settings.embedding_model)
    return TfidfRepresenter()


def make_rewriter(settings: Settings) -> Rewriter | None:
    """The configured model (not loaded: torch is imported only on first use)."""
    if settings.rewrite_model is None:
        return None
    return TransformersRewriter(
        settings.rewrite_model,
        device=settings.rewrite_device,
        dtype=settings.rewrite_dtype,
        max_input_tokens=settings.rewrite_max_input_tokens,
        models_dir=settings.models_dir,
    )


RewriteMode = Literal["off", "auto", "on"]


class Summarizer:
    """Reusable and thread-safe: holds settings, a representer and an optional rewriter."""

    def __init__(
        self,
        settings: Settings | None = None,
        representer: Representer | None = None,
        rewriter: Rewriter | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.representer = representer or make_representer(self.settings)
        self.rewriter = rewriter if rewriter is not None else make_rewriter(self.settings)

    def summarize(
        self,
        articles: Sequence[Article],
        *,
        max_words: int | None = None,
        max_sentences: int | None = None,
        query: str | None = None,
        known: Sequence[Article] = (),
        rewrite: RewriteMode | None = None,
        deadline: float | None = None,
    ) -> Summary:
        """Brief `articles`; `known` are articles the reader has already seen (an update brief):
        what they report counts as already said, so the brief tells what is new. Past `deadline`
        (a time.monotonic() value) no further stage starts: DeadlineError."""
        settings = self.settings
        rewrite = settings.rewrite if rewrite is None else rewrite
        max_words = settings.max_words if max_words is None else max_words
        max_sentences = settings.max_sentences if max_sentences is None else max_sentences
        if max_words < 1 or (max_sentences is not None and max_sentences < 1):
            raise InputError("max_words and max_sentences must be at least 1", param="max_words")
        validate(articles, settings, known, query)
        clock = _Clock(deadline)
        notes: list[str] = []

        with clock.stage("clean_segment"):
            sentences: list[Sentence] = []
            counts: list[int] = []
            for pos, article in enumerate(articles):
                found = segment(article, pos)
                if not found and article.text.strip():
                    notes.append(f"article {article.id!r} has no readable sentence after boilerplate removal")
                counts.append(len(found))
                sentences.extend(found)
            old = [s.text for pos, article in enumerate(known) for s in segment(article, pos)]
        if not sentences:
            raise EmptyInputError("no readable sentence in any article: they are empty or only boilerplate")

        with clock.stage("represent"):
            vectors = self.representer.represent([s.text for s in sentences] + old, query or None)
            known_vectors = None
            if old:  # one space for new and known sentences, so their similarities compare
                known_vectors = vectors.sentences[len(sentences) :]
                vectors = Vectors(vectors.sentences[: len(sentences)], vectors.query)
        candidates = sentences
        if len(sentences) > settings.max_graph_sentences:
            keep = shortlist(vectors, sentences, settings.max_graph_sentences)
            notes.append(
                f"{len(sentences)} sentences: the {len(keep)} most central and leading ones were ranked "
                "(NEWSBRIEF_MAX_GRAPH_SENTENCES)"
            )
            candidates = [sentences[i] for i in keep]
            vectors = type(vectors)(vectors.sentences[keep], vectors.query)

        with clock.stage("score"):
            scores = score(candidates, vectors, len(articles), settings, known_vectors)
        with clock.stage("compress"):
            candidates = trim(candidates, contenders(scores.total, max_words), articles, settings.compression)
        with clock.stage("select"):
            picks = select(candidates, scores, settings, max_words, max_sentences)
            # a short sentence picked to fill the budget reads no better with a dangling "But"
            candidates = trim(candidates, (p.candidate for p in picks), articles, settings.compression)
        with clock.stage("order"):
            chosen = [candidates[p.candidate] for p in picks]
            ordered = [picks[i] for i in order(chosen, articles, counts)]
        selected = [self._selected(candidates, scores, pick, articles) for pick in ordered]
        if known and all(
            settings.known_redundancy * scores.known[p.candidate] >= settings.duplicate_similarity for p in picks
        ):
            notes.append("every sentence repeats the known articles: the brief has nothing new to tell")
        brief = " ".join(s.text + ("…" if s.clipped else "") for s in selected)
        outcome = None
        if rewrite != "off":
            with clock.stage("rewrite"):
                outcome = apply(
                    self.rewriter,
                    rewrite,
                    selected,
                    brief,
                    [article.text for article in articles],
                    max_words=max_words,
                    timeout_s=settings.rewrite_timeout_s,
                    policy=settings.faithfulness,
                    threshold=settings.faithfulness_similarity,
                )
        return Summary(
            brief=brief if outcome is None else outcome.brief,
            mode="abstractive" if outcome is not None and outcome.mode == "abstractive" else "extractive",
            fallback_reason=None if outcome is None else outcome.fallback_reason,
            rewrite=None if outcome is None else outcome.report,
            sentences=selected,
            budget=Budget(
                max_words=max_words,
                max_sentences=max_sentences,
                words=sum(len(s.text.split()) for s in selected),
                sentences=len(selected),
            ),
            articles=len(articles),
            articles_used=len({s.doc_id for s in selected}),
            candidates=len(sentences),
            notes=notes,
            timings_ms=clock.ms,
        )

    @staticmethod
    def _selected(
        candidates: Sequence[Sentence], scores: Scores, pick: Pick, articles: Sequence[Article]
    ) -> SelectedSentence:
        i = pick.candidate
        s = candidates[i]
        text = s.text if pick.clip_words is None else _clip(s.text, pick.clip_words)
        return SelectedSentence(
            doc_id=s.doc_id,
            index=s.index,
            char_start=s.char_start,
            char_end=s.char_end,
            spans=list(cut_spans(s.spans, len(text))),
            text=text,
            score=ScoreParts(
                total=round(float(scores.total[i]), 6),
                centrality=round(float(scores.centrality[i]), 6),
                support=round(float(scores.support[i]), 6),
                position=round(float(scores.position[i]), 6),
                length=round(float(scores.length[i]), 6),
                query=round(float(scores.query[i]), 6),
                terms=round(float(scores.terms[i]), 6),
                known=round(float(scores.known[i]), 6),
            ),
            support=[articles[d].id for d in scores.doc_support[i].nonzero()[0]],
            clipped=pick.clip_words is not None,
        )
