"""GET /: the page to ask for a brief; its form posts to POST /v1/summaries and shows the answer."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from service.page import content_security_policy, document

router = APIRouter()

_PAGE = document(None, [], form=True)
_POLICY = content_security_policy(form=True)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def page() -> HTMLResponse:
    """Paste or drop articles, choose budget, query and known articles, read the brief beside its sources."""
    return HTMLResponse(_PAGE, headers={"Content-Security-Policy": _POLICY})
