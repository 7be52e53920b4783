"""The app state the routes and the intake share, and its accessor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from service.api.gate import Gate
from service.api.metrics import Metrics
from service.settings import Settings
from service.story_store import StoryStore
from service.summarizer import Summarizer


@dataclass
class AppState:
    settings: Settings
    summarizer: Summarizer
    metrics: Metrics
    gate: Gate
    streams: StoryStore  # opened on first use
    ready: bool = False
    draining: bool = False
    # why the configured rewrite model is not in use (rewrite=auto serves extractive briefs meanwhile)
    rewrite_error: str | None = None


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.newsbrief
    return state


State = Annotated[AppState, Depends(get_state)]
