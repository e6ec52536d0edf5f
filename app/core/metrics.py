"""Prometheus instruments: HTTP traffic, database pool, job queue, email delivery.

Counters and histograms live in prometheus_client's process registry. With
``PROMETHEUS_MULTIPROC_DIR`` set (before the process starts) every process writes them
to files in that directory instead, and a scrape of any uvicorn worker adds up all of
them, so one scrape sees the whole server. The pool and the queue are read when
scraped, never sampled in the background.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import glob
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence

from fastapi.routing import iter_route_contexts
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    start_http_server,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool, QueuePool
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "EMAILS_FAILED",
    "EMAILS_SENT",
    "MULTIPROC_ENV",
    "MetricsMiddleware",
    "RouteTemplates",
    "pool_metrics",
    "queue_metrics",
    "scrape",
    "serve_metrics",
]

logger = logging.getLogger("app.metrics")

NAMESPACE = "rms"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Label values are bounded: anything a client can vary freely collapses to one value.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"
UNMATCHED_ROUTE = "unmatched"
HTTP_LABELS = ("method", "route", "status")

REQUESTS = Counter("http_requests", "HTTP requests answered.", HTTP_LABELS, namespace=NAMESPACE)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time from the request's arrival to the end of its response.",
    HTTP_LABELS,
    namespace=NAMESPACE,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
IN_FLIGHT = Gauge(
    "http_requests_in_progress",
    "HTTP requests being processed right now.",
    namespace=NAMESPACE,
    multiprocess_mode="livesum",
)
EMAILS_SENT = Counter(
    "emails_sent",
    "Emails handed to the SMTP server or the outbox.",
    ["channel"],
    namespace=NAMESPACE,
)
EMAILS_FAILED = Counter(
    "emails_failed",
    "Emails that could not be delivered (the job retries them).",
    ["channel"],
    namespace=NAMESPACE,
)

# One cheap grouped read, bounded in time; the series always reported (zero when empty),
# so an alert on them never sees "no data".
QUEUE_SQL = text("SELECT queue_name, status::text, count(*) FROM procrastinate_jobs GROUP BY 1, 2")
QUEUE_TIMEOUT_SQL = text("SET LOCAL statement_timeout = 2000")
QUEUE_TIMEOUT_SECONDS = 3.0
ALWAYS_REPORTED = (("default", "todo"), ("default", "doing"), ("default", "failed"))


def _multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


if _multiprocess_dir():
    # A live gauge (in-flight requests) of an exited worker must not count any more.
    atexit.register(prometheus_multiprocess.mark_process_dead, os.getpid())


class RouteTemplates:
    """The full route templates of one app, found from the route its router chose.

    FastAPI keeps included routers nested, so the chosen route's own ``path`` lacks
    the prefixes; ``iter_route_contexts`` yields every route with its full template.
    """

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._by_route: dict[int, str] = {}
        self._patterns: list[tuple[re.Pattern[str], str]] = []
        for context in iter_route_contexts(routes):
            template = context.path_format
            if template is None:
                continue
            self._by_route.setdefault(id(context.original_route), template)
            self._patterns.append((compile_path(template)[0], template))

    def label(self, scope: Scope) -> str:
        """The template, never the raw path: one value for every unknown path."""
        template = self._by_route.get(id(scope.get("route")))
        if template is not None:
            return template
        # Answered before routing (e.g. by a rate limit), or no route matched.
        path, root = str(scope.get("path", "")), str(scope.get("root_path", ""))
        path = path.removeprefix(root) if root and path != root else path
        for pattern, candidate in self._patterns:
            if pattern.match(path):
                return candidate
        return UNMATCHED_ROUTE


def method_label(scope: Scope) -> str:
    method = str(scope.get("method", ""))
    return method if method in KNOWN_METHODS else OTHER_METHOD


class MetricsMiddleware:
    """Pure ASGI: counts and times every HTTP request by method, route and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: RouteTemplates | None = None

    def _route_label(self, scope: Scope) -> str:
        if self._templates is None:  # the routes are all in place by the first request
            self._templates = RouteTemplates(scope["app"].router.routes)
        return self._templates.label(scope)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # an exception before the response started

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_status)
        finally:
            IN_FLIGHT.dec()
            labels = (method_label(scope), self._route_label(scope), str(status))
            REQUESTS.labels(*labels).inc()
            LATENCY.labels(*labels).observe(time.perf_counter() - started)


