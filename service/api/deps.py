"""Dependencies shared by the routes: app state accessors and the optional bearer API key."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from service.api.errors import ApiError
from service.api.gate import Gate
from service.api.metrics import Metrics
from service.settings import Settings
from service.summarizer import Summarizer


@dataclass
class AppState:
    settings: Settings
    summarizer: Summarizer
    metrics: Metrics
    gate: Gate
    ready: bool = False
    draining: bool = False
    warmup_error: str | None = field(default=None)


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.newsbrief
    return state


State = Annotated[AppState, Depends(get_state)]


def require_api_key(request: Request, state: State) -> None:
    """Bearer key check, constant time; off unless NEWSBRIEF_API_KEY is set."""
    expected = state.settings.api_key
    if expected is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.encode(), expected.get_secret_value().encode()):
        state.metrics.rejections.labels("unauthorized").inc()
        raise ApiError(401, "unauthorized", "a valid API key is required: send `Authorization: Bearer <key>`")
