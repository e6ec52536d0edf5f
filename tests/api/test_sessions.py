"""A user's sessions: listed with device and address, ended one by one or all but this."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings
from app.services.sessions import device_label
from tests.support import PASSWORD, TenantClient, add_member, assert_problem

SESSIONS = "/api/v1/auth/sessions"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
)


async def sign_in(owner: TenantClient, user_agent: str) -> dict[str, str]:
    response = await owner.http.post(
        "/api/v1/auth/login",
        json={"email": owner.email, "password": PASSWORD},
        headers={"User-Agent": user_agent},
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_sessions_list_device_address_and_which_is_current(tenant: TenantClient) -> None:
    laptop = await sign_in(tenant, CHROME)
    await sign_in(tenant, SAFARI_IPHONE)
    response = await tenant.http.get(SESSIONS, headers=bearer(laptop))
    assert response.status_code == 200
    sessions = response.json()["items"]
    assert len(sessions) == 3  # registration signed in too
    assert {s["device"] for s in sessions} >= {"Chrome on Windows", "Safari on iOS"}
    current = [s for s in sessions if s["current"]]
    assert len(current) == 1 and current[0]["device"] == "Chrome on Windows"
    assert all(s["ip_address"] == "127.0.0.1" for s in sessions)
    assert {"created_at", "last_used_at", "expires_at", "user_agent"} <= sessions[0].keys()


async def test_ending_one_session_signs_that_device_out(tenant: TenantClient) -> None:
    phone = await sign_in(tenant, SAFARI_IPHONE)
    sessions = (await tenant.get(SESSIONS)).json()["items"]
    target = next(s for s in sessions if s["device"] == "Safari on iOS")
    assert (await tenant.delete(f"{SESSIONS}/{target['id']}")).status_code == 204
    assert_problem(await tenant.http.get("/api/v1/auth/me", headers=bearer(phone)), 401)
    refreshed = await tenant.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}
    )
    assert_problem(refreshed, 401)
    assert (await tenant.get("/api/v1/auth/me")).status_code == 200  # this one lives on
    assert_problem(await tenant.delete(f"{SESSIONS}/{target['id']}"), 404)  # already ended


async def test_log_out_everywhere_else(tenant: TenantClient) -> None:
    others = [await sign_in(tenant, CHROME), await sign_in(tenant, SAFARI_IPHONE)]
    response = await tenant.post(f"{SESSIONS}/revoke-others")
    assert response.json() == {"revoked": 2}
    for tokens in others:
        assert_problem(await tenant.http.get("/api/v1/auth/me", headers=bearer(tokens)), 401)
    remaining = (await tenant.get(SESSIONS)).json()["items"]
    assert [s["current"] for s in remaining] == [True]


async def test_a_teammates_session_is_not_yours_to_end(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    member = await add_member(connection, settings, tenant, "accountant")
    theirs = (await member.get(SESSIONS)).json()["items"][0]
    assert_problem(await tenant.delete(f"{SESSIONS}/{theirs['id']}"), 404)
    assert (await member.get("/api/v1/auth/me")).status_code == 200
    mine = {s["id"] for s in (await tenant.get(SESSIONS)).json()["items"]}
    assert theirs["id"] not in mine


def test_device_labels() -> None:
    assert device_label(CHROME) == "Chrome on Windows"
    assert device_label(SAFARI_IPHONE) == "Safari on iOS"
    assert device_label("curl/8.5.0") == "curl"
    assert device_label(None) == "Unknown device"