def pool_metrics(pool: Pool) -> list[Metric]:
    """The SQLAlchemy pool of this process, as it is at the moment of the scrape."""
    if not isinstance(pool, QueuePool):
        return []
    values = {
        "db_pool_size": ("Connections the pool keeps open.", pool.size()),
        "db_pool_checked_out": ("Connections in use by requests or jobs.", pool.checkedout()),
        "db_pool_checked_in": ("Idle connections in the pool.", pool.checkedin()),
        # QueuePool counts overflow from -size; only positive values are extra connections.
        "db_pool_overflow": ("Connections open beyond the pool size.", max(pool.overflow(), 0)),
    }
    return [
        GaugeMetricFamily(f"{NAMESPACE}_{name}", help_text, value=value)
        for name, (help_text, value) in values.items()
    ]


async def queue_metrics(engine: AsyncEngine) -> list[Metric]:
    """Jobs by queue and status; a slow or failing read reports ``job_queue_up 0``."""
    jobs = GaugeMetricFamily(
        f"{NAMESPACE}_job_queue_jobs",
        "Background jobs by queue and status.",
        labels=["queue", "status"],
    )
    up = GaugeMetricFamily(
        f"{NAMESPACE}_job_queue_up", "1 when the job queue could be read for this scrape."
    )
    try:
        async with asyncio.timeout(QUEUE_TIMEOUT_SECONDS), engine.connect() as conn:
            await conn.execute(QUEUE_TIMEOUT_SQL)
            rows = (await conn.execute(QUEUE_SQL)).all()
    except (SQLAlchemyError, OSError) as exc:  # TimeoutError is an OSError
        logger.warning("job queue depth unavailable", extra={"error": type(exc).__name__})
        up.add_metric([], 0)
        return [up]
    counts = dict.fromkeys(ALWAYS_REPORTED, 0)
    counts.update({(str(queue), str(status)): int(count) for queue, status, count in rows})
    for (queue, status), count in sorted(counts.items()):
        jobs.add_metric([queue, status], count)
    up.add_metric([], 1)
    return [jobs, up]


class _Scrape(Collector):
    """The process (or multiprocess) metrics followed by this scrape's extra families."""

    def __init__(self, base: Collector, extra: Iterable[Metric]) -> None:
        self._base = base
        self._extra = list(extra)

    def collect(self) -> Iterator[Metric]:
        yield from self._base.collect()
        yield from self._extra


class _SettledFilesCollector(prometheus_multiprocess.MultiProcessCollector):
    """The workers' metric files, less any that another process is creating this moment:
    such a file exists at 0 bytes before it is sized, and reading it failed the whole
    scrape with a 500 (prometheus/client_python#1199). It is read by the next scrape."""

    def __init__(self, registry: CollectorRegistry) -> None:
        super().__init__(registry)  # type: ignore[no-untyped-call]

    def collect(self) -> Iterable[Metric]:
        files = []
        for path in glob.glob(os.path.join(self._path, "*.db")):
            with contextlib.suppress(OSError):  # gone since the listing: a dead worker's
                if os.path.getsize(path) > 0:
                    files.append(path)
        merged: Iterable[Metric] = self.merge(files, accumulate=True)  # type: ignore[no-untyped-call]
        return merged


def scrape(extra: Iterable[Metric]) -> Collector:
    """What one scrape exposes; pass it to ``prometheus_client.generate_latest``."""
    if _multiprocess_dir():
        registry = CollectorRegistry()
        _SettledFilesCollector(registry)
        return _Scrape(registry, extra)
    return _Scrape(REGISTRY, extra)


def serve_metrics(port: int) -> None:
    """A process without the API (the job worker): its metrics on a port of its own.

    Unauthenticated, like most exporters: keep the port inside the cluster network.
    """
    registry = CollectorRegistry()
    registry.register(scrape([]))
    start_http_server(port, registry=registry)
