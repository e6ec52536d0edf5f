"""Web security: response headers, the docs' CSP, CORS, the body cap, passwords, /docs off."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

from app.core.config import Settings
from tests.apps import app_with
from tests.support import PASSWORD, TenantClient, assert_problem, new_email

REGISTER = "/api/v1/auth/register"


def registration(password: str) -> dict[str, str]:
    return {
        "company_name": "Acme",
        "full_name": "Priya Iyer",
        "email": new_email(),
        "password": password,
    }


async def test_api_responses_carry_the_security_headers(tenant: TenantClient) -> None:
    for response in (
        await tenant.get("/api/v1/customers"),
        await tenant.get("/api/v1/customers/not-an-id"),  # errors too
        await tenant.http.get("/health"),
    ):
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS means nothing


async def test_hsts_is_sent_over_https(settings: Settings) -> None:
    async with app_with(settings, base_url="https://api.test") as http:
        response = await http.get("/health")
    assert response.headers["Strict-Transport-Security"] == (
        f"max-age={settings.HSTS_MAX_AGE_SECONDS}; includeSubDomains"
    )


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_docs_csp_allows_exactly_their_own_inline_script(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    csp = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    assert csp["default-src"] == "'none'"
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    bundles = re.findall(r'<script src="(https://[^/"]+)/', response.text)
    assert bundles and all(origin in csp["script-src"] for origin in bundles)
    for inline in re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"]
    assert csp["connect-src"] == "'self'"  # the UI fetches /openapi.json from us only


async def test_docs_are_off_in_production(settings: Settings) -> None:
    production = settings.model_copy(update={"ENVIRONMENT": "production", "DOCS_ENABLED": None})
    assert not production.docs_enabled
    async with app_with(production) as http:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert_problem(await http.get(path), 404, "not-found")
    assert settings.model_copy(
        update={"DOCS_ENABLED": True, "ENVIRONMENT": "production"}
    ).docs_enabled


async def test_cors_admits_the_spa_origin_only(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    spa = settings.CORS_ORIGINS[0]
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
    }
    allowed = await client.options("/api/v1/invoices", headers={"Origin": spa, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == spa
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    assert "idempotency-key" in allowed.headers["Access-Control-Allow-Headers"].lower()

    evil = await client.options(
        "/api/v1/invoices", headers={"Origin": "https://evil.example", **preflight}
    )
    assert evil.status_code == 400
    assert "Access-Control-Allow-Origin" not in evil.headers
    simple = await client.get("/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in simple.headers
    exposed = (await client.get("/health", headers={"Origin": spa})).headers
    assert "ratelimit" in exposed["Access-Control-Expose-Headers"].lower()


async def test_bodies_over_the_cap_are_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    huge = b'{"email": "' + b"a" * settings.MAX_REQUEST_BODY_BYTES + b'"}'
    declared = await client.post(
        REGISTER, content=huge, headers={"Content-Type": "application/json"}
    )
    assert_problem(declared, 413, "payload-too-large")

    async def chunks():  # no Content-Length: counted as it arrives
        for _ in range(settings.MAX_REQUEST_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    streamed = await client.post(
        REGISTER, content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_problem(streamed, 413, "payload-too-large")
    # Under the cap the same route still works.
    assert (await client.post(REGISTER, json=registration(PASSWORD))).status_code == 201


@pytest.mark.parametrize("password", ["password1", "Qwerty123", "iloveyou", "12345678"])
async def test_common_passwords_are_refused(client: httpx.AsyncClient, password: str) -> None:
    body = assert_problem(await client.post(REGISTER, json=registration(password)), 422)
    assert body["errors"][0]["field"] == "body.password"
    assert "common" in body["errors"][0]["message"]


async def test_short_passwords_are_refused(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post(REGISTER, json=registration("Xk9#q2")), 422)
    assert "at least 8" in body["errors"][0]["message"]


async def test_a_new_password_is_checked_the_same_way(tenant: TenantClient) -> None:
    response = await tenant.post(
        "/api/v1/auth/change-password",
        json={"current_password": PASSWORD, "new_password": "password123"},
    )
    assert_problem(response, 422)
