"""Helpers shared by the API tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings
from app.core.security import hash_password

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


async def set_tenant(connection: AsyncConnection, tenant_id: str) -> None:
    """Scope the test's own connection to a tenant (it runs as the RLS-bound runtime role)."""
    await connection.execute(
        text("SELECT set_config('app.tenant_id', :tid, true)"), {"tid": tenant_id}
    )


async def insert_user(
    connection: AsyncConnection, settings: Settings, owner: TenantClient, role: str
) -> tuple[uuid.UUID, str]:
    """A user with ``role`` (and password ``PASSWORD``) in the owner's tenant: (id, email)."""
    user_id, email = uuid.uuid4(), new_email(role)
    await set_tenant(connection, owner.tenant_id)
    await connection.execute(
        text(
            "INSERT INTO users (tenant_id, id, email, full_name, role, password_hash)"
            " VALUES (:tid, :uid, :email, :name, :role, :hash)"
        ),
        {
            "tid": uuid.UUID(owner.tenant_id),
            "uid": user_id,
            "email": email,
            "name": f"A {role}",
            "role": role,
            "hash": await hash_password(PASSWORD, settings),
        },
    )
    return user_id, email


async def add_member(
    connection: AsyncConnection, settings: Settings, owner: TenantClient, role: str
) -> TenantClient:
    """A user with ``role`` in the owner's tenant, signed in through /auth/login."""
    user_id, email = await insert_user(connection, settings, owner, role)
    response = await owner.http.post(
        "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    return TenantClient(
        http=owner.http,
        tenant_id=owner.tenant_id,
        user_id=str(user_id),
        email=email,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )
