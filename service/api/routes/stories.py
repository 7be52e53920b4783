"""POST /v1/stories: a batch of articles in, its stories out, each with its brief.

Admitted by the intake like the summaries (API key, draining, content type, gate slot) before the
body is read; grouped and briefed in a worker thread under the request deadline.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute

from service.api.bodies import ArticleIn, StoriesRequest, StoriesResponse
from service.api.deps import State
from service.api.envelope import ApiError
from service.api.jsonbody import StrictJsonRoute
from service.api.routes.summaries import ERRORS, _in_worker, to_articles
from service.settings import Settings
from service.story_briefs import StoryRecord, stories

router = APIRouter(prefix="/v1", tags=["stories"], route_class=StrictJsonRoute)


def admit(given: Sequence[ArticleIn], settings: Settings) -> None:
    """413 past NEWSBRIEF_STORIES_MAX_ARTICLES: the most articles one request may group or place."""
    limit = settings.stories_max_articles
    if len(given) > limit:
        raise ApiError(
            413,
            "limit_exceeded",
            f"{len(given)} articles; the limit is {limit} (NEWSBRIEF_STORIES_MAX_ARTICLES)",
            param="articles",
        )


@router.post("/stories", response_model=StoriesResponse, responses=ERRORS)
async def create_stories(body: StoriesRequest, request: Request, state: State) -> StoriesResponse:
    """Group articles about the same event into stories, one brief per story (service/stories.py)."""
    admit(body.articles, state.settings)

    def work(deadline: float) -> list[StoryRecord]:
        return stories(to_articles(body.articles, "articles"), state.summarizer, body.options.max_words, deadline)

    found = await _in_worker(state, request, work)
    request.scope["state"]["log"] = {"articles": len(body.articles), "stories": len(found)}
    return StoriesResponse(stories=found)


# what the intake admits (API key, gate slot) before the body is read
PATHS = frozenset(route.path for route in router.routes if isinstance(route, APIRoute))
