"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware

from app.api.metrics import install_metrics
from app.api.v1.endpoints import health
from app.api.v1.idempotency import install_replay_handler
from app.api.v1.router import api_router
from app.core.config import Settings, check_startup, get_settings
from app.core.database import create_engine, create_sessionmaker
from app.core.errors import install_error_handlers
from app.core.logging import configure_logging
from app.core.migrations import head_revision
from app.core.rate_limit import RateLimiter
from app.middleware.idempotency import IdempotencyMiddleware
from app.middleware.request_context import RequestContextMiddleware
from app.middleware.responses import JsonGetMiddleware, document_fields_parameter
from app.middleware.security import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from app.services import tasks  # noqa: F401 - the API queues jobs by the tasks' names
from app.services.email import EmailSender
from app.services.jobs import JobRuntime, in_process_worker, session_factory_for, set_runtime
from app.services.pdf_renderer import shutdown_renderer


def freeze_startup_heap() -> None:
    """Take what start-up built (modules, models, routes, schemas: most of the heap) out
    of the cyclic collector's sight. Under load a full collection walked all of it every
    second or two, for up to a tenth of a second each time: the slowest 1% of requests
    waited for it. Per-request garbage is still collected as before. Once per process
    (tests start many apps in one)."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    check_startup(settings)
    configure_logging(settings.LOG_LEVEL, json_lines=settings.LOG_JSON)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.DATABASE_URL is None:
            raise RuntimeError("DATABASE_URL is not set: start with `python -m app dev`.")
        engine = create_engine(settings.DATABASE_URL, settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        set_runtime(
            JobRuntime(settings, session_factory_for(app.state.sessionmaker), EmailSender(settings))
        )
        freeze_startup_heap()
        try:
            if settings.RUN_WORKER_IN_PROCESS:
                async with in_process_worker(settings.DATABASE_URL):
                    yield
            else:
                yield
        finally:
            await engine.dispose()
            await asyncio.to_thread(shutdown_renderer)

    docs = settings.docs_enabled
    app = FastAPI(
        title=settings.PROJECT_NAME,
        version="0.1.0",
        summary="Multi-tenant GST billing: customers, invoices, receipts, credit notes.",
        debug=settings.DEBUG,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.migration_head = head_revision()
    install_error_handlers(app)
    install_replay_handler(app)
    app.state.rate_limiter = RateLimiter(settings)
    # Listed innermost first: each add_middleware wraps everything added before it.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.MAX_REQUEST_BODY_BYTES)
    app.add_middleware(JsonGetMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=settings.GZIP_MINIMUM_BYTES)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.CORS_ORIGINS,
        allow_credentials="*" not in settings.CORS_ORIGINS,  # never `*` with credentials
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match"],
        expose_headers=[
            "X-Request-ID",
            "X-Upgrade-Prompt",
            "ETag",
            "Retry-After",
            "RateLimit",
            "RateLimit-Policy",
            "Idempotency-Replayed",
            "Content-Disposition",
        ],
        max_age=600,
    )
    docs_paths = frozenset({"/docs", "/redoc"}) if docs else frozenset()
    app.add_middleware(
        SecurityHeadersMiddleware,
        docs_paths=docs_paths,
        hsts_max_age=settings.HSTS_MAX_AGE_SECONDS,
    )
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    app.include_router(api_router, prefix=settings.API_V1_PREFIX)
    document_fields_parameter(app)
    install_metrics(app, settings)  # last: its middleware is the outermost
    return app
