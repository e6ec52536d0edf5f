"""Helpers shared by the API tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

PASSWORD = "correct-horse-battery"
PROBLEM_JSON = "application/problem+json"


@dataclass
class TenantClient:
    """A registered tenant's owner: its ids, tokens and an authorised request helper."""

    http: httpx.AsyncClient
    tenant_id: str
    user_id: str
    email: str
    access_token: str
    refresh_token: str
    created: dict[str, list[str]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.http.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)

    async def create(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.post(url, json=body)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        self.created.setdefault(url, []).append(data["id"])
        return data


def new_email(prefix: str = "owner") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.in"


async def register_tenant(
    http: httpx.AsyncClient, *, email: str | None = None, company: str = "Acme Traders"
) -> TenantClient:
    email = email or new_email()
    response = await http.post(
        "/api/v1/auth/register",
        json={
            "company_name": company,
            "full_name": "Priya Iyer",
            "email": email,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return TenantClient(
        http=http,
        tenant_id=body["tenant"]["id"],
        user_id=body["user"]["id"],
        email=email,
        access_token=body["tokens"]["access_token"],
        refresh_token=body["tokens"]["refresh_token"],
    )


def assert_problem(
    response: httpx.Response, status: int, slug: str | None = None
) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status`` (and type ending in ``slug``)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "request_id"} <= body.keys()
    if slug is not None:
        assert body["type"].endswith("/" + slug), body["type"]
    return body
