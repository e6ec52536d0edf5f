"""The permission table, walked for real: every operation of the API, called by every role.

The operations come from the app's own OpenAPI schema, so a new route joins the walk by
itself. Path parameters are random ids and bodies are empty: a refusal for the role
comes before any lookup or validation, so what decides a 403 is the role alone. Which
roles are refused must match ``ROLE_PERMISSIONS`` exactly, for the permission the 403
names; and on a hard-locked account every write is refused (402) while reads and the
owner's upgrade stay open.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings
from app.core.permissions import ROLE_PERMISSIONS, WRITE_PERMISSIONS, Permission
from app.main import create_app
from app.services import jobs
from app.utils.clock import today_ist
from tests.conftest import transactional_client
from tests.support import TenantClient, add_member, assert_problem, register_tenant, set_tenant

ROLES = ("owner", "admin", "accountant", "viewer")
BODY_METHODS = {"POST", "PUT", "PATCH"}
WRITE_METHODS = BODY_METHODS | {"DELETE"}
NOT_WALKED = {("GET", "/health"), ("GET", "/ready"), ("POST", "/api/v1/auth/logout")}
# Signed-in operations every user may call about themselves, with no permission to hold.
SELF_SERVICE = {
    ("GET", "/api/v1/auth/me"),
    ("POST", "/api/v1/auth/change-password"),
    ("GET", "/api/v1/auth/sessions"),
    ("POST", "/api/v1/auth/sessions/revoke-others"),
    ("DELETE", "/api/v1/auth/me"),
}
MIN_OPERATIONS = 60

Operation = tuple[str, str]  # (METHOD, path template)


# -- the operations ------------------------------------------------------------------------


async def walked_operations(app: Any, http: httpx.AsyncClient) -> list[Operation]:
    """Every documented operation but the health probes, logout and the public auth flows
    (sign-up, login, links from emails): an auth operation is walked only if it answers
    401 without a token, i.e. it is about a signed-in user."""
    operations = []
    for path, methods in app.openapi()["paths"].items():
        for method in sorted(methods):
            operation = (method.upper(), path)
            if operation in NOT_WALKED:
                continue
            if path.startswith("/api/v1/auth/"):
                kwargs: dict[str, Any] = {"json": {}} if operation[0] in BODY_METHODS else {}
                anonymous = await http.request(operation[0], path, **kwargs)
                if anonymous.status_code != 401:
                    continue
            operations.append(operation)
    return operations


def concrete(path: str) -> str:
    return re.sub(r"\{[^}/]+\}", lambda _: str(uuid.uuid4()), path)


async def call(member: TenantClient, operation: Operation) -> httpx.Response:
    method, path = operation
    kwargs: dict[str, Any] = {"json": {}} if method in BODY_METHODS else {}
    return await member.request(method, concrete(path), **kwargs)


def missing_query_parameter(response: httpx.Response) -> bool:
    if response.status_code != 422:
        return False
    errors = response.json().get("errors", [])
    return bool(errors) and all(
        e["field"].startswith("query.") and e["type"] == "missing" for e in errors
    )


def label(operation: Operation) -> str:
    return " ".join(operation)


# -- the walk ------------------------------------------------------------------------------


async def test_every_operation_refuses_exactly_the_roles_without_its_permission(
    app: Any, tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    members = {role: await add_member(connection, settings, tenant, role) for role in ROLES}
    operations = await walked_operations(app, tenant.http)
    assert len(operations) > MIN_OPERATIONS, len(operations)
    assert set(operations) >= SELF_SERVICE

    server_errors: list[str] = []
    unauthenticated: list[str] = []
    unnamed_refusals: list[str] = []
    refused: dict[Operation, dict[str, str]] = {}  # operation -> role -> permission
    for operation in operations:
        refused[operation] = {}
        for role, member in members.items():
            response = await call(member, operation)
            where = f"{label(operation)} as {role}: {response.status_code} {response.text[:200]}"
            if response.status_code >= 500:
                server_errors.append(where)
            elif response.status_code == 401:
                unauthenticated.append(where)
            elif response.status_code == 403:
                body = assert_problem(response, 403, "forbidden")
                if "required_permission" not in body:
                    unnamed_refusals.append(where)
                else:
                    refused[operation][role] = body["required_permission"]
    assert server_errors == []
    assert unauthenticated == []
    assert unnamed_refusals == []

    mismatches: list[str] = []
    for operation, by_role in refused.items():
        named = set(by_role.values())
        if len(named) > 1:
            mismatches.append(f"{label(operation)}: roles name different permissions {by_role}")
            continue
        permission = Permission(named.pop()) if named else Permission.READ
        expected = {role for role in ROLES if permission not in ROLE_PERMISSIONS[role]}
        if set(by_role) != expected:
            mismatches.append(
                f"{label(operation)} needs {permission}: refused {sorted(by_role)}, "
                f"the table refuses {sorted(expected)}"
            )
    assert mismatches == []

    def needs(operation: Operation) -> str:
        return next(iter(refused[operation].values()), Permission.READ.value)

    def refused_roles(operation: Operation) -> set[str]:
        return set(refused[operation])

    customers = ("POST", "/api/v1/customers")
    assert needs(customers) == "write_documents"
    assert "accountant" not in refused_roles(customers)
    assert "viewer" in refused_roles(customers)
    assert needs(("POST", "/api/v1/companies")) == "manage_settings"
    assert "accountant" in refused_roles(("POST", "/api/v1/companies"))
    assert refused_roles(("GET", "/api/v1/audit-logs")) == {"accountant", "viewer"}
    assert refused_roles(("POST", "/api/v1/tenants/upgrade")) == {"admin", "accountant", "viewer"}
    assert needs(("POST", "/api/v1/tenants/upgrade")) == "manage_billing"
    assert needs(("POST", "/api/v1/users")) == "manage_users"
    assert "accountant" in refused_roles(("POST", "/api/v1/users"))
    assert refused_roles(("GET", "/api/v1/customers")) == set()
    # An operation nobody was refused is a read: every write is guarded, none is open to
    # a viewer (but a signed-in user's own business, such as their password).
    open_writes = [
        label(op)
        for op in operations
        if op[0] in WRITE_METHODS and "viewer" not in refused[op] and op not in SELF_SERVICE
    ]
    assert open_writes == []


# -- hard lock -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def locked_app(settings: Settings) -> AsyncIterator[Any]:
    """The app under the hard-lock policy (no second job worker). Its start-up installs
    its own job runtime for the process: the test app's is put back afterwards."""
    locked_settings = settings.model_copy(
        update={"AFTER_TRIAL_POLICY": "hard_lock", "RUN_WORKER_IN_PROCESS": False}
    )
    application = create_app(locked_settings)
    saved = jobs.runtime()
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        jobs.set_runtime(saved)


