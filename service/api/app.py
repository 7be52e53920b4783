"""The app factory: wiring only; behaviour lives in the routes, middleware and the pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
import structlog
from fastapi import FastAPI
from prometheus_fastapi_instrumentator import Instrumentator

from service import __version__
from service.api import errors, logs
from service.api.deps import AppState
from service.api.gate import Gate
from service.api.metrics import Metrics
from service.api.middleware import BodyLimit, RequestContext
from service.api.routes import health, summaries
from service.records import Article
from service.settings import Settings
from service.summarizer import Summarizer

log = structlog.get_logger("newsbrief.api")

WARMUP = [
    Article(id="warmup-1", text="Officials met in the capital on Monday. They agreed to keep talking, officials said."),
    Article(id="warmup-2", text="The two sides met on Monday and agreed to keep talking."),
]


def create_app(settings: Settings | None = None, summarizer: Summarizer | None = None) -> FastAPI:
    settings = settings or Settings()
    logs.configure(settings.log_level)
    state = AppState(
        settings=settings,
        summarizer=summarizer or Summarizer(settings),
        metrics=Metrics.create(),
        gate=Gate(settings.max_in_flight),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Load and exercise every stage once so the first request is not the slow one."""
        try:
            # default limits: a deployment with tiny limits must still warm every stage
            warm = Summarizer(Settings(), state.summarizer.representer)
            await anyio.to_thread.run_sync(lambda: warm.summarize(WARMUP))
            rewriter = state.summarizer.rewriter
            if rewriter is not None and settings.rewrite != "off":
                await anyio.to_thread.run_sync(rewriter.load)  # a model is loaded before /ready says so
            state.ready = True
            log.info("ready", version=__version__)
        except Exception as exc:  # a broken warm-up keeps /ready at 503 with the reason
            state.warmup_error = f"warm-up failed: {exc}"
            log.error("warmup_failed", error=repr(exc))
        yield
        state.draining = True

    app = FastAPI(
        title="newsbrief",
        version=__version__,
        summary="One brief from many news reports, every sentence traceable to its sources.",
        lifespan=lifespan,
    )
    app.state.newsbrief = state
    errors.install(app)
    app.include_router(health.router)
    app.include_router(summaries.router)
    Instrumentator(registry=state.metrics.registry, excluded_handlers=["/metrics"]).instrument(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext)
    return app
