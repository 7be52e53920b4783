"""The HTTP API (FastAPI): `create_app(settings)` builds it, `newsbrief serve` runs it."""

from service.api.app import create_app

__all__ = ["create_app"]
