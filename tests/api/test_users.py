"""Team members over HTTP: invitations by email (accepted through the emailed link), the
member list, role changes under the owner rules, deactivation, removal, the audit trail
and the free tier's one-user limit, against the real app, database and SMTP server.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings
from app.utils.clock import today_ist
from tests.smtp_server import SmtpTestServer, extract_url
from tests.support import (
    PASSWORD,
    TenantClient,
    add_member,
    assert_problem,
    new_email,
    set_tenant,
)

USERS = "/api/v1/users"
AUTH = "/api/v1/auth"
ACCEPT_PREFIX = "http://spa.test/accept-invite?token="
JOINER_PASSWORD = "a-joiners-passphrase"
# 43 URL-safe characters: the shape of a real opaque token, but issued by nobody.
UNKNOWN_TOKEN = "Zm9yZ2VkLXRva2VuLXRoYXQtbm9ib2R5LWV2ZXItaXNz"


# -- helpers -------------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def invite(
    inviter: TenantClient, role: str = "accountant", email: str | None = None
) -> tuple[httpx.Response, str]:
    email = email or new_email("invitee")
    response = await inviter.post(USERS, json={"email": email, "role": role})
    return response, email


async def invitation_mail(smtp: SmtpTestServer, email: str) -> EmailMessage:
    messages = await smtp.wait_for_async(lambda m: m["To"] == email, timeout=10)
    assert len(messages) == 1, [m["Subject"] for m in messages]
    return messages[0]


def token_of(message: EmailMessage) -> str:
    url = extract_url(message, ACCEPT_PREFIX)
    return parse_qs(urlsplit(url).query)["token"][0]


async def accept(
    http: httpx.AsyncClient, token: str, full_name: str = "Ravi Kumar"
) -> httpx.Response:
    return await http.post(
        f"{AUTH}/accept-invite",
        json={"token": token, "full_name": full_name, "password": JOINER_PASSWORD},
    )


async def joined_member(owner: TenantClient, smtp: SmtpTestServer, role: str) -> dict[str, Any]:
    """Invite someone with ``role`` and accept the invitation: the user and their tokens."""
    response, email = await invite(owner, role)
    assert response.status_code == 201, response.text
    accepted = await accept(owner.http, token_of(await invitation_mail(smtp, email)))
    assert accepted.status_code == 200, accepted.text
    return {"id": response.json()["id"], "email": email, "tokens": accepted.json()}


async def login(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await http.post(f"{AUTH}/login", json={"email": email, "password": password})


async def end_trial(connection: AsyncConnection, owner: TenantClient, days_ago: int = 1) -> None:
    """The trial ended ``days_ago`` Indian days ago (the default policy: the free tier)."""
    await set_tenant(connection, owner.tenant_id)
    today = today_ist()
    await connection.execute(
        text("UPDATE subscriptions SET trial_end_date = :end, trial_start_date = :start"),
        {"end": today - timedelta(days=days_ago), "start": today - timedelta(days=14 + days_ago)},
    )


async def audit_rows(owner: TenantClient, action: str, entity_id: str) -> list[dict[str, Any]]:
    response = await owner.get(
        "/api/v1/audit-logs", params={"action": action, "entity_id": entity_id}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def member_ids(member: TenantClient) -> set[str]:
    response = await member.get(USERS, params={"page_size": 100})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return {item["id"] for item in body["items"]}


def assert_forbidden(response: httpx.Response, permission: str | None = None) -> None:
    body = assert_problem(response, 403, "forbidden")
    if permission is not None:
        assert body["required_permission"] == permission, body


# -- invitations ---------------------------------------------------------------------------


async def test_invitation_is_accepted_through_the_emailed_link(
    tenant: TenantClient, smtp: SmtpTestServer
) -> None:
    response, email = await invite(tenant, "accountant")
    assert response.status_code == 201, response.text
    invited = response.json()
    assert invited["email"] == email
    assert invited["role"] == "accountant"
    assert invited["is_active"] is False
    assert invited["email_verified"] is False

    message = await invitation_mail(smtp, email)
    assert tenant.email in message["Subject"]
    url = extract_url(message, ACCEPT_PREFIX)
    token = token_of(message)
    assert url == ACCEPT_PREFIX + token and len(token) >= 16
    # A pending invitee cannot sign in yet: there is no password to sign in with.
    assert_problem(await login(tenant.http, email, JOINER_PASSWORD), 401, "unauthorized")

    accepted = await accept(tenant.http, token, full_name="Ravi Kumar")
    assert accepted.status_code == 200, accepted.text
    tokens = accepted.json()
    assert tokens["access_token"] and tokens["refresh_token"]

    me = await tenant.http.get(f"{AUTH}/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200, me.text
    user = me.json()["user"]
    assert user["id"] == invited["id"]
    assert (user["full_name"], user["role"]) == ("Ravi Kumar", "accountant")
    assert user["is_active"] is True
    assert user["email_verified"] is True
    assert me.json()["tenant"]["id"] == tenant.tenant_id

    listed = await tenant.get(f"{USERS}/{invited['id']}")
    assert listed.status_code == 200, listed.text
    assert listed.json()["is_active"] is True and listed.json()["email_verified"] is True

    signed_in = await login(tenant.http, email, JOINER_PASSWORD)
    assert signed_in.status_code == 200, signed_in.text

    # The link works once.
    assert_problem(await accept(tenant.http, token, full_name="Someone Else"), 400, "invalid-token")
    again = await tenant.get(f"{USERS}/{invited['id']}")
    assert again.json()["full_name"] == "Ravi Kumar"


async def test_accepting_an_unknown_token_is_refused(client: httpx.AsyncClient) -> None:
    assert_problem(await accept(client, UNKNOWN_TOKEN), 400, "invalid-token")


async def test_an_email_that_already_has_an_account_cannot_be_invited(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    # Its own owner, another firm's owner (any case), a pending invitee: all taken.
    pending_response, pending = await invite(tenant, "viewer")
    assert pending_response.status_code == 201, pending_response.text
    for email in (tenant.email, other_tenant.email, other_tenant.email.upper(), pending):
        response, _ = await invite(tenant, "viewer", email=email)
        assert_problem(response, 409, "conflict")
    assert len(await member_ids(tenant)) == 2


async def test_accountants_and_viewers_cannot_invite(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    for role in ("accountant", "viewer"):
        member = await add_member(connection, settings, tenant, role)
        response, _ = await invite(member, "viewer")
        assert_forbidden(response, "manage_users")
    assert len(await member_ids(tenant)) == 3


async def test_only_an_owner_can_invite_an_owner(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    admin = await add_member(connection, settings, tenant, "admin")
    response, _ = await invite(admin, "owner")
    assert_forbidden(response)
    admin_invites_admin, _ = await invite(admin, "admin")
    assert admin_invites_admin.status_code == 201, admin_invites_admin.text

    response, _ = await invite(tenant, "owner")
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "owner"


# -- list and get --------------------------------------------------------------------------


async def test_members_are_listed_per_tenant(
    tenant: TenantClient,
    other_tenant: TenantClient,
    connection: AsyncConnection,
    settings: Settings,
) -> None:
    viewer = await add_member(connection, settings, tenant, "viewer")
    invited, _ = await invite(tenant, "accountant")
    outsider = await add_member(connection, settings, other_tenant, "admin")

    ours = {tenant.user_id, viewer.user_id, invited.json()["id"]}
    assert await member_ids(tenant) == ours
    assert await member_ids(viewer) == ours  # reading the team is for every role
    assert await member_ids(other_tenant) == {other_tenant.user_id, outsider.user_id}

    own = await viewer.get(f"{USERS}/{tenant.user_id}")
    assert own.status_code == 200, own.text
    assert own.json()["email"] == tenant.email and own.json()["role"] == "owner"
    for user_id in (other_tenant.user_id, outsider.user_id):
        assert_problem(await tenant.get(f"{USERS}/{user_id}"), 404, "not-found")
        assert_problem(
            await tenant.put(f"{USERS}/{user_id}", json={"role": "viewer"}), 404, "not-found"
        )
        assert_problem(await tenant.delete(f"{USERS}/{user_id}"), 404, "not-found")
    # The other firm's admin still is one.
    outsider_me = await outsider.get(f"{AUTH}/me")
    assert outsider_me.json()["user"]["role"] == "admin"


# -- roles and the owner rules -------------------------------------------------------------


async def test_owner_promotes_a_member_and_the_new_role_applies_at_once(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    member = await add_member(connection, settings, tenant, "accountant")
    response, _ = await invite(member, "viewer")
    assert_forbidden(response, "manage_users")

    changed = await tenant.put(f"{USERS}/{member.user_id}", json={"role": "admin"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "admin"

    # The member's existing access token now carries the admin's rights.
    response, _ = await invite(member, "viewer")
    assert response.status_code == 201, response.text


async def test_admin_cannot_grant_or_take_ownership(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    admin = await add_member(connection, settings, tenant, "admin")
    accountant = await add_member(connection, settings, tenant, "accountant")

    assert_forbidden(await admin.put(f"{USERS}/{tenant.user_id}", json={"role": "viewer"}))
    assert_forbidden(await admin.put(f"{USERS}/{accountant.user_id}", json={"role": "owner"}))
    assert_forbidden(await admin.put(f"{USERS}/{admin.user_id}", json={"role": "owner"}))
    assert_forbidden(await admin.delete(f"{USERS}/{tenant.user_id}"))
    # Roles below ownership are the admin's to give.
    demoted = await admin.put(f"{USERS}/{accountant.user_id}", json={"role": "viewer"})
    assert demoted.status_code == 200, demoted.text

    owner = (await tenant.get(f"{USERS}/{tenant.user_id}")).json()
    assert (owner["role"], owner["is_active"]) == ("owner", True)


async def test_admin_cannot_deactivate_an_owner(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    """Deactivating an owner takes their ownership away as surely as removing them,
    which an admin may not do (DELETE answers 403): with a second owner present, the
    "last owner" rule does not stop it either."""
    second_owner = await add_member(connection, settings, tenant, "owner")
    admin = await add_member(connection, settings, tenant, "admin")

    assert_forbidden(await admin.delete(f"{USERS}/{second_owner.user_id}"))
    response = await admin.put(f"{USERS}/{second_owner.user_id}", json={"is_active": False})
    assert_forbidden(response)
    me = await second_owner.get(f"{AUTH}/me")
    assert me.status_code == 200, me.text


async def test_the_only_active_owner_cannot_be_demoted_deactivated_or_removed(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    url = f"{USERS}/{tenant.user_id}"
    assert_problem(await tenant.put(url, json={"role": "admin"}), 409, "conflict")
    assert_problem(await tenant.put(url, json={"is_active": False}), 409, "conflict")
    assert_problem(await tenant.delete(url), 409, "conflict")

    # An inactive second owner does not count.
    second = await add_member(connection, settings, tenant, "owner")
    deactivated = await tenant.put(f"{USERS}/{second.user_id}", json={"is_active": False})
    assert deactivated.status_code == 200, deactivated.text
    assert_problem(await tenant.put(url, json={"role": "viewer"}), 409, "conflict")

    owner = (await tenant.get(url)).json()
    assert (owner["role"], owner["is_active"]) == ("owner", True)
    assert (await tenant.get(f"{AUTH}/me")).status_code == 200


async def test_with_two_owners_one_can_be_demoted(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    second = await add_member(connection, settings, tenant, "owner")

    demoted = await second.put(f"{USERS}/{tenant.user_id}", json={"role": "admin"})
    assert demoted.status_code == 200, demoted.text
    assert demoted.json()["role"] == "admin"
    # The demoted first owner has lost billing (and the right to touch ownership).
    assert_forbidden(await tenant.put(f"{USERS}/{second.user_id}", json={"role": "admin"}))
    # Now the second owner is the only one.
    assert_problem(
        await second.put(f"{USERS}/{second.user_id}", json={"role": "admin"}), 409, "conflict"
    )


# -- deactivation and removal --------------------------------------------------------------


async def test_deactivation_ends_every_session_at_once(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    member = await add_member(connection, settings, tenant, "accountant")
    assert (await member.get(f"{AUTH}/me")).status_code == 200

    response = await tenant.put(f"{USERS}/{member.user_id}", json={"is_active": False})
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False

    assert_problem(await member.get(f"{AUTH}/me"), 401, "unauthorized")
    assert_problem(await member.get("/api/v1/customers"), 401, "unauthorized")
    refreshed = await tenant.http.post(
        f"{AUTH}/refresh", json={"refresh_token": member.refresh_token}
    )
    assert_problem(refreshed, 401, "unauthorized")
    body = assert_problem(await login(tenant.http, member.email), 401, "unauthorized")
    assert "deactivated" in body["detail"]

    reactivated = await tenant.put(f"{USERS}/{member.user_id}", json={"is_active": True})
    assert reactivated.status_code == 200, reactivated.text
    assert (await login(tenant.http, member.email)).status_code == 200
    # The old session stays ended.
    assert_problem(await member.get(f"{AUTH}/me"), 401, "unauthorized")


async def test_removing_a_user(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    member = await add_member(connection, settings, tenant, "admin")
    url = f"{USERS}/{member.user_id}"
    assert member.user_id in await member_ids(tenant)

    removed = await tenant.delete(url)
    assert removed.status_code == 204, removed.text
    assert removed.content == b""

    assert_problem(await member.get(f"{AUTH}/me"), 401, "unauthorized")
    refreshed = await tenant.http.post(
        f"{AUTH}/refresh", json={"refresh_token": member.refresh_token}
    )
    assert_problem(refreshed, 401, "unauthorized")
    assert_problem(await login(tenant.http, member.email), 401, "unauthorized")
    assert await member_ids(tenant) == {tenant.user_id}
    assert_problem(await tenant.get(url), 404, "not-found")


async def test_a_removed_user_answers_404_to_change_and_removal(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    """Once removed, a user is gone for PUT and DELETE as for GET; no second audit row."""
    member = await add_member(connection, settings, tenant, "accountant")
    url = f"{USERS}/{member.user_id}"
    assert (await tenant.delete(url)).status_code == 204

    assert_problem(await tenant.delete(url), 404, "not-found")
    assert len(await audit_rows(tenant, "user.deleted", member.user_id)) == 1
    assert_problem(await tenant.put(url, json={"is_active": True}), 404, "not-found")
    assert_problem(await tenant.get(url), 404, "not-found")
    assert_problem(await login(tenant.http, member.email), 401, "unauthorized")


async def test_a_removed_owner_cannot_stand_in_as_the_last_owner(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    """Remove the second owner, "reactivate" the removed row, then demote the first owner:
    the firm would be left with no owner who can sign in. The demotion must be refused."""
    second = await add_member(connection, settings, tenant, "owner")
    assert (await tenant.delete(f"{USERS}/{second.user_id}")).status_code == 204
    await tenant.put(f"{USERS}/{second.user_id}", json={"is_active": True})  # should be 404

    response = await tenant.put(f"{USERS}/{tenant.user_id}", json={"role": "admin"})
    assert_problem(response, 409, "conflict")
    assert_problem(await login(tenant.http, second.email), 401, "unauthorized")


async def test_the_only_owner_cannot_be_removed_but_a_second_one_can(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    assert_problem(await tenant.delete(f"{USERS}/{tenant.user_id}"), 409, "conflict")
    second = await add_member(connection, settings, tenant, "owner")
    response = await second.delete(f"{USERS}/{tenant.user_id}")
    assert response.status_code == 204, response.text
    assert_problem(await tenant.get(f"{AUTH}/me"), 401, "unauthorized")
    assert_problem(await second.delete(f"{USERS}/{second.user_id}"), 409, "conflict")


# -- audit trail ---------------------------------------------------------------------------


async def test_invite_join_and_update_are_audited(
    tenant: TenantClient, smtp: SmtpTestServer
) -> None:
    joined = await joined_member(tenant, smtp, "viewer")
    user_id = joined["id"]

    changed = await tenant.put(f"{USERS}/{user_id}", json={"role": "accountant"})
    assert changed.status_code == 200, changed.text

    (invited,) = await audit_rows(tenant, "user.invited", user_id)
    assert invited["user_id"] == tenant.user_id
    assert invited["entity_type"] == "user"
    assert invited["changes"] == {"email": joined["email"], "role": "viewer"}

    (accepted,) = await audit_rows(tenant, "user.joined", user_id)
    assert accepted["user_id"] == user_id

    (updated,) = await audit_rows(tenant, "user.updated", user_id)
    assert updated["user_id"] == tenant.user_id
    assert updated["changes"]["before"]["role"] == "viewer"
    assert updated["changes"]["after"]["role"] == "accountant"
    assert "password_hash" not in str(updated["changes"])

    # An update that changes nothing writes no row.
    same = await tenant.put(f"{USERS}/{user_id}", json={"role": "accountant"})
    assert same.status_code == 200, same.text
    assert len(await audit_rows(tenant, "user.updated", user_id)) == 1


# -- free tier -----------------------------------------------------------------------------


async def test_the_free_tier_has_one_active_user(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    await end_trial(connection, tenant)

    listed = await tenant.get(USERS)
    assert listed.status_code == 200, listed.text
    assert listed.headers["X-Upgrade-Prompt"] == "free_tier"

    response, email = await invite(tenant, "accountant")
    body = assert_problem(response, 402, "plan-limit-exceeded")
    assert (body["limit"], body["usage"], body["resource"]) == (1, 1, "users")
    assert body["upgrade_url"] == settings.UPGRADE_URL

    # Nothing was created.
    after = await tenant.get(USERS)
    assert after.headers["X-Upgrade-Prompt"] == "free_tier"
    assert [item["id"] for item in after.json()["items"]] == [tenant.user_id]
    assert_problem(await login(tenant.http, email), 401, "unauthorized")
    subscription = await tenant.get("/api/v1/tenants/subscription")
    assert subscription.headers["X-Upgrade-Prompt"] == "free_tier"
    assert subscription.json()["usage"]["users"] == {"used": 1, "limit": 1}


async def test_on_the_free_tier_error_responses_carry_the_upgrade_prompt_too(
    tenant: TenantClient, connection: AsyncConnection
) -> None:
    """Every authenticated response on the free tier carries X-Upgrade-Prompt, the 402 that
    refuses the second user most of all (the SPA shows its banner from that header)."""
    await end_trial(connection, tenant)
    refused, _ = await invite(tenant, "accountant")
    assert_problem(refused, 402, "plan-limit-exceeded")
    missing = await tenant.get(f"{USERS}/{tenant.tenant_id}")
    assert_problem(missing, 404, "not-found")
    for response in (refused, missing):
        assert response.headers.get("X-Upgrade-Prompt") == "free_tier", dict(response.headers)


async def test_reactivating_a_user_counts_against_the_free_tier(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    """Deactivate a second user, go to the free tier: activating them again would make two
    active users on a plan with one, which an invitation is refused for (402)."""
    member = await add_member(connection, settings, tenant, "accountant")
    deactivated = await tenant.put(f"{USERS}/{member.user_id}", json={"is_active": False})
    assert deactivated.status_code == 200, deactivated.text
    await end_trial(connection, tenant)

    response = await tenant.put(f"{USERS}/{member.user_id}", json={"is_active": True})
    body = assert_problem(response, 402, "plan-limit-exceeded")
    assert (body["limit"], body["usage"], body["resource"]) == (1, 1, "users")
