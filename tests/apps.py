"""Apps built with other settings than the suite's: tight rate limits, production mode.

Their requests commit for real (like ``live_client``); tests keep their data apart by
registering their own tenants with unique emails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from app.core.config import Settings
from app.main import create_app


@asynccontextmanager
async def app_with(
    settings: Settings, base_url: str = "http://api.test", **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client on a fresh app (own lifespan, own pool, own limiter) with ``overrides``."""
    application = create_app(settings.model_copy(update=overrides))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            yield http
