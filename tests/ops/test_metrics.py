"""/metrics: Prometheus text scraped over the app, labels bounded, protected in production."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.core import Metric
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.config import Settings
from app.core.database import create_engine
from app.core.metrics import RouteTemplates, pool_metrics
from app.main import create_app
from app.services.email import EmailDeliveryError, EmailSender, OutgoingEmail
from app.services.jobs import enqueue
from tests.ops.support import Samples, parse, value
from tests.smtp_server import SmtpTestServer, free_port
from tests.support import TenantClient, assert_problem

TOKEN = "scrape-token-0123456789abcdef"


async def scrape(http: httpx.AsyncClient, **headers: str) -> Samples:
    response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return parse(response.text)


async def test_requests_are_counted_by_route_template_not_raw_path(
    tenant: TenantClient, client: httpx.AsyncClient
) -> None:
    customer = await tenant.create("/api/v1/customers", {"name": "Metrics Co", "state_code": "27"})
    labels = {"method": "GET", "route": "/api/v1/customers/{item_id}", "status": "200"}
    before = await scrape(client)
    for _ in range(3):
        assert (await tenant.get(f"/api/v1/customers/{customer['id']}")).status_code == 200
    response = await client.get("/metrics")
    after = parse(response.text)

    assert value(after, "rms_http_requests_total", **labels) == (
        value(before, "rms_http_requests_total", **labels) + 3
    )
    assert value(after, "rms_http_request_duration_seconds_count", **labels) == (
        value(before, "rms_http_request_duration_seconds_count", **labels) + 3
    )
    assert customer["id"] not in response.text
    assert value(after, "rms_http_requests_in_progress") >= 1  # the scrape itself


async def test_unknown_paths_and_methods_collapse_to_one_label(client: httpx.AsyncClient) -> None:
    """An attacker varying the path or the method cannot create new time series."""
    before = await scrape(client)
    probes = [f"/wp-admin/{uuid.uuid4().hex}" for _ in range(3)]
    for path in probes:
        assert_problem(await client.get(path), 404)
    assert (await client.request("BREW", "/health")).status_code == 405
    response = await client.get("/metrics")
    after = parse(response.text)

    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, "rms_http_requests_total", **unmatched) == (
        value(before, "rms_http_requests_total", **unmatched) + 3
    )
    other = {"method": "OTHER", "route": "/health", "status": "405"}
    assert value(after, "rms_http_requests_total", **other) == (
        value(before, "rms_http_requests_total", **other) + 1
    )
    assert not any(path in response.text for path in probes)
    assert "BREW" not in response.text


def test_requests_answered_before_routing_still_get_their_template(app: Any) -> None:
    """A rate limit or body limit answers before the router picks a route."""
    templates = RouteTemplates(app.router.routes)
    scope = {"type": "http", "path": f"/api/v1/customers/{uuid.uuid4()}", "root_path": ""}
    assert templates.label(scope) == "/api/v1/customers/{item_id}"
    assert templates.label({**scope, "path": "/api/v1/customers"}) == "/api/v1/customers"
    assert templates.label({**scope, "path": "/etc/passwd"}) == "unmatched"


async def test_pool_size_is_scraped(client: httpx.AsyncClient, settings: Settings) -> None:
    samples = await scrape(client)
    assert value(samples, "rms_db_pool_size") == settings.DB_POOL_SIZE
    assert value(samples, "rms_db_pool_checked_out") >= 0


async def test_pool_usage_is_read_at_the_moment_of_the_scrape(settings: Settings) -> None:
    """On a pool of its own: the app's pool is shared with the in-process job worker."""
    assert settings.DATABASE_URL is not None
    engine = create_engine(settings.DATABASE_URL, settings, pool_size=2, max_overflow=2)
    try:
        async with contextlib.AsyncExitStack() as held:
            for _ in range(3):
                conn = await held.enter_async_context(engine.connect())
                await conn.execute(text("SELECT 1"))
            busy = parse_families(pool_metrics(engine.pool))
        idle = parse_families(pool_metrics(engine.pool))
    finally:
        await engine.dispose()
    assert busy == {"size": 2, "checked_out": 3, "checked_in": 0, "overflow": 1}
    assert idle == {"size": 2, "checked_out": 0, "checked_in": 2, "overflow": 0}  # closed


def parse_families(families: list[Metric]) -> dict[str, float]:
    return {
        family.name.removeprefix("rms_db_pool_"): family.samples[0].value for family in families
    }


