"""``GET /metrics`` for Prometheus, and the switch that installs it.

Served when ``METRICS_ENABLED``; in production only with ``METRICS_TOKEN`` set, which
scrapers then send as a bearer token. Never in the OpenAPI schema.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client.exposition import choose_encoder

from app.core.config import Settings
from app.core.errors import Unauthorized
from app.core.metrics import MetricsMiddleware, pool_metrics, queue_metrics, scrape

router = APIRouter()


def _token(settings: Settings) -> str | None:
    """The scrape token; an empty METRICS_TOKEN counts as none (never as "no password")."""
    token = settings.METRICS_TOKEN.get_secret_value() if settings.METRICS_TOKEN else ""
    return token or None


def metrics_served(settings: Settings) -> bool:
    """Production never exposes /metrics without a token."""
    if not settings.METRICS_ENABLED:
        return False
    return _token(settings) is not None or not settings.is_production


def install_metrics(app: FastAPI, settings: Settings) -> None:
    """Count every request (call after the other middleware: this one goes outermost)."""
    if metrics_served(settings):
        app.add_middleware(MetricsMiddleware)
        app.include_router(router)


def _check_token(request: Request, settings: Settings) -> None:
    expected = _token(settings)
    if expected is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # compare_digest: the time taken must not reveal how much of the token matched.
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        raise Unauthorized("A valid metrics token is required.")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text (or OpenMetrics when asked): the process's metrics, then the
    pool and the job queue."""
    settings: Settings = request.app.state.settings
    _check_token(request, settings)
    engine = request.app.state.engine
    extra = [*pool_metrics(engine.pool), *await queue_metrics(engine)]
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(scrape(extra)), headers={"Content-Type": content_type})
