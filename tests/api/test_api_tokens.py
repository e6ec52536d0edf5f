"""API tokens over HTTP: created once (the secret shown once), used as bearer tokens with
their own role, revoked, expired, isolated per tenant and kept to paid plans and the trial.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings
from app.utils.clock import today_ist
from tests.support import TenantClient, add_member, assert_problem, set_tenant

TOKENS = "/api/v1/api-tokens"
CUSTOMERS = "/api/v1/customers"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_token(creator: TenantClient, role: str = "viewer", **extra: Any) -> dict[str, Any]:
    response = await creator.post(TOKENS, json={"name": f"{role} export", "role": role, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def use(http: httpx.AsyncClient, secret: str, method: str = "GET", **kwargs: Any) -> Any:
    return await http.request(method, CUSTOMERS, headers=bearer(secret), **kwargs)


async def end_trial(connection: AsyncConnection, owner: TenantClient, days_ago: int = 1) -> None:
    await set_tenant(connection, owner.tenant_id)
    today = today_ist()
    await connection.execute(
        text("UPDATE subscriptions SET trial_end_date = :end, trial_start_date = :start"),
        {"end": today - timedelta(days=days_ago), "start": today - timedelta(days=14 + days_ago)},
    )


async def listed_tokens(owner: TenantClient) -> list[dict[str, Any]]:
    response = await owner.get(TOKENS, params={"page_size": 100})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_token_is_shown_once_and_works_as_a_bearer_token(tenant: TenantClient) -> None:
    created = await create_token(tenant, "accountant")
    secret = created["token"]
    assert secret.startswith("rms_") and len(secret) > 30
    assert created["token_prefix"] == secret[:12]
    assert (created["role"], created["name"]) == ("accountant", "accountant export")
    assert created["created_by"] == tenant.user_id
    assert created["revoked_at"] is None and created["expires_at"] is None
    assert created["last_used_at"] is None

    response = await tenant.get(TOKENS)
    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    assert item["id"] == created["id"]
    assert item["token_prefix"] == secret[:12]
    assert "token" not in item
    assert secret not in response.text

    listed = await use(tenant.http, secret)
    assert listed.status_code == 200, listed.text
    made = await use(tenant.http, secret, "POST", json={"name": "Token Buyer", "state_code": "29"})
    assert made.status_code == 201, made.text
    # The token acts for its creator, so its writes are attributed to them.
    audit = await tenant.get(
        "/api/v1/audit-logs", params={"entity_id": made.json()["id"], "entity_type": "customer"}
    )
    assert [row["user_id"] for row in audit.json()["items"]] == [tenant.user_id]

    (used,) = await listed_tokens(tenant)
    assert used["last_used_at"] is not None


async def test_a_tokens_role_limits_it(tenant: TenantClient) -> None:
    secret = (await create_token(tenant, "viewer"))["token"]
    assert (await use(tenant.http, secret)).status_code == 200
    body = assert_problem(
        await use(tenant.http, secret, "POST", json={"name": "Nope", "state_code": "29"}),
        403,
        "forbidden",
    )
    assert body["required_permission"] == "write_documents"
    # A viewer token cannot manage tokens, even though its creator can.
    refused = await tenant.http.post(
        TOKENS, json={"name": "escalate", "role": "admin"}, headers=bearer(secret)
    )
    assert assert_problem(refused, 403, "forbidden")["required_permission"] == "manage_users"
    assert (await use(tenant.http, secret)).status_code == 200


async def test_who_may_create_which_tokens(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    admin = await add_member(connection, settings, tenant, "admin")
    assert (await create_token(admin, "admin"))["created_by"] == admin.user_id

    for role in ("accountant", "viewer"):
        member = await add_member(connection, settings, tenant, role)
        response = await member.post(TOKENS, json={"name": "mine", "role": "viewer"})
        assert assert_problem(response, 403, "forbidden")["required_permission"] == "manage_users"
        assert_problem(await member.get(TOKENS), 403, "forbidden")

    # There are no owner tokens: billing stays with people.
    owner_token = await tenant.post(TOKENS, json={"name": "all of it", "role": "owner"})
    assert_problem(owner_token, 422, "validation-error")
    assert len(await listed_tokens(tenant)) == 1


async def test_an_admin_token_cannot_touch_ownership_or_billing(tenant: TenantClient) -> None:
    secret = (await create_token(tenant, "admin"))["token"]
    upgrade = await tenant.http.post(
        "/api/v1/tenants/upgrade",
        json={"plan": "monthly", "payment_reference": "UTR12345"},
        headers=bearer(secret),
    )
    assert assert_problem(upgrade, 403, "forbidden")["required_permission"] == "manage_billing"
    demote = await tenant.http.put(
        f"/api/v1/users/{tenant.user_id}", json={"role": "viewer"}, headers=bearer(secret)
    )
    assert_problem(demote, 403, "forbidden")


async def test_a_revoked_token_stops_working(tenant: TenantClient) -> None:
    created = await create_token(tenant, "viewer")
    assert (await use(tenant.http, created["token"])).status_code == 200

    revoked = await tenant.delete(f"{TOKENS}/{created['id']}")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert "token" not in revoked.json()

    assert_problem(await use(tenant.http, created["token"]), 401, "unauthorized")
    assert_problem(await tenant.delete(f"{TOKENS}/{created['id']}"), 409, "conflict")
    (item,) = await listed_tokens(tenant)
    assert item["revoked_at"] is not None
    actions = await tenant.get("/api/v1/audit-logs", params={"entity_id": created["id"]})
    assert sorted(row["action"] for row in actions.json()["items"]) == [
        "api_token.created",
        "api_token.revoked",
    ]


async def test_tokens_are_per_tenant(tenant: TenantClient, other_tenant: TenantClient) -> None:
    theirs = await create_token(other_tenant, "admin")
    ours = await create_token(tenant, "viewer")

    assert_problem(await tenant.delete(f"{TOKENS}/{theirs['id']}"), 404, "not-found")
    assert_problem(await tenant.delete(f"{TOKENS}/{uuid.uuid4()}"), 404, "not-found")
    assert [item["id"] for item in await listed_tokens(tenant)] == [ours["id"]]
    assert [item["id"] for item in await listed_tokens(other_tenant)] == [theirs["id"]]
    # Their token still works, and for their data only.
    await other_tenant.create(CUSTOMERS, {"name": "Their Buyer", "state_code": "27"})
    seen = await use(tenant.http, theirs["token"])
    assert seen.status_code == 200, seen.text
    assert [c["name"] for c in seen.json()["items"]] == ["Their Buyer"]
    assert (await use(tenant.http, ours["token"])).json()["items"] == []


async def test_unknown_tokens_are_unauthorized(client: httpx.AsyncClient) -> None:
    for secret in ("rms_xxx", "rms_" + "A" * 43, "rms_"):
        assert_problem(await use(client, secret), 401, "unauthorized")


async def test_an_expired_token_is_unauthorized(
    tenant: TenantClient, connection: AsyncConnection
) -> None:
    created = await create_token(tenant, "viewer", expires_in_days=1)
    expires_at = datetime.fromisoformat(created["expires_at"])
    assert timedelta(hours=23) < expires_at - datetime.now(UTC) <= timedelta(days=1)
    assert (await use(tenant.http, created["token"])).status_code == 200

    await set_tenant(connection, tenant.tenant_id)
    await connection.execute(
        text("UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = :id"),
        {"id": uuid.UUID(created["id"])},
    )
    assert_problem(await use(tenant.http, created["token"]), 401, "unauthorized")


async def test_expiry_must_be_a_positive_whole_number_of_days(tenant: TenantClient) -> None:
    for days in (0, -1, 3651, "30", 1.5):
        response = await tenant.post(TOKENS, json={"name": "odd", "expires_in_days": days})
        assert_problem(response, 422, "validation-error")
    assert await listed_tokens(tenant) == []


async def test_the_free_tier_has_no_api_tokens(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    secret = (await create_token(tenant, "viewer"))["token"]
    await end_trial(connection, tenant)

    refused = await tenant.post(TOKENS, json={"name": "after the trial"})
    body = assert_problem(refused, 402, "plan-limit-exceeded")
    assert body["resource"] == "api_tokens"
    assert body["upgrade_url"] == settings.UPGRADE_URL
    assert_problem(await use(tenant.http, secret), 402, "plan-limit-exceeded")
    assert len(await listed_tokens(tenant)) == 1

    # Upgrading brings the existing token back.
    upgraded = await tenant.post(
        "/api/v1/tenants/upgrade", json={"plan": "monthly", "payment_reference": "UTR55555"}
    )
    assert upgraded.status_code == 200, upgraded.text
    assert (await use(tenant.http, secret)).status_code == 200


async def test_a_removed_users_tokens_stop_working(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    """Removing (or deactivating) someone ends all their access, including the API tokens
    they made: an admin who leaves must not keep an admin token that acts in their name."""
    admin = await add_member(connection, settings, tenant, "admin")
    removed_admins = (await create_token(admin, "admin"))["token"]
    deactivated = await add_member(connection, settings, tenant, "admin")
    deactivated_admins = (await create_token(deactivated, "admin"))["token"]

    assert (await tenant.delete(f"/api/v1/users/{admin.user_id}")).status_code == 204
    response = await tenant.put(f"/api/v1/users/{deactivated.user_id}", json={"is_active": False})
    assert response.status_code == 200, response.text

    answers = [
        (await use(tenant.http, s)).status_code for s in (removed_admins, deactivated_admins)
    ]
    assert answers == [401, 401]
