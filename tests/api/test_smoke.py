from __future__ import annotations

import httpx

from tests.support import TenantClient


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.json() == {"status": "ok"}


async def test_me(tenant: TenantClient) -> None:
    response = await tenant.get("/api/v1/auth/me")
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == tenant.email
