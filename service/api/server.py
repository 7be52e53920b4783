"""`newsbrief serve`: uvicorn, one or several worker processes, with a drain phase on SIGTERM.

Each worker builds its app with `serving_app` (uvicorn calls it once its signal handlers are in
place) from the same NEWSBRIEF_* environment. SIGTERM turns /ready and new work to 503 in every
worker at once (uvicorn's supervisor passes the signal on), then, NEWSBRIEF_DRAIN_S later, uvicorn
stops accepting connections, lets requests in flight finish and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

import structlog
import uvicorn
from fastapi import FastAPI
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from service.api.app import create_app
from service.api.deps import AppState
from service.api.metrics import shared_between_workers
from service.settings import Settings

log = structlog.get_logger("newsbrief.api")

SignalHandler = Callable[[int, FrameType | None], Any]


def drain_first(state: AppState, drain_s: float) -> None:
    """Wrap uvicorn's SIGTERM/SIGINT handlers: draining starts at once, uvicorn's stop `drain_s`
    later (SIGTERM) or at once (SIGINT, a second signal). Only the main thread gets signals."""
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        stop = signal.getsignal(sig)
        if not callable(stop):
            continue

        def on_signal(signum: int, frame: FrameType | None, stop: SignalHandler = stop) -> None:
            delay = drain_s if signum == signal.SIGTERM and not state.draining else 0.0
            state.draining = True

            def later() -> None:  # on the loop, not in the signal handler: logging is not reentrant
                log.info("draining", pid=os.getpid(), signal=signal.Signals(signum).name, stop_in_s=delay)
                loop.call_later(delay, stop, signum, frame)

            loop.call_soon_threadsafe(later)

        signal.signal(sig, on_signal)


def serving_app() -> FastAPI:
    """The factory uvicorn calls in each worker process, inside its running loop."""
    settings = Settings()
    app = create_app(settings)
    drain_first(app.state.newsbrief, settings.drain_s)
    return app


def serve(settings: Settings) -> None:
    """Run until stopped; exits with uvicorn's start-up failure status when a worker cannot start."""
    config = uvicorn.Config(
        "service.api.server:serving_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=False,  # RequestContext writes one structured line per request
        timeout_graceful_shutdown=int(settings.request_timeout_s + 5),
    )
    if settings.workers == 1:
        server = uvicorn.Server(config)
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises a SIGINT it handled, once stopped
            server.run()
        started = server.started
    else:
        with shared_between_workers():
            supervisor = Multiprocess(config, sockets=[config.bind_socket()])
            supervisor.run()
        started = all(process.exitcode != STARTUP_FAILURE for process in supervisor.processes)
    if not started:
        sys.exit(STARTUP_FAILURE)
