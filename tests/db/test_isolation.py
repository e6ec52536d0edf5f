"""Tenant isolation, wall two: the database itself, as the runtime role, under RLS."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker

from app.core.database import create_engine, set_tenant
from app.crud.identity import SESSION_PRINCIPAL
from app.models import Customer, User
from app.utils.ids import uuid7
from tests.db.graph import graph_ids, tenant_graph, tenant_owned_tables
from tests.support import TenantClient, register_tenant

SET_TENANT = text("SELECT set_config('app.tenant_id', :tenant, true)")


async def _as_tenant(conn: AsyncConnection, tenant_id: uuid.UUID | str) -> None:
    await conn.execute(SET_TENANT, {"tenant": str(tenant_id)})


async def _seed(conn: AsyncConnection, tenant_id: uuid.UUID) -> list[Any]:
    await _as_tenant(conn, tenant_id)
    rows = tenant_graph(tenant_id)
    for table, values in rows:
        await conn.execute(insert(table).values(**values))
    return rows


async def _sqlstate(conn: AsyncConnection, statement: Any, params: Any = None) -> str | None:
    """Run ``statement`` in a savepoint; return the SQLSTATE it failed with (None if it ran)."""
    try:
        async with conn.begin_nested():
            await conn.execute(statement, params)
    except DBAPIError as exc:
        return getattr(exc.orig, "sqlstate", None) or "unknown"
    return None


async def test_runtime_role_is_not_privileged(connection: AsyncConnection) -> None:
    role = (
        await connection.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        )
    ).one()
    assert role.rolsuper is False and role.rolbypassrls is False
    owners = (
        await connection.execute(
            text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        )
    ).scalars()
    assert "rms_app" not in set(owners)


async def test_every_tenant_table_has_forced_rls(connection: AsyncConnection) -> None:
    names = [t.name for t in tenant_owned_tables()] + ["tenants"]
    rows = (
        await connection.execute(
            text(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE relname = ANY(:names) AND relkind = 'r'"
            ),
            {"names": names},
        )
    ).all()
    assert {r.relname for r in rows} == set(names)
    assert all(r.relrowsecurity and r.relforcerowsecurity for r in rows), rows
    policies = (
        await connection.execute(
            text("SELECT tablename FROM pg_policies WHERE policyname = 'tenant_isolation'")
        )
    ).scalars()
    assert set(names) <= set(policies)


async def test_select_without_where_sees_only_own_tenant(connection: AsyncConnection) -> None:
    tenant_a, tenant_b = uuid7(), uuid7()
    await _seed(connection, tenant_a)
    await _seed(connection, tenant_b)
    await _as_tenant(connection, tenant_a)
    for table in tenant_owned_tables():
        seen = (
            await connection.execute(text(f"SELECT DISTINCT tenant_id FROM {table.name}"))
        ).scalars()
        assert list(seen) == [tenant_a], table.name
    tenants = (await connection.execute(text("SELECT id FROM tenants"))).scalars()
    assert list(tenants) == [tenant_a]


async def test_insert_or_update_into_another_tenant_is_refused(connection: AsyncConnection) -> None:
    tenant_a, tenant_b = uuid7(), uuid7()
    await _seed(connection, tenant_b)
    await _seed(connection, tenant_a)
    # Tenant A's transaction tries to write rows that carry B's tenant_id.
    customer = insert(Customer.__table__).values(
        tenant_id=tenant_b, code="X-1", name="Intruder", state_code="27"
    )
    assert await _sqlstate(connection, customer) == "42501"
    audit = text(
        "INSERT INTO audit_logs (tenant_id, id, action, entity_type) "
        "VALUES (:t, gen_random_uuid(), 'x', 'y')"
    )
    assert await _sqlstate(connection, audit, {"t": tenant_b}) == "42501"
    assert (
        await _sqlstate(connection, text("UPDATE customers SET tenant_id = :t"), {"t": tenant_b})
        == "42501"
    )
    # B's rows are invisible, so an UPDATE or DELETE of them touches nothing.
    await _as_tenant(connection, tenant_a)
    result = await connection.execute(
        text("UPDATE customers SET name = 'hijacked' WHERE tenant_id = :t"), {"t": tenant_b}
    )
    assert result.rowcount == 0


async def test_database_rejects_a_reference_to_another_tenants_row(
    connection: AsyncConnection,
) -> None:
    tenant_a, tenant_b = uuid7(), uuid7()
    rows_b = await _seed(connection, tenant_b)
    rows_a = await _seed(connection, tenant_a)
    b_customer = graph_ids(rows_b)["customer"]
    a_company = graph_ids(rows_a)["company"]
    await _as_tenant(connection, tenant_a)
    invoice = text(
        "INSERT INTO invoices (tenant_id, id, company_id, customer_id, invoice_date, "
        "place_of_supply, supply_type) VALUES (:t, gen_random_uuid(), :company, :customer, "
        "current_date, '27', 'intra_state')"
    )
    params = {"t": tenant_a, "company": a_company, "customer": b_customer}
    assert await _sqlstate(connection, invoice, params) == "23503"


async def test_no_tenant_set_sees_nothing(connection: AsyncConnection) -> None:
    tenant = uuid7()
    await _seed(connection, tenant)
    await connection.execute(text("SELECT set_config('app.tenant_id', '', true)"))
    for table in tenant_owned_tables():
        count = (await connection.execute(text(f"SELECT count(*) FROM {table.name}"))).scalar()
        assert count == 0, table.name
    insert_without_tenant = insert(Customer.__table__).values(
        tenant_id=tenant, code="X-2", name="Nobody", state_code="27"
    )
    assert await _sqlstate(connection, insert_without_tenant) == "42501"


async def test_session_principal_scopes_the_transaction_to_a_live_session_of_its_tenant(
    connection: AsyncConnection,
) -> None:
    tenant_a, tenant_b = uuid7(), uuid7()
    ids_b = graph_ids(await _seed(connection, tenant_b))
    ids_a = graph_ids(await _seed(connection, tenant_a))
    await connection.execute(text("SELECT set_config('app.tenant_id', '', true)"))
    now = datetime.now(UTC)

    async def principal(tenant: uuid.UUID, ids: dict[str, Any]) -> Any:
        values = {"tenant_id": tenant, "session_id": ids["session"], "user_id": ids["user"]}
        return (await connection.execute(SESSION_PRINCIPAL, {**values, "now": now})).first()

    found = await principal(tenant_a, ids_a)
    assert (found.user_id, found.tenant_id, found.plan) == (ids_a["user"], tenant_a, "trial")
    seen = await connection.execute(text("SELECT DISTINCT tenant_id FROM customers"))
    assert list(seen.scalars()) == [tenant_a]  # the rest of the transaction is A's
    assert await principal(tenant_a, ids_b) is None  # B's session named under A's tenant
    assert await principal(tenant_b, ids_a) is None
    await _as_tenant(connection, tenant_a)
    await connection.execute(text("UPDATE sessions SET revoked_at = now()"))
    assert await principal(tenant_a, ids_a) is None


@pytest.fixture
async def two_live_tenants(live_client: httpx.AsyncClient) -> tuple[TenantClient, TenantClient]:
    first = await register_tenant(live_client, company="First Co")
    second = await register_tenant(live_client, company="Second Co")
    for owner, name in ((first, "Alpha Buyer"), (second, "Beta Buyer")):
        await owner.create("/api/v1/customers", {"name": name, "state_code": "27"})
    return first, second


async def test_fresh_connection_without_tenant_sees_no_committed_rows(
    engine: AsyncEngine, two_live_tenants: tuple[TenantClient, TenantClient]
) -> None:
    async with engine.connect() as conn:
        for table in ("users", "customers", "tenants", "audit_logs"):
            assert (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar() == 0


async def test_interleaved_tenants_on_one_pooled_connection(
    settings: Any, two_live_tenants: tuple[TenantClient, TenantClient]
) -> None:
    """Twenty transactions of two tenants share one connection; none sees the other."""
    assert settings.DATABASE_URL
    single = create_engine(settings.DATABASE_URL, settings, pool_size=1, max_overflow=0)
    maker = async_sessionmaker(single, expire_on_commit=False)
    first, second = two_live_tenants
    backends: set[int] = set()

    async def request_as(owner: TenantClient) -> None:
        async with maker() as session, session.begin():
            await set_tenant(session, uuid.UUID(owner.tenant_id))
            backends.add((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())
            users = (await session.execute(select(User.tenant_id))).scalars().all()
            customers = (await session.execute(select(Customer.name))).scalars().all()
            await asyncio.sleep(0)
            assert {str(u) for u in users} == {owner.tenant_id}
            assert customers == ["Alpha Buyer" if owner is first else "Beta Buyer"]
        async with maker() as session:  # the next transaction on that connection: no tenant
            assert (await session.execute(select(User.id))).first() is None

    try:
        await asyncio.gather(*(request_as(first if i % 2 else second) for i in range(20)))
    finally:
        await single.dispose()
    assert len(backends) == 1


async def test_interleaved_api_requests_never_mix_tenants(
    two_live_tenants: tuple[TenantClient, TenantClient],
) -> None:
    first, second = two_live_tenants

    async def list_names(owner: TenantClient) -> tuple[TenantClient, list[str]]:
        response = await owner.get("/api/v1/customers")
        assert response.status_code == 200
        return owner, [c["name"] for c in response.json()["items"]]

    results = await asyncio.gather(*(list_names(first if i % 2 else second) for i in range(30)))
    for owner, names in results:
        assert names == (["Alpha Buyer"] if owner is first else ["Beta Buyer"])
