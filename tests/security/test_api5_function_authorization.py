"""API5 Broken Function Level Authorization: calling what one's role does not allow.

``tests/api/test_role_matrix.py`` walks every operation with a signed-in user of every
role. Here the same walk is made with API tokens of every role (a token is a principal
of its own, with a role no higher than its creator's), a token outlives neither its
creator's role nor a demotion, and the method cannot be smuggled past the check in an
override header or query parameter.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings
from app.core.permissions import ROLE_PERMISSIONS, Permission
from tests.api.test_role_matrix import Operation, call, label, walked_operations
from tests.support import TenantClient, add_member, assert_problem

API = "/api/v1"
TOKEN_ROLES = ("admin", "accountant", "viewer")
# A person's own business (their sessions, their personal data): an API token is not a
# person, so it may be refused there whatever its role; sessions it must be refused.
PERSONAL = f"{API}/auth/"
SESSIONS = f"{API}/auth/sessions"


def bearer_client(http: httpx.AsyncClient, secret: str) -> TenantClient:
    return TenantClient(http, "", "", "", secret, "")


async def api_token(creator: TenantClient, role: str) -> TenantClient:
    created = await creator.post(f"{API}/api-tokens", json={"name": f"{role} CI", "role": role})
    assert created.status_code == 201, created.text
    return bearer_client(creator.http, created.json()["token"])


async def needed_permissions(
    viewer: TenantClient, operations: list[Operation]
) -> dict[Operation, Permission]:
    """What each operation needs, as a signed-in viewer's refusals name it (a viewer holds
    nothing but READ, so every other operation refuses it and says what it needs)."""
    needs = {}
    for operation in operations:
        response = await call(viewer, operation)
        needs[operation] = Permission.READ
        if response.status_code == 403:
            needs[operation] = Permission(response.json()["required_permission"])
    return needs


async def test_api_tokens_of_every_role_are_held_to_the_permission_table(
    app: Any, tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    viewer = await add_member(connection, settings, tenant, "viewer")
    operations = await walked_operations(app, tenant.http)
    needs = await needed_permissions(viewer, operations)
    assert len(set(needs.values())) == len(Permission), set(needs.values())  # the control
    tokens = {role: await api_token(tenant, role) for role in TOKEN_ROLES}
    personal = [op for op in operations if op[1].startswith(PERSONAL)]
    assert {needs[op] for op in personal} == {Permission.READ}, personal  # no role needed

    wrong = []
    for operation in operations:
        permission = needs[operation]
        for role, token in tokens.items():
            response = await call(token, operation)
            allowed = permission in ROLE_PERMISSIONS[role]
            where = f"{label(operation)} ({permission}) by a {role} token: {response.status_code}"
            status = response.status_code
            if status >= 500 or status == 401:
                wrong.append(where)
            elif operation[1].startswith(SESSIONS) and status != 403:
                wrong.append(f"{where}, expected 403: tokens do not manage sessions")
            elif operation[1].startswith(PERSONAL):
                if status == 403 and "required_permission" in response.json():
                    wrong.append(f"{where}: a person's own business needs no permission")
            elif status == 403:
                body = assert_problem(response, 403, "forbidden")
                if allowed:
                    wrong.append(f"{where}, expected to be let through")
                elif body.get("required_permission") != permission.value:
                    wrong.append(f"{where} names {body.get('required_permission')}")
            elif not allowed:
                wrong.append(f"{where}, expected 403")
    assert wrong == [], "\n".join(wrong)


async def test_a_token_never_has_more_rights_than_its_creator_has_now(
    client: httpx.AsyncClient, tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    """An admin's token, minted while admin, must not keep admin rights once the admin is
    demoted: the token acts for its creator, capped by the creator's current role."""
    admin = await add_member(connection, settings, tenant, "admin")
    token = await api_token(admin, "admin")
    writes = {
        f"{API}/customers": {"name": "After the demotion", "state_code": "27"},
        f"{API}/client-types": {"name": "After the demotion"},
        f"{API}/api-tokens": {"name": "Minted after the demotion", "role": "admin"},
    }
    allowed = await token.post(f"{API}/client-types", json={"name": "Made by the token"})
    assert allowed.status_code == 201, allowed.text  # the control

    demoted = await tenant.put(f"{API}/users/{admin.user_id}", json={"role": "viewer"})
    assert demoted.status_code == 200, demoted.text
    accepted = []
    for url, body in writes.items():
        response = await token.post(url, json=body)
        if response.status_code not in (401, 403):
            accepted.append(f"POST {url}: {response.status_code} {response.text[:120]}")
    assert accepted == []
    # The demoted admin's own session is a viewer's at once, as the role matrix shows.
    assert_problem(await admin.post(f"{API}/client-types", json={"name": "x"}), 403, "forbidden")


async def test_the_method_cannot_be_overridden_past_the_check(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    viewer = await add_member(connection, settings, tenant, "viewer")
    customer = await tenant.create(f"{API}/customers", {"name": "Kept", "state_code": "27"})
    url = f"{API}/customers/{customer['id']}"
    for header in ("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"):
        response = await viewer.get(url, headers={header: "DELETE"})
        assert response.status_code == 200, response.text
        response = await viewer.post(url, headers={header: "DELETE"})
        assert_problem(response, 405, "method-not-allowed")
    response = await viewer.get(url, params={"_method": "DELETE"})
    assert response.status_code == 200
    assert (await tenant.get(url)).json()["archived_at"] is None
