"""Rate limits: per IP and per account on the auth routes, per tenant and per API token.

Each test builds its own app with tight limits (the suite's app runs without limits).
The Redis test starts two real API processes that share one Redis: the second process
refuses once the two together have used up the quota.
"""

from __future__ import annotations

import os
import re
import socket
import uuid

import httpx
import pytest

from app.core.config import Settings
from tests.apps import app_with
from tests.live_server import ServerProcess
from tests.support import PASSWORD, assert_problem, new_email, register_tenant

REDIS_URL = os.environ.get("RMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POLICY = re.compile(r'^"[a-z-]+-\d+s";q=\d+;w=\d+(, "[a-z-]+-\d+s";q=\d+;w=\d+)*$')
CURRENT = re.compile(r'^"(?P<name>[a-z-]+-\d+s)";r=(?P<r>\d+);t=(?P<t>\d+)$')


def assert_rate_limited(response: httpx.Response, policy: str) -> None:
    assert_problem(response, 429, "rate-limited")
    assert response.json()["policy"] == policy
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 3600
    current = CURRENT.match(response.headers["RateLimit"])
    assert current is not None and current["r"] == "0"


async def login(http: httpx.AsyncClient, email: str, password: str = "wrong-password-1") -> int:
    response = await http.post("/api/v1/auth/login", json={"email": email, "password": password})
    return response.status_code


async def test_login_is_limited_per_account_across_addresses(settings: Settings) -> None:
    async with app_with(
        settings, RATE_LIMIT_ENABLED=True, RATE_LIMIT_AUTH_PER_ACCOUNT="3/minute"
    ) as http:
        owner = await register_tenant(http)
        statuses = [await login(http, owner.email) for _ in range(3)]
        assert statuses == [401, 401, 401]
        # The right password no longer helps: the account is being guessed at.
        refused = await http.post(
            "/api/v1/auth/login", json={"email": owner.email.upper(), "password": PASSWORD}
        )
        assert_rate_limited(refused, "auth-account")
        # Another account from the same address is unaffected.
        other = await register_tenant(http)
        assert await login(http, other.email, PASSWORD) == 200


async def test_auth_routes_are_limited_per_ip_and_say_so_in_headers(settings: Settings) -> None:
    async with app_with(
        settings, RATE_LIMIT_ENABLED=True, RATE_LIMIT_AUTH_PER_IP="4/minute;100/hour"
    ) as http:
        first = await http.post("/api/v1/auth/login", json={"email": new_email(), "password": "x"})
        assert first.status_code == 401
        assert POLICY.match(first.headers["RateLimit-Policy"])
        assert '"auth-ip-60s";q=4;w=60' in first.headers["RateLimit-Policy"]
        assert '"auth-ip-3600s";q=100;w=3600' in first.headers["RateLimit-Policy"]
        current = CURRENT.match(first.headers["RateLimit"])
        assert current is not None
        assert (current["name"], current["r"]) == ("auth-ip-60s", "3")
        for path in ("/api/v1/auth/forgot-password", "/api/v1/auth/resend-verification"):
            response = await http.post(path, json={"email": new_email()})
            assert response.status_code == 202
        await http.post("/api/v1/auth/refresh", json={"refresh_token": "x" * 40})
        refused = await http.post("/api/v1/auth/register", json={})  # even before validation
        assert_rate_limited(refused, "auth-ip")
        assert refused.headers["Retry-After"] == CURRENT.match(refused.headers["RateLimit"])["t"]  # type: ignore[index]


async def test_reset_emails_to_one_address_are_capped(settings: Settings, smtp: object) -> None:
    async with app_with(
        settings, RATE_LIMIT_ENABLED=True, RATE_LIMIT_EMAIL_PER_ACCOUNT="2/hour"
    ) as http:
        owner = await register_tenant(http)  # registration counts as one email
        body = {"email": owner.email}
        accepted = await http.post("/api/v1/auth/forgot-password", json=body)
        assert accepted.status_code == 202
        refused = await http.post("/api/v1/auth/forgot-password", json=body)
        assert_rate_limited(refused, "email-account")
        refused = await http.post("/api/v1/auth/resend-verification", json=body)
        assert_rate_limited(refused, "email-account")


async def test_api_is_limited_per_tenant(settings: Settings) -> None:
    async with app_with(
        settings, RATE_LIMIT_ENABLED=True, RATE_LIMIT_PER_TENANT="3/minute"
    ) as http:
        owner = await register_tenant(http)
        other = await register_tenant(http)
        for _ in range(3):
            assert (await owner.get("/api/v1/customers")).status_code == 200
        refused = await owner.get("/api/v1/customers")
        assert_rate_limited(refused, "tenant")
        # Limits are per tenant: the other firm is served.
        assert (await other.get("/api/v1/customers")).status_code == 200


async def test_api_tokens_have_their_own_limit(settings: Settings) -> None:
    async with app_with(
        settings, RATE_LIMIT_ENABLED=True, RATE_LIMIT_PER_API_TOKEN="2/minute"
    ) as http:
        owner = await register_tenant(http)
        upgrade = await owner.post(
            "/api/v1/tenants/upgrade", json={"plan": "monthly", "payment_reference": "UTR11111"}
        )
        assert upgrade.status_code == 200, upgrade.text
        created = await owner.post("/api/v1/api-tokens", json={"name": "ci", "role": "viewer"})
        assert created.status_code == 201, created.text
        token = {"Authorization": f"Bearer {created.json()['token']}"}
        for _ in range(2):
            assert (await http.get("/api/v1/customers", headers=token)).status_code == 200
        assert_rate_limited(await http.get("/api/v1/customers", headers=token), "api-token")
        # The owner's own session is not throttled by the token's limit.
        assert (await owner.get("/api/v1/customers")).status_code == 200


async def test_limits_off_sends_no_headers(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": new_email(), "password": "x"})
    assert "RateLimit" not in response.headers


def _redis_available(url: str) -> bool:
    host, port = url.removeprefix("redis://").split("/")[0].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.slow
def test_two_api_processes_share_counts_in_redis(settings: Settings) -> None:
    if not _redis_available(REDIS_URL):
        if os.environ.get("RMS_REQUIRE_REDIS"):
            pytest.fail(f"Redis is required but not reachable at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL} (set RMS_TEST_REDIS_URL)")
    env = {
        "RATE_LIMIT_ENABLED": "true",
        "REDIS_URL": REDIS_URL,
        "RATE_LIMIT_KEY_PREFIX": f"rms-test-{uuid.uuid4().hex}",
        "RATE_LIMIT_AUTH_PER_IP": "5/minute",
    }
    with ServerProcess(settings, env) as first, ServerProcess(settings, env) as second:
        body = {"email": new_email(), "password": "wrong-password-1"}
        statuses = []
        for server in (first, second, first, second, first):
            statuses.append(httpx.post(f"{server.url}/api/v1/auth/login", json=body).status_code)
        assert statuses == [401] * 5
        refused = httpx.post(f"{second.url}/api/v1/auth/login", json=body)
        assert_rate_limited(refused, "auth-ip")
        assert httpx.post(f"{first.url}/api/v1/auth/login", json=body).status_code == 429, (
            "the first process must see the second's counts"
        )
