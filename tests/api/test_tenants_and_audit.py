"""The tenant profile and subscription, and the audit trail (filters, order, append-only)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.core.config import Settings
from app.core.database import set_tenant as app_set_tenant
from app.core.dependencies import RequestInfo
from app.services.audit import AuditService
from app.utils.clock import today_ist
from tests.support import (
    TenantClient,
    add_member,
    assert_problem,
    set_tenant,
)

TENANT = "/api/v1/tenants/me"
SUBSCRIPTION = "/api/v1/tenants/subscription"
AUDIT = "/api/v1/audit-logs"
CUSTOMERS = "/api/v1/customers"


async def audit_rows(tenant: TenantClient, **params: Any) -> list[dict[str, Any]]:
    response = await tenant.get(AUDIT, params={"page_size": 100, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    items: list[dict[str, Any]] = body["items"]
    return items


# --------------------------------------------------------------------------- tenant profile


async def test_get_my_tenant(tenant: TenantClient) -> None:
    response = await tenant.get(TENANT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == tenant.tenant_id
    assert body["name"] == "Acme Traders"
    assert body["email"] == tenant.email
    assert body["status"] == "active"
    assert body["is_trial_used"] is True
    assert body["trial_start_date"] == today_ist().isoformat()
    assert body["trial_end_date"] == (today_ist() + timedelta(days=14)).isoformat()


async def test_each_tenant_sees_only_itself(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    mine = (await tenant.get(TENANT)).json()
    theirs = (await other_tenant.get(TENANT)).json()
    assert mine["id"] == tenant.tenant_id
    assert theirs["id"] == other_tenant.tenant_id


async def test_update_my_tenant_is_audited(tenant: TenantClient) -> None:
    response = await tenant.put(
        TENANT, json={"name": "Acme Traders LLP", "email": "Billing@Acme.IN"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Acme Traders LLP"
    assert body["email"] == "billing@acme.in"
    assert (await tenant.get(TENANT)).json()["name"] == "Acme Traders LLP"

    rows = await audit_rows(tenant, action="tenant.updated")
    assert len(rows) == 1
    row = rows[0]
    assert (row["entity_type"], row["entity_id"], row["user_id"]) == (
        "tenant",
        tenant.tenant_id,
        tenant.user_id,
    )
    assert row["changes"]["before"]["name"] == "Acme Traders"
    assert row["changes"]["after"]["name"] == "Acme Traders LLP"
    assert row["changes"]["after"]["email"] == "billing@acme.in"
    assert set(row["changes"]["after"]) <= {"name", "email", "updated_at"}


async def test_update_my_tenant_refuses_protected_fields(tenant: TenantClient) -> None:
    for name, value in (
        ("status", "suspended"),
        ("trial_end_date", "2099-01-01"),
        ("id", str(uuid.uuid4())),
    ):
        response = await tenant.put(TENANT, json={name: value})
        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["type"] == "extra_forbidden", name
    body = (await tenant.get(TENANT)).json()
    assert (body["status"], body["id"]) == ("active", tenant.tenant_id)


async def test_only_managers_update_the_tenant(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    viewer = await add_member(connection, settings, tenant, "viewer")
    accountant = await add_member(connection, settings, tenant, "accountant")
    admin = await add_member(connection, settings, tenant, "admin")

    assert (await viewer.get(TENANT)).status_code == 200
    assert_problem(await viewer.put(TENANT, json={"name": "Viewer Co"}), 403, "forbidden")
    assert_problem(await accountant.put(TENANT, json={"name": "Books Co"}), 403, "forbidden")
    response = await admin.put(TENANT, json={"name": "Admin Co"})
    assert response.status_code == 200, response.text
    assert (await tenant.get(TENANT)).json()["name"] == "Admin Co"


# --------------------------------------------------------------------------- subscription


async def test_subscription_right_after_signup(tenant: TenantClient) -> None:
    response = await tenant.get(SUBSCRIPTION)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["plan"] == "trial"
    assert body["status"] == "trialing"
    assert body["trial_days_remaining"] == 14
    assert body["trial_start_date"] == today_ist().isoformat()
    assert date.fromisoformat(body["trial_end_date"]) - today_ist() == timedelta(days=14)
    assert body["cancel_at_period_end"] is False
    assert body["current_period_start"] is None
    assert body["current_period_end"] is None


async def test_subscription_is_readable_by_a_viewer(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    viewer = await add_member(connection, settings, tenant, "viewer")
    response = await viewer.get(SUBSCRIPTION)
    assert response.status_code == 200, response.text
    assert response.json()["plan"] == "trial"


async def test_subscription_requires_authentication(tenant: TenantClient) -> None:
    assert_problem(await tenant.http.get(SUBSCRIPTION), 401, "unauthorized")


# --------------------------------------------------------------------------- audit trail


async def test_signup_is_in_the_audit_trail(tenant: TenantClient) -> None:
    rows = await audit_rows(tenant, action="tenant.registered")
    assert len(rows) == 1
    assert (rows[0]["entity_type"], rows[0]["entity_id"], rows[0]["user_id"]) == (
        "tenant",
        tenant.tenant_id,
        tenant.user_id,
    )
    assert rows[0]["request_id"]


async def test_audit_logs_filters(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    accountant = await add_member(connection, settings, tenant, "accountant")
    retail = await tenant.create("/api/v1/client-types", {"name": "Retail"})
    mine = await tenant.create(CUSTOMERS, {"name": "Owner's Co", "state_code": "27"})
    theirs = await accountant.create(CUSTOMERS, {"name": "Accountant's Co", "state_code": "29"})
    response = await tenant.put(f"{CUSTOMERS}/{mine['id']}", json={"name": "Owner's Co Ltd"})
    assert response.status_code == 200, response.text

    by_action = await audit_rows(tenant, action="customer.created")
    assert {r["entity_id"] for r in by_action} == {mine["id"], theirs["id"]}
    assert {r["action"] for r in by_action} == {"customer.created"}

    by_type = await audit_rows(tenant, entity_type="client_type")
    assert [(r["action"], r["entity_id"]) for r in by_type] == [
        ("client_type.created", retail["id"])
    ]

    by_entity = await audit_rows(tenant, entity_id=mine["id"])
    assert [r["action"] for r in by_entity] == ["customer.updated", "customer.created"]

    by_user = await audit_rows(tenant, user_id=accountant.user_id)
    assert {r["action"] for r in by_user} == {"auth.login", "customer.created"}
    assert [r["entity_id"] for r in by_user if r["action"] == "customer.created"] == [theirs["id"]]

    combined = await audit_rows(tenant, user_id=tenant.user_id, entity_type="customer")
    assert [r["action"] for r in combined] == ["customer.updated", "customer.created"]

    assert await audit_rows(tenant, action="customer.deleted") == []
    assert await audit_rows(tenant, entity_id=str(uuid.uuid4())) == []

    bad = await tenant.get(AUDIT, params={"entity_id": "not-a-uuid"})
    body = assert_problem(bad, 422, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["query.entity_id"]


async def test_audit_logs_date_range(tenant: TenantClient, connection: AsyncConnection) -> None:
    created = await tenant.create(CUSTOMERS, {"name": "Dated Co", "state_code": "27"})
    # Rows take the transaction's timestamp; every request here shares the test's transaction.
    stamp: datetime = (await connection.execute(text("SELECT now()"))).scalar_one()
    second = timedelta(seconds=1)

    async def ids(**params: Any) -> set[str]:
        rows = await audit_rows(tenant, entity_id=created["id"], **params)
        return {r["id"] for r in rows}

    everything = await ids()
    assert len(everything) == 1
    assert await ids(date_from=stamp.isoformat()) == everything  # inclusive
    assert await ids(date_to=(stamp + second).isoformat()) == everything
    assert await ids(date_to=stamp.isoformat()) == set()  # exclusive
    assert await ids(date_from=(stamp + second).isoformat()) == set()
    assert (
        await ids(date_from=(stamp - second).isoformat(), date_to=(stamp + second).isoformat())
        == everything
    )
    assert await ids(date_to=(stamp - timedelta(days=1)).isoformat()) == set()

    bad = await tenant.get(AUDIT, params={"date_from": "yesterday"})
    assert_problem(bad, 422, "validation-error")


async def test_audit_logs_are_newest_first(tenant: TenantClient) -> None:
    names = ["First", "Second", "Third"]
    ids = []
    for name in names:
        ids.append((await tenant.create(CUSTOMERS, {"name": name, "state_code": "27"}))["id"])
        # All rows of one test share the transaction's timestamp; ids (UUIDv7) carry the
        # millisecond, so keep the writes apart by more than that.
        await asyncio.sleep(0.005)

    rows = await audit_rows(tenant, action="customer.created")
    assert [r["entity_id"] for r in rows] == list(reversed(ids))

    everything = await audit_rows(tenant)
    assert everything[0]["entity_id"] == ids[-1]
    assert everything[-1]["action"] == "tenant.registered"

    oldest_first = (await tenant.get(AUDIT, params={"sort": "created_at"})).json()["items"]
    assert oldest_first[0]["action"] == "tenant.registered"
    assert_problem(await tenant.get(AUDIT, params={"sort": "action"}), 422, "validation-error")


async def test_audit_logs_are_per_tenant(tenant: TenantClient, other_tenant: TenantClient) -> None:
    created = await tenant.create(CUSTOMERS, {"name": "Private Co", "state_code": "27"})
    assert await audit_rows(other_tenant, entity_id=created["id"]) == []
    theirs = await audit_rows(other_tenant)
    assert {r["action"] for r in theirs} == {"tenant.registered"}
    assert theirs[0]["entity_id"] == other_tenant.tenant_id


@pytest.mark.parametrize("role", ["viewer", "accountant"])
async def test_audit_logs_need_read_audit(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings, role: str
) -> None:
    member = await add_member(connection, settings, tenant, role)
    assert_problem(await member.get(AUDIT), 403, "forbidden")


async def test_admin_reads_audit_logs(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    admin = await add_member(connection, settings, tenant, "admin")
    response = await admin.get(AUDIT)
    assert response.status_code == 200, response.text
    assert response.json()["total"] >= 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_logs SET action = 'rewritten' WHERE tenant_id = :tid",
        "DELETE FROM audit_logs WHERE tenant_id = :tid",
        "TRUNCATE audit_logs",
    ],
    ids=["update", "delete", "truncate"],
)
async def test_audit_logs_are_append_only_for_the_runtime_role(
    tenant: TenantClient, connection: AsyncConnection, statement: str
) -> None:
    await tenant.create(CUSTOMERS, {"name": "Audited Co", "state_code": "27"})
    await set_tenant(connection, tenant.tenant_id)
    count = text("SELECT count(*) FROM audit_logs WHERE tenant_id = :tid")
    params = {"tid": uuid.UUID(tenant.tenant_id)}
    before = (await connection.execute(count, params)).scalar_one()
    assert before >= 2

    with pytest.raises(DBAPIError) as raised:
        async with connection.begin_nested():
            await connection.execute(text(statement), params)
    assert "permission denied" in str(raised.value).lower()

    await set_tenant(connection, tenant.tenant_id)
    assert (await connection.execute(count, params)).scalar_one() == before
    rewritten = await connection.execute(
        text("SELECT count(*) FROM audit_logs WHERE tenant_id = :tid AND action = 'rewritten'"),
        params,
    )
    assert rewritten.scalar_one() == 0


async def test_audit_rows_of_another_tenant_cannot_be_written(
    tenant: TenantClient, other_tenant: TenantClient, connection: AsyncConnection
) -> None:
    await set_tenant(connection, tenant.tenant_id)
    with pytest.raises(DBAPIError) as raised:
        async with connection.begin_nested():
            await connection.execute(
                text(
                    "INSERT INTO audit_logs (tenant_id, id, action, entity_type)"
                    " VALUES (:tid, :id, 'forged', 'tenant')"
                ),
                {"tid": uuid.UUID(other_tenant.tenant_id), "id": uuid.uuid4()},
            )
    assert "row-level security" in str(raised.value).lower()
    assert await audit_rows(other_tenant, action="forged") == []


async def test_audit_rows_are_written_at_commit_and_dropped_on_rollback(
    tenant: TenantClient, connection: AsyncConnection
) -> None:
    """The trail is queued on the session and inserted just before COMMIT: a rolled-back
    transaction leaves none of its rows, and a later one on the same session only its own."""
    tenant_id = uuid.UUID(tenant.tenant_id)
    async with AsyncSession(
        bind=connection, join_transaction_mode="create_savepoint", autoflush=False
    ) as session:
        await app_set_tenant(session, tenant_id)
        audit = AuditService(session, RequestInfo("203.0.113.9", "pytest", "req-1"))
        audit.record("test.rolled_back", "tenant", tenant_id)
        await session.rollback()
        audit.record("test.committed", "tenant", tenant_id, {"n": Decimal("1.50")})
        await session.commit()
        await session.commit()  # nothing queued: nothing written twice
    rows = await audit_rows(tenant, action="test.committed")
    assert len(rows) == 1
    assert rows[0]["changes"] == {"n": "1.50"} and rows[0]["ip_address"] == "203.0.113.9"
    assert await audit_rows(tenant, action="test.rolled_back") == []