async def test_job_queue_depth_by_queue_and_status(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    """Counted with the runtime role (rms_app), from committed jobs."""
    queue = f"metrics-{uuid.uuid4().hex[:8]}"
    tomorrow = datetime.now(UTC) + timedelta(days=1)  # no worker picks these up meanwhile
    async with AsyncSession(engine) as session, session.begin():
        job_ids = [
            await enqueue(session, "send_trial_reminders", {}, queue=queue, scheduled_at=tomorrow)
            for _ in range(2)
        ]
    try:
        samples = await scrape(client)
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                text("DELETE FROM procrastinate_jobs WHERE id = ANY(:ids)"), {"ids": job_ids}
            )
    assert value(samples, "rms_job_queue_jobs", queue=queue, status="todo") == 2
    assert ("rms_job_queue_jobs", frozenset({"queue": "default", "status": "doing"}.items())) in (
        samples
    )
    assert value(samples, "rms_job_queue_up") == 1


async def test_emails_sent_and_failed_are_counted(
    client: httpx.AsyncClient, settings: Settings, smtp: SmtpTestServer
) -> None:
    email = OutgoingEmail(
        to=(f"ops-{uuid.uuid4().hex[:8]}@example.in",),
        subject="Counted",
        html="<p>hi</p>",
        text="hi",
    )
    before = await scrape(client)
    await EmailSender(settings).send(email)
    smtp.wait_for(lambda m: m["To"] == email.to[0])
    unreachable = settings.model_copy(update={"SMTP_PORT": free_port(), "SMTP_TIMEOUT": 2.0})
    with pytest.raises(EmailDeliveryError):
        await EmailSender(unreachable).send(email)
    after = await scrape(client)

    # At least: the suite's in-process job worker may be sending mail meanwhile.
    for name in ("rms_emails_sent_total", "rms_emails_failed_total"):
        assert value(after, name, channel="smtp") >= value(before, name, channel="smtp") + 1


async def test_openmetrics_is_served_to_scrapers_that_ask_for_it(client: httpx.AsyncClient) -> None:
    accept = "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4"
    response = await client.get("/metrics", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")
    assert "rms_db_pool_size" in response.text


async def test_metrics_stay_out_of_the_openapi_schema(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/metrics" not in paths
    assert "/health" in paths


def app_with(settings: Settings, engine: AsyncEngine, **overrides: Any) -> Any:
    """Another app on the session's engine (no second lifespan, job worker or pool)."""
    application = create_app(settings.model_copy(update=overrides))
    application.state.engine = engine
    return application


def http_for(application: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application)
    return httpx.AsyncClient(transport=transport, base_url="http://api.test")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN, "Bearer "],
)
async def test_with_a_token_scrapes_must_present_it(
    settings: Settings, engine: AsyncEngine, authorization: str | None
) -> None:
    application = app_with(settings, engine, METRICS_TOKEN=SecretStr(TOKEN))
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with http_for(application) as http:
        refused = await http.get("/metrics", headers=headers)
        assert_problem(refused, 401, "unauthorized")
        assert "rms_" not in refused.text
        samples = await scrape(http, Authorization=f"Bearer {TOKEN}")
    assert value(samples, "rms_db_pool_size") == settings.DB_POOL_SIZE


async def test_production_serves_metrics_only_with_a_token(
    settings: Settings, engine: AsyncEngine
) -> None:
    production = {"ENVIRONMENT": "production", "DEBUG": False}
    async with http_for(app_with(settings, engine, **production)) as http:
        assert_problem(await http.get("/metrics"), 404)
    empty_token = app_with(settings, engine, METRICS_TOKEN=SecretStr(""), **production)
    async with http_for(empty_token) as http:
        assert_problem(await http.get("/metrics", headers={"Authorization": "Bearer "}), 404)
    protected = app_with(settings, engine, METRICS_TOKEN=SecretStr(TOKEN), **production)
    async with http_for(protected) as http:
        assert_problem(await http.get("/metrics"), 401)
        await scrape(http, Authorization=f"Bearer {TOKEN}")


async def test_metrics_can_be_switched_off(settings: Settings, engine: AsyncEngine) -> None:
    async with http_for(app_with(settings, engine, METRICS_ENABLED=False)) as http:
        assert_problem(await http.get("/metrics"), 404)
