"""POST /v1/summaries and /v1/summaries:batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Depends, Request

from service.api.deps import AppState, State, require_api_key
from service.api.errors import ApiError, status_of
from service.api.schemas import (
    ArticleIn,
    BatchItem,
    BatchRequest,
    BatchResponse,
    ErrorBody,
    ErrorResponse,
    SummaryRequest,
    SummaryResponse,
)
from service.errors import NewsbriefError
from service.records import Article

T = TypeVar("T")

router = APIRouter(prefix="/v1", tags=["summaries"], dependencies=[Depends(require_api_key)])

ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 413, 422, 429, 503, 504)
}


def _articles(given: list[ArticleIn]) -> list[Article]:
    return [
        Article(id=a.id if a.id is not None else str(pos), **a.model_dump(exclude={"id"}))
        for pos, a in enumerate(given)
    ]


def summarize_set(state: AppState, request: SummaryRequest, summary_id: str) -> SummaryResponse:
    """The whole job for one set; runs in a worker thread."""
    articles = _articles(request.articles)
    options = request.options
    summary = state.summarizer.summarize(
        articles,
        max_words=options.max_words,
        max_sentences=options.max_sentences,
        query=options.query,
        known=_articles(request.known_articles),
        rewrite=options.rewrite,
    )
    state.metrics.observe(summary, sum(len(a.text) for a in articles))
    if summary.fallback_reason is not None:
        state.metrics.fallbacks.labels(summary.fallback_reason).inc()
    return SummaryResponse(
        id=summary_id,
        brief=summary.brief,
        mode=summary.mode,
        sentences=summary.sentences,
        budget=summary.budget,
        notes=summary.notes,
        fallback_reason=summary.fallback_reason,
        model=summary.rewrite.model if summary.rewrite else None,
        rewrite=summary.rewrite,
        timings=summary.timings_ms,
    )


async def _in_worker(state: AppState, work: Callable[[], T]) -> T:
    """Admit (or refuse with 503/429), then run off the event loop within the deadline (504)."""
    if state.draining:
        state.metrics.rejections.labels("draining").inc()
        raise ApiError(503, "unavailable", "the server is shutting down; retry on another instance", retry_after=1)
    if not state.gate.try_enter():
        state.metrics.rejections.labels("overloaded").inc()
        raise ApiError(429, "overloaded", "too many requests in flight; retry shortly", retry_after=1)
    try:
        return await state.gate.run(work, state.settings.request_timeout_s)
    except TimeoutError:
        state.metrics.rejections.labels("timeout").inc()
        raise ApiError(
            504,
            "timeout",
            f"summarising took longer than {state.settings.request_timeout_s} s (NEWSBRIEF_REQUEST_TIMEOUT_S)",
        ) from None


def _request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", "request"))


@router.post("/summaries", response_model=SummaryResponse, responses=ERRORS)
async def create_summary(body: SummaryRequest, request: Request, state: State) -> SummaryResponse:
    """Summarise one article set into one brief with provenance."""
    response = await _in_worker(state, lambda: summarize_set(state, body, _request_id(request)))
    request.scope["state"]["log"] = {
        "articles": len(body.articles),
        "mode": response.mode,
        "words": response.budget.words,
    }
    return response


@router.post("/summaries:batch", response_model=BatchResponse, responses=ERRORS)
async def create_summaries(body: BatchRequest, request: Request, state: State) -> BatchResponse:
    """Summarise several sets; each succeeds or fails on its own, results in request order."""
    limit = state.settings.max_batch_sets
    if len(body.sets) > limit:
        state.metrics.rejections.labels("batch_too_large").inc()
        raise ApiError(
            413,
            "limit_exceeded",
            f"{len(body.sets)} sets; the limit is {limit} (NEWSBRIEF_MAX_BATCH_SETS)",
            param="sets",
        )
    base = _request_id(request)

    def work() -> list[BatchItem]:
        items = []
        for i, one in enumerate(body.sets):
            try:
                items.append(BatchItem(result=summarize_set(state, one, f"{base}-{i}"), status=200))
            except NewsbriefError as exc:
                items.append(
                    BatchItem(
                        error=ErrorBody(type=exc.kind, message=exc.message, param=exc.param), status=status_of(exc)
                    )
                )
        return items

    return BatchResponse(results=await _in_worker(state, work))
