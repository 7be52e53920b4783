"""`newsbrief serve`: uvicorn with a drain phase, so SIGTERM never cuts a request in flight."""

from __future__ import annotations

from types import FrameType

import uvicorn

from service.api.app import create_app
from service.api.deps import AppState
from service.settings import Settings


class DrainingServer(uvicorn.Server):
    """On SIGTERM/SIGINT /ready turns 503 at once; uvicorn then stops accepting connections,
    lets in-flight requests finish (up to the graceful timeout) and exits."""

    def __init__(self, config: uvicorn.Config, state: AppState) -> None:
        super().__init__(config)
        self.state = state

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.state.draining = True
        super().handle_exit(sig, frame)


def serve(settings: Settings) -> None:
    common = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,  # RequestContext writes one structured line per request
        "timeout_graceful_shutdown": int(settings.request_timeout_s + 5),
    }
    if settings.workers > 1:
        # each worker process builds its own app from the same NEWSBRIEF_* environment
        uvicorn.run("service.api.app:create_app", factory=True, workers=settings.workers, **common)  # type: ignore[arg-type]
        return
    app = create_app(settings)
    DrainingServer(uvicorn.Config(app, **common), app.state.newsbrief).run()  # type: ignore[arg-type]
