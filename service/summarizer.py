"""The pipeline, top-down: clean → segment → represent → off-topic → score → trim → select → order → (rewrite) → result.

`Summarizer.summarize` conducts. Each stage is a function from the working record (`Work`) to
the next one, so data flows one way and every stage can be read and tested alone; the stage
modules themselves know nothing of `Work`.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from service.backends import Rewriter, make_rewriter
from service.cleaning import CleanArticle, clean_set, readable_sentences
from service.conflicts import find_conflicts
from service.errors import DeadlineError, EmptyInputError, InputError, LimitExceededError
from service.languages import DEFAULT, LANGUAGES, clip, count_words, detect, language, majority, normalise
from service.offtopic import outliers
from service.ordering import order
from service.quotes import gather
from service.records import Article, Sentence, unicode_text
from service.representation import Matrix, Representer, Vectors, make_representer
from service.result import (
    Budget,
    Conflict,
    ExcludedArticle,
    MentionRef,
    Quote,
    ScoreParts,
    SelectedSentence,
    Summary,
    quoted,
)
from service.salience import load_model
from service.scoring import Scores, score, shortlist, weights
from service.segmentation import split_sentences
from service.selection import Pick, contenders, select
from service.settings import OffTopicMode, RewriteMode, Settings
from service.trimming import cut_spans, trim

if TYPE_CHECKING:  # the rewrite and its faithfulness check are imported when a brief is rewritten
    from service.rewriting import Outcome


@dataclass(frozen=True, slots=True)
class Request:
    """What the caller asked for, with the defaults from Settings filled in."""

    max_words: int
    max_sentences: int | None
    query: str | None
    rewrite: RewriteMode
    lang: str | None  # the brief's language; None: the articles' majority
    off_topic: OffTopicMode
    quotes: int  # the best quotes added to the brief verbatim


@dataclass(frozen=True, slots=True)
class Work:
    """The working record: the set, and what each stage has added, in pipeline order."""

    articles: Sequence[Article]
    known: Sequence[Article]  # already read: compared against, never quoted
    request: Request
    lang: str = ""  # the brief's language, once segmentation has chosen it
    notes: tuple[str, ...] = ()
    excluded: tuple[ExcludedArticle, ...] = ()  # articles left out of the brief (off-topic)
    sentences: tuple[Sentence, ...] = ()  # the candidates; after trimming, their brief wording
    counts: tuple[int, ...] = ()  # readable sentences per article
    known_texts: tuple[str, ...] = ()
    vectors: Vectors | None = None
    known_vectors: Matrix | None = None
    scores: Scores | None = None
    picks: tuple[Pick, ...] = ()  # in brief order once ordered
    quotes: tuple[Quote, ...] = ()  # ranked
    conflicts: tuple[Conflict, ...] = ()

    @property
    def represented(self) -> Vectors:
        assert self.vectors is not None, "representation runs before this stage"
        return self.vectors

    @property
    def scored(self) -> Scores:
        assert self.scores is not None, "scoring runs before this stage"
        return self.scores


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
        raise EmptyInputError(
            "every article is empty or whitespace (a web page without article text reads as empty)", param="articles"
        )


def article_language(article: Article) -> str:
    """The article's `lang` when given, else its detected language (the default when undecided)."""
    return normalise(article.lang) if article.lang else detect(article.text) or DEFAULT


def segment(article: Article, pos: int, cleaned: CleanArticle, lang: str) -> list[Sentence]:
    """The readable sentences of one article, by the rules of `lang`, with offsets into its original
    text; a furniture sentence (a promo inside a paragraph) is left out as the segmenter bounds it."""
    text = article.text
    spans = readable_sentences(text, [list(split_sentences(text, [line], lang)) for line in cleaned.spans])
    return [
        Sentence(article.id, pos, i, start, end, ((start, end),), sentence, count_words(sentence), lang)
        for i, (start, end) in enumerate(spans)
        for sentence in [text[start:end]]
    ]


def segment_all(articles: Sequence[Article], langs: Sequence[str], lang: str) -> list[list[Sentence]]:
    """Clean the articles as one set (a line several of them repeat may be page furniture), then
    segment those in the brief's language `lang` (the others get no sentence)."""
    cleaned = clean_set([a.text for a in articles])
    return [
        segment(article, pos, spans, lang) if code == lang else []
        for pos, (article, spans, code) in enumerate(zip(articles, cleaned, langs, strict=True))
    ]


