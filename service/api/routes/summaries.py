"""POST /v1/summaries and /v1/summaries:batch.

The API key, draining, content type and the in-flight slot are decided before the body is read
(service/api/intake.py); these routes parse, then summarise in a worker thread under a deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from service.api.bodies import (
    ArticleIn,
    BatchItem,
    BatchRequest,
    BatchResponse,
    ErrorBody,
    ErrorResponse,
    SummaryRequest,
    SummaryResponse,
)
from service.api.deps import AppState, State
from service.api.envelope import ApiError, request_param, status_of
from service.api.gate import Ticket
from service.api.intake import TICKET
from service.api.jsonbody import StrictJsonRoute
from service.errors import DeadlineError, NewsbriefError
from service.page import content_security_policy, document
from service.reading import articles_from_items
from service.records import Article
from service.result import Summary

T = TypeVar("T")

router = APIRouter(prefix="/v1", tags=["summaries"], route_class=StrictJsonRoute)

ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 408, 413, 415, 422, 429, 503, 504)
}


def to_articles(given: list[ArticleIn], field: str) -> list[Article]:
    """Through the readers every entry point shares: default ids, HTML cleaning, unique ids."""
    return articles_from_items([a.model_dump(exclude_none=True) for a in given], field)


def _summarize(state: AppState, request: SummaryRequest, deadline: float) -> tuple[Summary, list[Article]]:
    """The whole job for one set; runs in a worker thread. Past `deadline` no further stage starts."""
    articles = to_articles(request.articles, "articles")
    options = request.options
    summary = state.summarizer.summarize(
        articles,
        max_words=options.max_words,
        max_sentences=options.max_sentences,
        query=options.query,
        known=to_articles(request.known_articles, "known_articles"),
        rewrite=options.rewrite,
        off_topic=options.off_topic,
        deadline=deadline,
        lang=options.lang,
        quotes=options.quotes,
    )
    state.metrics.observe(summary, sum(len(a.text) for a in articles))
    if summary.fallback_reason is not None:
        state.metrics.fallbacks.labels(summary.fallback_reason).inc()
    return summary, articles


def summarize_response(summary: Summary, summary_id: str) -> SummaryResponse:
    return SummaryResponse(
        id=summary_id,
        brief=summary.brief,
        mode=summary.mode,
        sentences=summary.sentences,
        budget=summary.budget,
        notes=summary.notes,
        excluded=summary.excluded,
        quotes=summary.quotes,
        conflicts=summary.conflicts,
        fallback_reason=summary.fallback_reason,
        model=summary.rewrite.model if summary.rewrite else None,
        rewrite=summary.rewrite,
        timings=summary.timings_ms,
    )


def summarize_set(state: AppState, request: SummaryRequest, summary_id: str, deadline: float) -> SummaryResponse:
    return summarize_response(_summarize(state, request, deadline)[0], summary_id)


async def _in_worker(state: AppState, request: Request, work: Callable[[float], T]) -> T:
    """Run `work(deadline)` off the event loop on the slot the intake took; 504 past the deadline."""
    ticket: Ticket = request.scope["state"][TICKET]
    timeout = state.settings.request_timeout_s
    deadline = time.monotonic() + timeout
    try:
        return await state.gate.run(ticket, lambda: work(deadline), timeout)
    except (TimeoutError, DeadlineError):
        state.metrics.rejections.labels("timeout").inc()
        raise ApiError(
            504, "timeout", f"summarising took longer than {timeout:g} s (NEWSBRIEF_REQUEST_TIMEOUT_S)"
        ) from None


def _request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", "request"))


PAGE: dict[int | str, dict[str, object]] = {
    200: {
        "description": "the brief; as the page of `summarize --format html` for `Accept: text/html`",
        "content": {"text/html": {"schema": {"type": "string"}}},
    }
}


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "").lower()


@router.post("/summaries", response_model=SummaryResponse, responses={**ERRORS, **PAGE})
async def create_summary(body: SummaryRequest, request: Request, state: State) -> SummaryResponse | HTMLResponse:
    """Summarise one article set into one brief with provenance."""
    summary, articles = await _in_worker(state, request, lambda deadline: _summarize(state, body, deadline))
    request.scope["state"]["log"] = {
        "articles": len(body.articles),
        "mode": summary.mode,
        "words": summary.budget.words,
    }
    if _wants_html(request):
        return HTMLResponse(document(summary, articles), headers={"Content-Security-Policy": content_security_policy()})
    return summarize_response(summary, _request_id(request))


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

    def work(deadline: float) -> list[BatchItem]:
        items = []
        for i, one in enumerate(body.sets):
            try:
                items.append(BatchItem(result=summarize_set(state, one, f"{base}-{i}", deadline), status=200))
            except DeadlineError:
                raise  # the whole request is a 504: no later set starts
            except NewsbriefError as exc:
                error = ErrorBody(type=exc.kind, message=exc.message, param=request_param(exc.param, f"sets[{i}]."))
                items.append(BatchItem(error=error, status=status_of(exc)))
        return items

    return BatchResponse(results=await _in_worker(state, request, work))


# what the intake admits (API key, gate slot) before the body is read
PATHS = frozenset(route.path for route in router.routes if isinstance(route, APIRoute))
