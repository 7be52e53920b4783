"""The app factory: wiring only; behaviour lives in the routes, the intake, middleware and the pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
import structlog
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from prometheus_fastapi_instrumentator import Instrumentator

from service import __version__
from service.api import envelope, logs
from service.api.deps import AppState
from service.api.gate import Gate
from service.api.intake import Intake
from service.api.metrics import Metrics
from service.api.middleware import CleanStartupFailure, RequestContext
from service.api.routes import health, page, stories, streams, summaries
from service.errors import ModelError
from service.records import Article
from service.settings import Settings
from service.story_store import StoryStore
from service.summarizer import Summarizer

log = structlog.get_logger("newsbrief.api")

# two reports that share a fact, hold a quote and disagree on a count: every stage runs,
# conflicts included (its graph module is imported on the first conflict), so the first request is
# not the slow one and the idle RSS a worker reports is that of a worker that has served
WARMUP = [
    Article(
        id="warmup-1",
        text='Officials met in the capital on Monday. "We agreed to keep talking," the minister said. '
        "Twelve people were hurt in the protest.",
    ),
    Article(
        id="warmup-2",
        text="The two sides met on Monday and agreed to keep talking. "
        "Fifteen people were hurt in the protest, police said.",
    ),
]


async def warm_up(state: AppState) -> None:
    """Run every stage once so the first request is not the slow one, and load the rewrite model
    (rewrite=auto|on). Any failure stops the start (no server that can never be ready), except a
    model under rewrite=auto: extractive briefs are served and /info and newsbrief_rewrite_available
    say why."""
    settings = state.settings
    # the limits lifted: a deployment with tiny limits must still warm every stage
    lifted = settings.model_copy(update={"max_articles": len(WARMUP), "max_article_chars": 10_000})
    warm = Summarizer(lifted, state.summarizer.representer)
    # extractive: the model is loaded (and a model server checked, in bounded time) below, once;
    # a warm-up rewrite would load a second copy, or wait a whole rewrite budget on a silent server
    await anyio.to_thread.run_sync(lambda: warm.summarize(WARMUP, rewrite="off"))
    rewriter = state.summarizer.rewriter
    if rewriter is None or settings.rewrite == "off":
        return
    try:
        await anyio.to_thread.run_sync(rewriter.load)  # a model is loaded before /ready says so
    except ModelError as exc:
        if settings.rewrite == "on":
            raise ModelError(f"NEWSBRIEF_REWRITE=on, but the rewrite model cannot be used: {exc.message}") from exc
        state.rewrite_error = f"{exc.message} (rewrite=auto: extractive briefs are served)"
        state.metrics.rewrite_available.labels(exc.reason).set(0)
        log.warning("rewrite_model_unavailable", error=exc.message)
        return
    state.metrics.rewrite_available.labels("loaded").set(1)


def create_app(settings: Settings | None = None, summarizer: Summarizer | None = None) -> FastAPI:
    settings = settings or Settings()
    logs.configure(settings.log_level)
    metrics = Metrics.create()
    state = AppState(
        settings=settings,
        summarizer=summarizer or Summarizer(settings),
        metrics=metrics,
        gate=Gate(settings.max_in_flight, settings.max_in_flight_bytes, metrics.in_flight),
        streams=StoryStore(settings),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await warm_up(state)
        except Exception as exc:
            log.error("startup_failed", error=str(exc))
            raise
        state.ready = True
        log.info("ready", version=__version__)
        yield
        state.draining = True

    # Swagger UI and ReDoc assets are served from the fastapi-offline package, not a CDN
    app = FastAPIOffline(
        title="newsbrief",
        version=__version__,
        summary="One brief from many news reports, every sentence traceable to its sources.",
        lifespan=lifespan,
    )
    app.state.newsbrief = state
    envelope.install(app)
    app.include_router(health.router)
    app.include_router(summaries.router)
    app.include_router(stories.router)
    app.include_router(streams.router)
    app.include_router(page.router)
    Instrumentator(registry=state.metrics.registry, excluded_handlers=["/metrics"]).instrument(app)
    posts = summaries.PATHS | stories.PATHS
    app.add_middleware(
        Intake,
        state=state,
        admitted=lambda method, path: (method == "POST" and path in posts) or streams.admits(method, path),
    )
    app.add_middleware(RequestContext)
    app.add_middleware(CleanStartupFailure)
    return app