def segment_set(work: Work) -> Work:
    """Detect each article's language, clean + segment every article of the brief's language (the
    majority, unless the request names one) and the known ones; name the articles left out."""
    langs = [article_language(a) for a in work.articles]
    given = work.request.lang
    if given and normalise(given) not in LANGUAGES and normalise(given) not in langs:
        # no article can be in it: every one would be left out and the caller told "empty input"
        raise InputError(
            f"unknown language {given!r}: not one of the {len(LANGUAGES)} supported languages "
            f"({', '.join(sorted(LANGUAGES))}) nor the lang of any article",
            param="lang",
        )
    lang = majority((code for a, code in zip(work.articles, langs, strict=True) if a.text.strip()), work.request.lang)
    found = segment_all(work.articles, langs, lang)
    notes = tuple(
        f"article {a.id!r} is in language {code!r}, not the brief's {lang!r}: it is not quoted"
        if code != lang and a.text.strip()
        else f"article {a.id!r} has no readable sentence (empty, or only boilerplate): left out of the brief"
        for a, code, sentences in zip(work.articles, langs, found, strict=True)
        if not sentences
    )
    if not any(found):
        raise EmptyInputError(
            f"no readable sentence in any article in language {lang!r}: they are empty, only boilerplate "
            "or in other languages"
        )
    known_langs = [article_language(a) for a in work.known]
    known = tuple(s.text for sentences in segment_all(work.known, known_langs, lang) for s in sentences)
    return replace(
        work,
        lang=lang,
        notes=work.notes + notes,
        sentences=tuple(s for sentences in found for s in sentences),
        counts=tuple(len(sentences) for sentences in found),
        known_texts=known,
    )


def represent(work: Work, representer: Representer, max_graph_sentences: int) -> Work:
    """Vectors for the candidates and the known sentences, in one space so their similarities
    compare; above `max_graph_sentences` only a centroid shortlist stays a candidate."""
    n = len(work.sentences)
    texts = [s.text for s in work.sentences] + list(work.known_texts)
    vectors = representer.represent(texts, work.request.query, work.lang)
    known = vectors.sentences[n:] if work.known_texts else None
    vectors = Vectors(vectors.sentences[:n], vectors.query) if work.known_texts else vectors
    if n <= max_graph_sentences:
        return replace(work, vectors=vectors, known_vectors=known)
    keep = shortlist(vectors, work.sentences, max_graph_sentences)
    note = f"{n} sentences: the {len(keep)} most central and leading ones were ranked (NEWSBRIEF_MAX_GRAPH_SENTENCES)"
    return replace(
        work,
        notes=(*work.notes, note),
        sentences=tuple(work.sentences[i] for i in keep),
        vectors=Vectors(vectors.sentences[keep], vectors.query),
        known_vectors=known,
    )


def exclude_off_topic(work: Work, ratio: float) -> Work:
    """Leave out of the brief (or, under off_topic=keep, only name) the articles unlike the rest of the set."""
    found = outliers(work.represented.sentences, [s.doc_pos for s in work.sentences], ratio)
    if not found:
        return work
    keep = work.request.off_topic == "keep"
    notes = tuple(
        f"article {work.articles[o.doc_pos].id!r} looks off-topic: its best similarity to another article is "
        f"{o.similarity:.2f}, the set's typical {o.typical:.2f}; " + ("kept (off_topic=keep)" if keep else "excluded")
        for o in found
    )
    if keep:
        return replace(work, notes=work.notes + notes)
    dropped = {o.doc_pos for o in found}
    stay = [i for i, s in enumerate(work.sentences) if s.doc_pos not in dropped]
    return replace(
        work,
        notes=work.notes + notes,
        excluded=tuple(
            ExcludedArticle(id=work.articles[o.doc_pos].id, reason="off_topic", similarity=round(o.similarity, 6))
            for o in found
        ),
        sentences=tuple(work.sentences[i] for i in stay),
        vectors=Vectors(work.represented.sentences[stay], work.represented.query),
    )


def trim_sentences(work: Work, which: Iterable[int], settings: Settings) -> Work:
    """`work` with the candidates at `which` trimmed (trimming.py; only languages it has rules for);
    trimming is idempotent."""
    if not language(work.lang).trimming:
        return work
    sentences = list(work.sentences)
    for i in which:
        s = sentences[i]
        spans, wording, _ = trim(work.articles[s.doc_pos].text, s.char_start, s.char_end, settings.trimming)
        if spans != s.spans or wording != s.text:  # most sentences have nothing to cut: left as they are
            sentences[i] = replace(s, spans=spans, text=wording, words=count_words(wording))
    return replace(work, sentences=tuple(sentences))


def select_picks(work: Work, settings: Settings) -> Work:
    """Budgeted MMR over the candidates; a sentence picked only to fill the budget is trimmed
    too (it reads no better with a dangling "But")."""
    request = work.request
    picks = select(work.sentences, work.scored, settings, request.max_words, request.max_sentences)
    work = trim_sentences(work, (p.candidate for p in picks), settings)
    redundancy = settings.known_redundancy * work.scored.parts["known"]
    if work.known and all(redundancy[p.candidate] >= settings.duplicate_similarity for p in picks):
        note = "every sentence repeats the known articles: the brief has nothing new to tell"
        work = replace(work, notes=(*work.notes, note))
    return replace(work, picks=tuple(picks))


