"""Streams that keep their stories (service/story_store.py): POST /v1/streams/{name}/articles places
new articles, GET /v1/streams/{name}/stories?since=… lists the stories changed since a cursor, each
with its current brief (made when asked for, cached until the story changes).

Both are admitted by the intake like the summaries (API key, draining, gate slot; the POST's content
type too) and run in a worker thread under the request deadline.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from service.api.bodies import PlacedArticle, StreamArticlesRequest, StreamArticlesResponse, StreamStoriesResponse
from service.api.deps import State
from service.api.envelope import ApiError
from service.api.jsonbody import StrictJsonRoute
from service.api.routes.stories import admit
from service.api.routes.summaries import ERRORS, _in_worker, to_articles
from service.story_store import StoreError

router = APIRouter(prefix="/v1/streams", tags=["streams"], route_class=StrictJsonRoute)

NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
Name = Annotated[str, Path(pattern=NAME, description="letters, digits, `.`, `_`, `-`; at most 64")]
# what the intake admits (API key, gate slot) before the body is read: both routes, by path
_ROUTES = re.compile(r"/v1/streams/[A-Za-z0-9][A-Za-z0-9._-]{0,63}/(articles|stories)")


def admits(method: str, path: str) -> bool:
    found = _ROUTES.fullmatch(path)
    return found is not None and method == ("POST" if found.group(1) == "articles" else "GET")


def _unavailable(exc: StoreError) -> ApiError:
    return ApiError(503, "store_unavailable", exc.message)


@router.post("/{name}/articles", response_model=StreamArticlesResponse, responses=ERRORS)
async def add_articles(
    name: Name, body: StreamArticlesRequest, request: Request, state: State
) -> StreamArticlesResponse:
    """Place each article in the stream's story it is most like, or open a story (service/stories.py)."""
    admit(body.articles, state.settings)

    def work(deadline: float) -> list[PlacedArticle]:
        return [PlacedArticle(**asdict(p)) for p in state.streams.add(name, to_articles(body.articles, "articles"))]

    try:
        placed = await _in_worker(state, request, work)
    except StoreError as exc:
        raise _unavailable(exc) from None
    request.scope["state"]["log"] = {"stream": name, "articles": len(placed)}
    return StreamArticlesResponse(articles=placed)


@router.get("/{name}/stories", response_model=StreamStoriesResponse, responses=ERRORS)
async def list_stories(
    name: Name,
    request: Request,
    state: State,
    since: Annotated[int, Query(ge=0, le=2**62, description="the `cursor` of an earlier answer; 0: every story")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="at most this many stories")] = 100,
) -> StreamStoriesResponse:
    """The stream's stories changed after `since`, each with its current brief."""

    def work(deadline: float) -> StreamStoriesResponse:
        found, cursor = state.streams.stories(name, since, limit, state.summarizer, deadline)
        return StreamStoriesResponse(stories=found, cursor=cursor)

    try:
        return await _in_worker(state, request, work)
    except StoreError as exc:
        raise _unavailable(exc) from None
