"""Every error is RFC 9457 problem+json with a request id; nothing leaks a stack trace."""

from __future__ import annotations

import json
import logging

import httpx
from fastapi import FastAPI

from app.core.errors import install_error_handlers
from app.core.logging import JsonFormatter
from app.core.migrations import head_revision
from app.core.request_context import bind_request_id, reset_request_id
from app.middleware.request_context import RequestContextMiddleware
from tests.support import TenantClient, assert_problem


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/api/v1/nope"), 404, "not-found")
    assert body["instance"] == "/api/v1/nope"


async def test_wrong_method_is_a_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.delete("/health"), 405, "method-not-allowed")


async def test_malformed_json_is_a_422_problem(tenant: TenantClient) -> None:
    response = await tenant.post(
        "/api/v1/customers", content=b"{not json", headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 422, "validation-error")
    assert body["errors"]


async def test_bad_uuid_in_path_is_a_422_problem(tenant: TenantClient) -> None:
    body = assert_problem(await tenant.get("/api/v1/customers/not-a-uuid"), 422)
    assert body["errors"][0]["field"] == "path.item_id"


async def test_repeated_query_parameter_is_refused(tenant: TenantClient) -> None:
    response = await tenant.get("/api/v1/customers?search=a&search=b")
    body = assert_problem(response, 422, "validation-error")
    assert "search" in body["detail"]


async def test_nul_character_is_refused_not_a_500(tenant: TenantClient) -> None:
    response = await tenant.post("/api/v1/client-types", json={"name": "bad\x00name"})
    body = assert_problem(response, 422, "validation-error")
    assert body["errors"][0]["field"] == "body.name"


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "trace-123"})
    assert echoed.headers["X-Request-ID"] == "trace-123"
    generated = await client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["X-Request-ID"]) == 32
    problem = await client.get("/missing", headers={"X-Request-ID": "trace-456"})
    assert problem.json()["request_id"] == "trace-456"


async def test_unexpected_exception_is_a_500_problem_without_traceback() -> None:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    ) as http:
        response = await http.get("/boom", headers={"X-Request-ID": "req-500"})
    body = assert_problem(response, 500, "internal-error")
    assert body["request_id"] == "req-500"
    assert "secret internals" not in response.text and "Traceback" not in response.text


async def test_ready_reports_database_and_migration_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["migration"] == head_revision()


def test_json_log_lines_carry_the_request_id() -> None:
    token = bind_request_id("log-req-1")
    try:
        record = logging.makeLogRecord({"msg": "hello %s", "args": ("world",), "levelname": "INFO"})
        line = json.loads(JsonFormatter().format(record))
    finally:
        reset_request_id(token)
    assert line["message"] == "hello world"
    assert line["request_id"] == "log-req-1"
