"""Liveness, readiness, service info and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from service import __version__
from service.api.bodies import Health, Info, LanguageInfo, Languages, Ranker, Ready, RewriteStatus, ScorePart
from service.api.deps import AppState, State
from service.languages import DEFAULT, LANGUAGES
from service.scoring import PARTS, weights
from service.settings import MAX_WORDS_LIMIT

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=Health)
async def health() -> Health:  # async: answered on the event loop, never waits for a thread
    """Cheap liveness: the process answers."""
    return Health(status="ok")


@router.get("/ready", response_model=Ready, responses={503: {"model": Ready}})
async def ready(state: State) -> Response:
    """Ready once warm-up is done; 503 before that and while draining for shutdown. A rewrite
    model that could not load under rewrite=auto does not make it unready: /info says why."""
    if state.draining:
        return JSONResponse(Ready(ready=False, reason="draining").model_dump(), status_code=503)
    if not state.ready:
        return JSONResponse(Ready(ready=False, reason="warming up").model_dump(), status_code=503)
    return JSONResponse(Ready(ready=True).model_dump())


@router.get("/info", response_model=Info)
async def info(state: State) -> Info:
    s = state.settings
    rewriter = state.summarizer.rewriter
    model = rewriter.name if rewriter is not None else None
    return Info(
        name="newsbrief",
        version=__version__,
        ranker=Ranker(
            representation=state.summarizer.representer.name,
            parts={
                p.name: ScorePart(role=p.role, weight=weights(s).get(p.name, 0.0), description=p.description)
                for p in PARTS
            },
            selection=f"budgeted MMR (lambda {s.mmr_lambda})",
            trimming=s.trimming,
        ),
        languages=Languages(
            detection="pycld2 (CLD2), on an article's first characters, unless the article gives `lang`",
            default=DEFAULT,
            supported={
                code: LanguageInfo(
                    name=lang.name,
                    stemmer=lang.stemmer or None,
                    sentences="nupunkt-rs Punkt" if lang.rules == "punkt" else f"pySBD rules '{lang.rules}'",
                    trimming=lang.trimming,
                )
                for code, lang in LANGUAGES.items()
            },
        ),
        model=model,
        rewrite=RewriteStatus(
            mode=s.rewrite,
            model=model,
            loaded=rewriter is not None and rewriter.loaded,
            reason=None if rewriter is not None and rewriter.loaded else _rewrite_reason(state),
        ),
        limits={
            "max_body_bytes": s.max_body_bytes,
            "max_articles": s.max_articles,
            "max_article_chars": s.max_article_chars,
            "max_words": MAX_WORDS_LIMIT,
            "max_batch_sets": s.max_batch_sets,
            "max_in_flight": s.max_in_flight,
            "max_in_flight_bytes": s.max_in_flight_bytes,
            "request_timeout_s": s.request_timeout_s,
            "body_timeout_s": s.body_timeout_s,
        },
    )


def _rewrite_reason(state: AppState) -> str:
    if state.summarizer.rewriter is None:
        return "no model is configured (NEWSBRIEF_REWRITE_MODEL)"
    return state.rewrite_error or "not loaded yet: it loads on the first request that asks for rewrite=on"


@router.get("/metrics", include_in_schema=False)
def metrics(state: State) -> Response:
    return Response(state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