@pytest.fixture
async def locked_http(
    locked_app: Any, connection: AsyncConnection
) -> AsyncIterator[httpx.AsyncClient]:
    async with transactional_client(locked_app, connection, locked_app.state.settings) as http:
        yield http


async def end_trial(connection: AsyncConnection, owner: TenantClient, days_ago: int) -> None:
    await set_tenant(connection, owner.tenant_id)
    today = today_ist()
    await connection.execute(
        text("UPDATE subscriptions SET trial_end_date = :end, trial_start_date = :start"),
        {"end": today - timedelta(days=days_ago), "start": today - timedelta(days=14 + days_ago)},
    )


async def new_customer(member: TenantClient) -> httpx.Response:
    return await member.post("/api/v1/customers", json={"name": "Locked Buyer", "state_code": "29"})


async def test_in_the_grace_days_writes_still_work(
    locked_http: httpx.AsyncClient, connection: AsyncConnection
) -> None:
    owner = await register_tenant(locked_http)
    await end_trial(connection, owner, days_ago=1)

    created = await new_customer(owner)
    assert created.status_code == 201, created.text
    assert created.headers["X-Upgrade-Prompt"] == "grace"
    subscription = await owner.get("/api/v1/tenants/subscription")
    assert subscription.json()["access"] == "grace"
    assert subscription.headers["X-Upgrade-Prompt"] == "grace"


async def test_a_locked_account_is_read_only_until_the_owner_upgrades(
    locked_app: Any,
    locked_http: httpx.AsyncClient,
    connection: AsyncConnection,
    settings: Settings,
) -> None:
    owner = await register_tenant(locked_http)
    accountant = await add_member(connection, settings, owner, "accountant")
    viewer = await add_member(connection, settings, owner, "viewer")
    await end_trial(connection, owner, days_ago=5)
    subscription = await owner.get("/api/v1/tenants/subscription")
    assert subscription.json()["access"] == "locked"
    assert subscription.headers["X-Upgrade-Prompt"] == "locked"

    operations = await walked_operations(locked_app, locked_http)
    assert len(operations) > MIN_OPERATIONS
    wrong: list[str] = []
    for operation in operations:
        # The role is checked before the lock: the viewer's 403 names what the call needs.
        refusal = await call(viewer, operation)
        permission = Permission.READ
        if refusal.status_code == 403:
            permission = Permission(refusal.json()["required_permission"])
        response = await call(owner, operation)
        status = response.status_code
        where = f"{label(operation)} ({permission}): {status} {response.text[:200]}"
        if operation[0] == "GET":
            # 422 only for a required query parameter the walk does not send.
            if status not in (200, 404) and not missing_query_parameter(response):
                wrong.append(where)
            elif status == 200 and response.headers.get("X-Upgrade-Prompt") != "locked":
                wrong.append(f"{where} (no X-Upgrade-Prompt: locked)")
        elif permission in WRITE_PERMISSIONS:
            if status != 402 or not response.json()["type"].endswith("/account-read-only"):
                wrong.append(where)
        elif status in (401, 402) or status >= 500:  # billing and one's password stay open
            wrong.append(where)
    assert_problem(await new_customer(accountant), 402, "account-read-only")

    upgraded = await owner.post(
        "/api/v1/tenants/upgrade", json={"plan": "yearly", "payment_reference": "UTR424242"}
    )
    assert upgraded.status_code == 200, upgraded.text
    assert (upgraded.json()["access"], upgraded.json()["plan"]) == ("paid", "yearly")
    for member in (owner, accountant):
        created = await new_customer(member)
        assert created.status_code == 201, created.text
        assert "X-Upgrade-Prompt" not in created.headers
    # Last, so everything above is checked even when the walk found a wrong answer.
    assert wrong == [], "\n".join(wrong)