def order_picks(work: Work) -> Work:
    chosen = [work.sentences[p.candidate] for p in work.picks]
    return replace(work, picks=tuple(work.picks[i] for i in order(chosen, work.articles, work.counts)))


def selected(work: Work, pick: Pick) -> SelectedSentence:
    """A picked sentence with its provenance: offsets, spans, score parts and supporting articles."""
    i = pick.candidate
    s = work.sentences[i]
    text = s.text if pick.clip_words is None else clip(s.text, pick.clip_words)
    scores = work.scored
    parts = {"total": scores.total, **scores.parts}
    return SelectedSentence(
        doc_id=s.doc_id,
        index=s.index,
        char_start=s.char_start,
        char_end=s.char_end,
        spans=list(cut_spans(s.spans, len(text))),
        text=text,
        score=ScoreParts({name: round(float(values[i]), 6) for name, values in parts.items()}),
        support=[work.articles[d].id for d in scores.doc_support[i].nonzero()[0]],
        support_refs=_support_refs(work, i),
        clipped=pick.clip_words is not None,
        conflicts=[
            n
            for n, c in enumerate(work.conflicts)
            if any(r.doc_id == s.doc_id and r.sentence == s.index for v in c.values for r in v.refs)
        ],
    )


def _support_refs(work: Work, i: int) -> list[MentionRef]:
    """For each other article supporting candidate `i`, its sentence most similar to it: where the
    page shows the same fact in that article."""
    doc_of = np.array([s.doc_pos for s in work.sentences])
    row = work.scored.similarity[i]
    refs = []
    for d in work.scored.doc_support[i].nonzero()[0]:
        if d == work.sentences[i].doc_pos:
            continue
        of_doc = np.flatnonzero(doc_of == d)
        best = work.sentences[int(of_doc[np.argmax(row[of_doc])])]
        refs.append(
            MentionRef(doc_id=best.doc_id, sentence=best.index, char_start=best.char_start, char_end=best.char_end)
        )
    return refs


def score_set(work: Work, settings: Settings) -> Work:
    scores = score(work.sentences, work.represented, len(work.articles), settings, work.known_vectors)
    return replace(work, scores=scores)


def quote_set(work: Work) -> Work:
    """The set's direct quotes, ranked; salience is the best score of a candidate sentence holding one."""
    by_doc: dict[int, list[tuple[int, int, float]]] = {}
    for s, total in zip(work.sentences, work.scored.total, strict=True):
        by_doc.setdefault(s.doc_pos, []).append((s.char_start, s.char_end, float(total)))
    starts = {pos: [a for a, _, _ in spans] for pos, spans in by_doc.items()}

    def salience(pos: int, start: int, end: int) -> float:
        spans = by_doc.get(pos, [])
        first = max(0, bisect_right(starts.get(pos, []), start) - 1)
        holding = [t for a, b, t in spans[first : bisect_left(starts.get(pos, []), end)] if a < end and start < b]
        return max(holding, default=0.0)

    return replace(work, quotes=tuple(gather(work.articles, salience)))


def conflict_set(work: Work) -> Work:
    """Where the candidates' sources disagree on a number or a date (conflicts.py)."""
    found, notes = find_conflicts(work.articles, work.sentences, work.scored.similarity)
    return replace(work, conflicts=tuple(found), notes=(*work.notes, *notes))


def featured(quotes: Sequence[Quote], brief: str, count: int) -> list[Quote]:
    """`quotes` with the best `count` not already in the brief's sentences marked `in_brief`."""
    chosen: set[int] = set()
    for i, quote in enumerate(quotes):
        if len(chosen) == count:
            break
        if quote.text not in brief:
            chosen.add(i)
    return [q.model_copy(update={"in_brief": True}) if i in chosen else q for i, q in enumerate(quotes)]


def result(
    work: Work, sentences: list[SelectedSentence], outcome: Outcome | None, timings: dict[str, float]
) -> Summary:
    extractive = ("" if language(work.lang).spaceless else " ").join(s.wording for s in sentences)
    quotes = featured(work.quotes, extractive, work.request.quotes)
    added = "".join(f" {quoted(q)}" for q in quotes if q.in_brief)
    message = () if outcome is None or outcome.message is None else (f"extractive brief returned: {outcome.message}",)
    return Summary(
        brief=(extractive if outcome is None else outcome.brief) + added,
        mode="extractive" if outcome is None else outcome.mode,
        fallback_reason=None if outcome is None else outcome.reason,
        rewrite=None if outcome is None else outcome.report,
        sentences=sentences,
        budget=Budget(
            max_words=work.request.max_words,
            max_sentences=work.request.max_sentences,
            words=sum(count_words(s.text) for s in sentences),
            sentences=len(sentences),
        ),
        articles=len(work.articles),
        articles_used=len({s.doc_id for s in sentences}),
        candidates=sum(work.counts),
        notes=[*work.notes, *message],
        excluded=list(work.excluded),
        quotes=quotes,
        conflicts=list(work.conflicts),
        timings_ms=timings,
    )


