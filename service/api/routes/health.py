"""Liveness, readiness, service info and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service import __version__
from service.api.deps import State
from service.api.schemas import Health, Info, Ready
from service.settings import MAX_WORDS_LIMIT

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=Health)
def health() -> Health:
    """Cheap liveness: the process answers."""
    return Health(status="ok")


@router.get("/ready", response_model=Ready, responses={503: {"model": Ready}})
def ready(state: State) -> Response:
    """Ready once warm-up is done; 503 before that and while draining for shutdown."""
    if state.draining:
        return JSONResponse(Ready(ready=False, reason="draining").model_dump(), status_code=503)
    if not state.ready:
        reason = state.warmup_error or "warming up"
        return JSONResponse(Ready(ready=False, reason=reason).model_dump(), status_code=503)
    return JSONResponse(Ready(ready=True).model_dump())


@router.get("/info", response_model=Info)
def info(state: State) -> Info:
    s = state.settings
    return Info(
        name="newsbrief",
        version=__version__,
        ranker=f"lexrank+support+position+mmr/{state.summarizer.representer.name}",
        model=state.summarizer.rewriter.name if state.summarizer.rewriter is not None else None,
        limits={
            "max_body_bytes": s.max_body_bytes,
            "max_articles": s.max_articles,
            "max_article_chars": s.max_article_chars,
            "max_words": MAX_WORDS_LIMIT,
            "max_batch_sets": s.max_batch_sets,
            "max_in_flight": s.max_in_flight,
            "request_timeout_s": s.request_timeout_s,
        },
    )


@router.get("/metrics", include_in_schema=False)
def metrics(state: State) -> Response:
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