class Summarizer:
    """Reusable and thread-safe: holds settings, a representer and an optional rewriter."""

    def __init__(
        self,
        settings: Settings | None = None,
        representer: Representer | None = None,
        rewriter: Rewriter | None = None,
    ) -> None:
        self.settings = settings or Settings()
        weights(self.settings)  # an unknown score part in NEWSBRIEF_WEIGHTS fails here, not per request
        load_model(self.settings.salience_model)  # so does a missing or broken NEWSBRIEF_SALIENCE_MODEL
        self.representer = representer or make_representer(self.settings)
        self.rewriter = rewriter if rewriter is not None else make_rewriter(self.settings)
        s = self.settings
        # the pipeline in order; public so benchmarks/stages.py can time each stage
        self.stages: tuple[tuple[str, Callable[[Work], Work]], ...] = (
            ("clean_segment", segment_set),
            ("represent", lambda w: represent(w, self.representer, s.max_graph_sentences)),
            ("off_topic", lambda w: exclude_off_topic(w, s.off_topic_ratio)),
            ("score", lambda w: score_set(w, s)),
            ("quotes", quote_set),
            ("conflicts", conflict_set),
            ("trim", lambda w: trim_sentences(w, contenders(w.scored.total, w.request.max_words, s.selection), s)),
            ("select", lambda w: select_picks(w, s)),
            ("order", order_picks),
        )

    def summarize(
        self,
        articles: Sequence[Article],
        *,
        max_words: int | None = None,
        max_sentences: int | None = None,
        query: str | None = None,
        known: Sequence[Article] = (),
        rewrite: RewriteMode | None = None,
        off_topic: OffTopicMode | None = None,
        deadline: float | None = None,
        lang: str | None = None,
        quotes: int | None = None,
    ) -> Summary:
        """Brief `articles`; `known` are articles the reader has already seen (an update brief):
        what they report counts as already said, so the brief tells what is new; the best `quotes`
        direct quotes follow the brief verbatim (never rewritten). Past `deadline` (a
        time.monotonic() value) no further stage starts: DeadlineError. `lang` (ISO 639-1) is the
        brief's language; by default the language most of the articles are in."""
        work = Work(articles, known, self._request(max_words, max_sentences, query, rewrite, lang, off_topic, quotes))
        validate(articles, self.settings, known, query)
        clock = _Clock(deadline)
        for name, stage in self.stages:
            with clock.stage(name):
                work = stage(work)
        sentences = [selected(work, pick) for pick in work.picks]
        outcome = None
        if work.request.rewrite != "off":
            with clock.stage("rewrite"):
                outcome = self._rewrite(work, sentences, deadline)
        return result(work, sentences, outcome, clock.ms)

    def _request(
        self,
        max_words: int | None,
        max_sentences: int | None,
        query: str | None,
        rewrite: RewriteMode | None,
        lang: str | None,
        off_topic: OffTopicMode | None,
        quotes: int | None,
    ) -> Request:
        s = self.settings
        request = Request(
            max_words=s.max_words if max_words is None else max_words,
            max_sentences=s.max_sentences if max_sentences is None else max_sentences,
            query=query or None,
            rewrite=s.rewrite if rewrite is None else rewrite,
            lang=lang or s.lang,
            off_topic=s.off_topic if off_topic is None else off_topic,
            quotes=s.quotes if quotes is None else quotes,
        )
        if request.quotes < 0:
            raise InputError("quotes must be 0 or more", param="quotes")
        if request.max_words < 1 or (request.max_sentences is not None and request.max_sentences < 1):
            raise InputError("max_words and max_sentences must be at least 1", param="max_words")
        return request

    def _rewrite(self, work: Work, sentences: list[SelectedSentence], deadline: float | None) -> Outcome:
        from service.rewriting import apply

        s = self.settings
        return apply(
            self.rewriter,
            work.request.rewrite,
            sentences,
            " ".join(x.wording for x in sentences),
            [article.text for article in work.articles],
            max_words=work.request.max_words,
            timeout_s=s.rewrite_timeout_s,
            policy=s.faithfulness,
            threshold=s.faithfulness_similarity,
            deadline=deadline,
        )
