"""Authentication over HTTP: sign-up, login, access tokens, refresh rotation, logout,
email verification, password reset and change, against the real app, database and SMTP.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings
from app.core.security import hash_password, verify_password
from app.utils.clock import today_ist
from tests.smtp_server import SmtpTestServer, extract_url
from tests.support import (
    PASSWORD,
    TenantClient,
    assert_problem,
    new_email,
    register_tenant,
    set_tenant,
)

AUTH = "/api/v1/auth"
SAME_ANSWER = "If that address belongs to an account, an email is on its way."
INVALID_CREDENTIALS = "Incorrect email or password."
NEW_PASSWORD = "a-brand-new-passphrase"
OWNER_PERMISSIONS = [
    "manage_billing",
    "manage_settings",
    "manage_users",
    "read",
    "read_audit",
    "write_documents",
]
# 43 URL-safe characters: the shape of a real opaque token, but issued by nobody.
UNKNOWN_TOKEN = "Zm9yZ2VkLXRva2VuLXRoYXQtbm9ib2R5LWV2ZXItaXNz"


# -- helpers -------------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(
    client: httpx.AsyncClient,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    company: str = "Acme Traders",
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        f"{AUTH}/register",
        json={
            "company_name": company,
            "full_name": "Priya Iyer",
            "email": email or new_email(),
            "password": password,
            **extra,
        },
    )


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(f"{AUTH}/login", json={"email": email, "password": password})


async def login_ok(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> dict[str, Any]:
    response = await login(client, email, password)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(f"{AUTH}/me", headers=bearer(token))


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(f"{AUTH}/refresh", json={"refresh_token": refresh_token})


def assert_unauthorized(response: httpx.Response) -> dict[str, Any]:
    body = assert_problem(response, 401, "unauthorized")
    assert response.headers.get("www-authenticate") == "Bearer"
    return body


def assert_validation_error(response: httpx.Response, field: str) -> dict[str, Any]:
    body = assert_problem(response, 422, "validation-error")
    fields = [error["field"] for error in body["errors"]]
    assert field in fields, body
    return body


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def secret_of(settings: Settings) -> str:
    return settings.SECRET_KEY.get_secret_value()


def subject(settings: Settings, template: str) -> str:
    name = settings.PROJECT_NAME
    return {
        "verify": f"Verify your email address for {name}",
        "reset": f"Reset your {name} password",
        "changed": f"Your {name} password was changed",
    }[template]


async def wait_mail(
    smtp: SmtpTestServer, to: str, subject_line: str, count: int = 1
) -> list[EmailMessage]:
    def matches(message: EmailMessage) -> bool:
        return message["To"] == to and message["Subject"] == subject_line

    return await smtp.wait_for_async(matches, count=count, timeout=10)


def link_token(message: EmailMessage, url_prefix: str) -> str:
    url = extract_url(message, url_prefix)
    return parse_qs(urlsplit(url).query)["token"][0]


async def audit_rows(owner: TenantClient, token: str, action: str) -> list[dict[str, Any]]:
    response = await owner.http.get(
        "/api/v1/audit-logs", params={"action": action}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    assert all(item["action"] == action for item in items)
    return items


# -- register ------------------------------------------------------------------------------


async def test_register_creates_tenant_owner_and_tokens(client: httpx.AsyncClient) -> None:
    email = new_email()
    before = today_ist()
    response = await register(client, email=email, company="Sharma & Sons")
    after = today_ist()

    assert response.status_code == 201, response.text
    body = response.json()
    user, tenant, tokens = body["user"], body["tenant"], body["tokens"]
    assert user["email"] == email
    assert user["full_name"] == "Priya Iyer"
    assert user["role"] == "owner"
    assert user["is_active"] is True
    assert user["email_verified"] is False
    assert user["email_verified_at"] is None
    assert tenant["name"] == "Sharma & Sons"
    start = datetime.fromisoformat(tenant["trial_start_date"]).date()
    end = datetime.fromisoformat(tenant["trial_end_date"]).date()
    assert start in {before, after}
    assert end - start == timedelta(days=14)
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 1800
    assert tokens["access_token"] and tokens["refresh_token"]
    claims = claims_of(tokens["access_token"])
    assert claims["sub"] == user["id"]
    assert claims["tenant_id"] == tenant["id"]
    assert claims["type"] == "access"

    # The tokens from sign-up work straight away.
    response = await me(client, tokens["access_token"])
    assert response.status_code == 200, response.text
    assert response.json()["user"]["id"] == user["id"]
    assert response.json()["tenant"]["id"] == tenant["id"]


async def test_register_stores_the_email_lowercased(client: httpx.AsyncClient) -> None:
    email = new_email()
    response = await register(client, email=email.upper().replace("@EXAMPLE.IN", "@Example.IN"))
    assert response.status_code == 201, response.text
    assert response.json()["user"]["email"] == email
    await login_ok(client, email)


async def test_register_duplicate_email_conflicts(client: httpx.AsyncClient) -> None:
    email = new_email()
    assert (await register(client, email=email)).status_code == 201

    assert_problem(await register(client, email=email), 409, "conflict")
    assert_problem(await register(client, email=email.upper()), 409, "conflict")
    local, domain = email.split("@")
    assert_problem(await register(client, email=f"{local.title()}@{domain}"), 409, "conflict")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tenant_id", "01890a5d-ac96-774b-bcce-b302099a8057"),
        ("role", "admin"),
        ("email_verified_at", "2024-01-01T00:00:00Z"),
    ],
)
async def test_register_refuses_unknown_fields(
    client: httpx.AsyncClient, name: str, value: str
) -> None:
    response = await register(client, **{name: value})
    assert_validation_error(response, f"body.{name}")


async def test_register_refuses_short_password(client: httpx.AsyncClient) -> None:
    response = await register(client, password="seven77")
    body = assert_validation_error(response, "body.password")
    assert "at least 8" in body["detail"]


async def test_register_password_byte_limit_ascii(client: httpx.AsyncClient) -> None:
    assert_validation_error(await register(client, password="p" * 73), "body.password")

    email = new_email()
    exactly_72 = "p" * 72
    response = await register(client, email=email, password=exactly_72)
    assert response.status_code == 201, response.text
    await login_ok(client, email, exactly_72)
    # bcrypt would ignore a 73rd byte; the app must not let it match.
    assert_unauthorized(await login(client, email, exactly_72 + "x"))


async def test_register_password_byte_limit_multibyte(client: httpx.AsyncClient) -> None:
    rupees_75_bytes = "₹" * 25  # 25 characters, 75 bytes in UTF-8
    assert len(rupees_75_bytes) == 25
    assert len(rupees_75_bytes.encode()) == 75
    body = assert_validation_error(
        await register(client, password=rupees_75_bytes), "body.password"
    )
    assert "72 bytes" in body["detail"]

    email = new_email()
    rupees_72_bytes = "₹" * 24
    response = await register(client, email=email, password=rupees_72_bytes)
    assert response.status_code == 201, response.text
    await login_ok(client, email, rupees_72_bytes)


async def test_password_whitespace_is_kept_exactly(client: httpx.AsyncClient) -> None:
    """Passwords are 'checked exactly as received' (app/schemas/common.py): never stripped."""
    email = new_email()
    padded = "  padded-pass  "
    response = await register(client, email=email, password=padded)
    assert response.status_code == 201, response.text

    await login_ok(client, email, padded)
    assert_unauthorized(await login(client, email, padded.strip()))


# -- email verification --------------------------------------------------------------------


async def test_verification_email_link_verifies_the_account(
    client: httpx.AsyncClient, smtp: SmtpTestServer, settings: Settings
) -> None:
    email = new_email()
    response = await register(client, email=email, company="Verma Textiles")
    assert response.status_code == 201, response.text
    access = response.json()["tokens"]["access_token"]

    [message] = await wait_mail(smtp, email, subject(settings, "verify"))
    prefix = f"{settings.FRONTEND_URL}/verify-email?token="
    assert extract_url(message, prefix).startswith("http://spa.test/verify-email?token=")
    token = link_token(message, prefix)
    text_part = message.get_body(preferencelist=("plain",))
    assert text_part is not None
    assert "Verma Textiles" in text_part.get_content()

    response = await client.post(f"{AUTH}/verify-email", json={"token": token})
    assert response.status_code == 200, response.text
    assert response.json()["email"] == email
    assert response.json()["email_verified"] is True

    response = await me(client, access)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email_verified"] is True
    assert response.json()["user"]["email_verified_at"] is not None

    # Single use.
    response = await client.post(f"{AUTH}/verify-email", json={"token": token})
    assert_problem(response, 400, "invalid-token")


async def test_verify_email_refuses_unknown_token(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{AUTH}/verify-email", json={"token": UNKNOWN_TOKEN})
    assert_problem(response, 400, "invalid-token")


async def test_resend_verification_same_answer_for_unknown_email(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(f"{AUTH}/resend-verification", json={"email": new_email()})
    assert response.status_code == 202, response.text
    assert response.json() == {"message": SAME_ANSWER}


async def test_resend_verification_replaces_the_older_link(
    client: httpx.AsyncClient, smtp: SmtpTestServer, settings: Settings
) -> None:
    email = new_email()
    assert (await register(client, email=email)).status_code == 201
    prefix = f"{settings.FRONTEND_URL}/verify-email?token="
    [first] = await wait_mail(smtp, email, subject(settings, "verify"))

    response = await client.post(f"{AUTH}/resend-verification", json={"email": email.upper()})
    assert response.status_code == 202, response.text
    assert response.json() == {"message": SAME_ANSWER}
    messages = await wait_mail(smtp, email, subject(settings, "verify"), count=2)
    assert len(messages) == 2
    old_token = link_token(first, prefix)
    new_token = link_token(messages[1], prefix)
    assert old_token != new_token

    response = await client.post(f"{AUTH}/verify-email", json={"token": old_token})
    assert_problem(response, 400, "invalid-token")
    response = await client.post(f"{AUTH}/verify-email", json={"token": new_token})
    assert response.status_code == 200, response.text
    assert response.json()["email_verified"] is True


async def test_resend_verification_sends_nothing_once_verified(
    client: httpx.AsyncClient,
    smtp: SmtpTestServer,
    settings: Settings,
    connection: AsyncConnection,
) -> None:
    owner = await register_tenant(client)
    [message] = await wait_mail(smtp, owner.email, subject(settings, "verify"))
    token = link_token(message, f"{settings.FRONTEND_URL}/verify-email?token=")
    assert (await client.post(f"{AUTH}/verify-email", json={"token": token})).status_code == 200

    response = await client.post(f"{AUTH}/resend-verification", json={"email": owner.email})
    assert response.status_code == 202, response.text
    assert response.json() == {"message": SAME_ANSWER}

    await set_tenant(connection, owner.tenant_id)
    count = (
        await connection.execute(
            text("SELECT count(*) FROM email_verifications WHERE user_id = :u"),
            {"u": owner.user_id},
        )
    ).scalar_one()
    assert count == 1


# -- login ---------------------------------------------------------------------------------


async def test_login_returns_tokens(client: httpx.AsyncClient, tenant: TenantClient) -> None:
    body = await login_ok(client, tenant.email)

    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 1800
    assert body["refresh_token"] and body["access_token"]
    assert body["refresh_token"] != tenant.refresh_token
    refresh_expires = datetime.fromisoformat(body["refresh_expires_at"])
    expected = datetime.now(UTC) + timedelta(days=7)
    assert abs((refresh_expires - expected).total_seconds()) < 60
    claims = claims_of(body["access_token"])
    assert claims["exp"] - claims["iat"] == 1800
    assert claims["sub"] == tenant.user_id
    assert claims["tenant_id"] == tenant.tenant_id
    # A login is a new session.
    assert claims["sid"] != claims_of(tenant.access_token)["sid"]

    response = await me(client, body["access_token"])
    assert response.status_code == 200, response.text
    assert response.json()["user"]["last_login_at"] is not None


async def test_login_email_is_case_insensitive(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    body = await login_ok(client, tenant.email.upper())
    assert claims_of(body["access_token"])["sub"] == tenant.user_id


async def test_login_wrong_password_is_refused_and_audited(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    response = await login(client, tenant.email, "not-the-password")
    body = assert_unauthorized(response)
    assert body["detail"] == INVALID_CREDENTIALS

    # The audit row survives the failed request.
    rows = await audit_rows(tenant, tenant.access_token, "auth.login_failed")
    assert len(rows) == 1
    assert rows[0]["user_id"] == tenant.user_id
    assert rows[0]["entity_type"] == "user"
    assert rows[0]["entity_id"] == tenant.user_id


async def test_login_unknown_email_looks_like_wrong_password(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    wrong_password = assert_unauthorized(await login(client, tenant.email, "not-the-password"))
    unknown_email = assert_unauthorized(await login(client, new_email(), PASSWORD))
    assert unknown_email["detail"] == wrong_password["detail"] == INVALID_CREDENTIALS
    assert unknown_email["title"] == wrong_password["title"]


async def test_login_overlong_password_is_a_401_not_a_500(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    assert_unauthorized(await login(client, tenant.email, "x" * 200))
    assert_unauthorized(await login(client, new_email(), "x" * 200))


# -- access tokens -------------------------------------------------------------------------


def _resigned(claims: dict[str, Any], secret: str) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def _expired(claims: dict[str, Any], secret: str) -> str:
    now = int(time.time())
    return _resigned({**claims, "iat": now - 3600, "exp": now - 60}, secret)


def _alg_none(claims: dict[str, Any], secret: str) -> str:
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    return f"{header}.{payload}."


def _hs512(claims: dict[str, Any], secret: str) -> str:
    return jwt.encode(claims, secret, algorithm="HS512")


def _wrong_key(claims: dict[str, Any], secret: str) -> str:
    return _resigned(claims, "an-entirely-different-secret-key-0123456789abcdef")


def _refresh_type(claims: dict[str, Any], secret: str) -> str:
    return _resigned({**claims, "type": "refresh"}, secret)


def _no_sid(claims: dict[str, Any], secret: str) -> str:
    return _resigned({k: v for k, v in claims.items() if k != "sid"}, secret)


def _unknown_sid(claims: dict[str, Any], secret: str) -> str:
    return _resigned({**claims, "sid": str(uuid.uuid4())}, secret)


def _malformed_sub(claims: dict[str, Any], secret: str) -> str:
    return _resigned({**claims, "sub": "not-a-uuid"}, secret)


FORGERIES: dict[str, Callable[[dict[str, Any], str], str]] = {
    "expired": _expired,
    "alg-none": _alg_none,
    "hs512": _hs512,
    "wrong-key": _wrong_key,
    "refresh-type": _refresh_type,
    "missing-sid": _no_sid,
    "unknown-sid": _unknown_sid,
    "malformed-sub": _malformed_sub,
}


async def assert_settings_key_signs_valid_tokens(
    client: httpx.AsyncClient, tenant: TenantClient, settings: Settings
) -> None:
    """Control: the unchanged claims re-signed with ``settings.SECRET_KEY`` are accepted.

    Without it a forgery test would pass vacuously if the app signed with another key.
    """
    token = _resigned(claims_of(tenant.access_token), secret_of(settings))
    response = await me(client, token)
    assert response.status_code == 200, (
        "a token signed with the app's configured SECRET_KEY was refused: "
        f"the app does not use the settings it was created with. {response.text}"
    )


async def test_resigned_real_claims_are_accepted(
    client: httpx.AsyncClient, tenant: TenantClient, settings: Settings
) -> None:
    await assert_settings_key_signs_valid_tokens(client, tenant, settings)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
async def test_forged_access_tokens_are_refused(
    client: httpx.AsyncClient,
    tenant: TenantClient,
    settings: Settings,
    forge: Callable[[dict[str, Any], str], str],
) -> None:
    await assert_settings_key_signs_valid_tokens(client, tenant, settings)
    token = forge(claims_of(tenant.access_token), secret_of(settings))
    assert token != tenant.access_token
    assert_unauthorized(await me(client, token))
    # The genuine token still works.
    assert (await me(client, tenant.access_token)).status_code == 200


async def test_expired_token_detail_says_expired(
    client: httpx.AsyncClient, tenant: TenantClient, settings: Settings
) -> None:
    await assert_settings_key_signs_valid_tokens(client, tenant, settings)
    token = _expired(claims_of(tenant.access_token), secret_of(settings))
    body = assert_unauthorized(await me(client, token))
    assert "expired" in body["detail"]


async def test_a_token_stops_working_when_it_expires_even_after_being_accepted(
    client: httpx.AsyncClient, tenant: TenantClient, settings: Settings
) -> None:
    # A verified token is remembered per worker; its expiry must still be checked per use.
    expires = int(time.time()) + 2
    token = _resigned({**claims_of(tenant.access_token), "exp": expires}, secret_of(settings))
    assert (await me(client, token)).status_code == 200
    await asyncio.sleep(expires - time.time() + 0.05)
    body = assert_unauthorized(await me(client, token))
    assert "expired" in body["detail"]
    assert (await me(client, tenant.access_token)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer garbage"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["missing", "garbage", "empty", "basic"],
)
async def test_missing_or_garbage_authorization_is_refused(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    assert_unauthorized(await client.get(f"{AUTH}/me", headers=headers))


async def test_token_with_another_tenant_claim_is_refused(
    client: httpx.AsyncClient,
    tenant: TenantClient,
    other_tenant: TenantClient,
    settings: Settings,
) -> None:
    await assert_settings_key_signs_valid_tokens(client, tenant, settings)
    claims = {**claims_of(tenant.access_token), "tenant_id": other_tenant.tenant_id}
    assert_unauthorized(await me(client, _resigned(claims, secret_of(settings))))


async def test_role_comes_from_the_database_not_the_token(
    client: httpx.AsyncClient, tenant: TenantClient, settings: Settings
) -> None:
    claims = {**claims_of(tenant.access_token), "role": "viewer"}
    response = await me(client, _resigned(claims, secret_of(settings)))
    assert response.status_code == 200, response.text
    assert response.json()["user"]["role"] == "owner"
    assert response.json()["permissions"] == OWNER_PERMISSIONS


async def test_deactivated_user_is_refused(
    client: httpx.AsyncClient, tenant: TenantClient, connection: AsyncConnection
) -> None:
    assert (await me(client, tenant.access_token)).status_code == 200

    await set_tenant(connection, tenant.tenant_id)
    result = await connection.execute(
        text("UPDATE users SET is_active = false WHERE id = :u"), {"u": tenant.user_id}
    )
    assert result.rowcount == 1

    assert_unauthorized(await me(client, tenant.access_token))
    assert_unauthorized(await refresh(client, tenant.refresh_token))
    body = assert_unauthorized(await login(client, tenant.email))
    assert "deactivated" in body["detail"]
    # A wrong password does not reveal that the account is deactivated.
    body = assert_unauthorized(await login(client, tenant.email, "not-the-password"))
    assert body["detail"] == INVALID_CREDENTIALS

    await set_tenant(connection, tenant.tenant_id)
    actions = (
        await connection.execute(
            text("SELECT action FROM audit_logs WHERE user_id = :u AND action LIKE 'auth.login%'"),
            {"u": tenant.user_id},
        )
    ).scalars()
    assert sorted(actions) == ["auth.login_failed", "auth.login_refused_inactive"]


# -- me ------------------------------------------------------------------------------------


async def test_me_returns_owner_permissions(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    response = await me(client, tenant.access_token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["id"] == tenant.user_id
    assert body["user"]["email"] == tenant.email
    assert body["user"]["role"] == "owner"
    assert body["tenant"]["id"] == tenant.tenant_id
    assert "manage_billing" in body["permissions"]
    assert body["permissions"] == OWNER_PERMISSIONS


# -- refresh -------------------------------------------------------------------------------


async def test_refresh_rotates_and_reuse_revokes_the_session(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    original_sid = claims_of(tenant.access_token)["sid"]
    response = await refresh(client, tenant.refresh_token)
    assert response.status_code == 200, response.text
    new = response.json()
    assert new["refresh_token"] != tenant.refresh_token
    assert new["access_token"] != tenant.access_token
    assert new["expires_in"] == 1800
    assert claims_of(new["access_token"])["sid"] == original_sid  # same session, rotated
    assert (await me(client, new["access_token"])).status_code == 200

    # The rotated token comes back: refused, and the whole session is revoked.
    body = assert_unauthorized(await refresh(client, tenant.refresh_token))
    assert "already used" in body["detail"]
    assert_unauthorized(await me(client, new["access_token"]))
    assert_unauthorized(await refresh(client, new["refresh_token"]))
    assert_unauthorized(await me(client, tenant.access_token))

    # Both the revocation and its audit row survived the failed request.
    fresh = await login_ok(client, tenant.email)
    rows = await audit_rows(tenant, fresh["access_token"], "auth.refresh_reuse")
    assert len(rows) == 1
    assert rows[0]["entity_type"] == "session"
    assert rows[0]["entity_id"] == original_sid
    assert rows[0]["user_id"] == tenant.user_id


async def test_refresh_with_unknown_token_is_refused(client: httpx.AsyncClient) -> None:
    assert_unauthorized(await refresh(client, UNKNOWN_TOKEN))


async def test_refresh_after_logout_is_refused(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    response = await tenant.post(f"{AUTH}/logout")
    assert response.status_code == 204, response.text
    assert_unauthorized(await refresh(client, tenant.refresh_token))


async def test_refresh_of_expired_refresh_token_is_refused(
    client: httpx.AsyncClient, tenant: TenantClient, connection: AsyncConnection
) -> None:
    await set_tenant(connection, tenant.tenant_id)
    result = await connection.execute(
        text("UPDATE refresh_tokens SET expires_at = now() - interval '1 minute'")
    )
    assert result.rowcount == 1
    assert_unauthorized(await refresh(client, tenant.refresh_token))


@pytest.mark.slow
async def test_parallel_refresh_lets_at_most_one_win(live_client: httpx.AsyncClient) -> None:
    owner = await register_tenant(live_client)

    responses = await asyncio.gather(
        *(refresh(live_client, owner.refresh_token) for _ in range(10))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) <= 1, statuses
    assert all(status in (200, 401) for status in statuses), statuses
    for response in responses:
        if response.status_code == 401:
            assert_unauthorized(response)
    winners = [r.json() for r in responses if r.status_code == 200]
    if winners:
        # The losers presented a rotated token: the session (and the winner's tokens) ended.
        assert_unauthorized(await me(live_client, winners[0]["access_token"]))
        assert_unauthorized(await refresh(live_client, winners[0]["refresh_token"]))


# -- logout --------------------------------------------------------------------------------


async def test_logout_ends_only_that_session(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    second = await login_ok(client, tenant.email)

    response = await client.post(f"{AUTH}/logout", headers=bearer(second["access_token"]))
    assert response.status_code == 204, response.text
    assert response.content == b""

    assert_unauthorized(await me(client, second["access_token"]))
    assert_unauthorized(await client.post(f"{AUTH}/logout", headers=bearer(second["access_token"])))
    assert (await me(client, tenant.access_token)).status_code == 200


async def test_logout_requires_a_token(client: httpx.AsyncClient) -> None:
    assert_unauthorized(await client.post(f"{AUTH}/logout"))


# -- forgot / reset password ---------------------------------------------------------------


async def test_forgot_password_same_answer_for_known_and_unknown(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    known = await client.post(f"{AUTH}/forgot-password", json={"email": tenant.email})
    unknown = await client.post(f"{AUTH}/forgot-password", json={"email": new_email()})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json() == {"message": SAME_ANSWER}


async def test_reset_password_flow(
    client: httpx.AsyncClient,
    tenant: TenantClient,
    smtp: SmtpTestServer,
    settings: Settings,
) -> None:
    second = await login_ok(client, tenant.email)

    response = await client.post(f"{AUTH}/forgot-password", json={"email": tenant.email})
    assert response.status_code == 202, response.text
    [message] = await wait_mail(smtp, tenant.email, subject(settings, "reset"))
    token = link_token(message, f"{settings.FRONTEND_URL}/reset-password?token=")

    response = await client.post(
        f"{AUTH}/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "message": "Your password has been changed. Sign in with the new one."
    }

    # Every earlier session is over.
    assert_unauthorized(await me(client, tenant.access_token))
    assert_unauthorized(await me(client, second["access_token"]))
    assert_unauthorized(await refresh(client, second["refresh_token"]))

    body = assert_unauthorized(await login(client, tenant.email, PASSWORD))
    assert body["detail"] == INVALID_CREDENTIALS
    fresh = await login_ok(client, tenant.email, NEW_PASSWORD)
    response = await me(client, fresh["access_token"])
    assert response.status_code == 200, response.text
    # The emailed link proved control of the mailbox.
    assert response.json()["user"]["email_verified"] is True

    response = await client.post(
        f"{AUTH}/reset-password", json={"token": token, "new_password": "yet-another-password"}
    )
    assert_problem(response, 400, "invalid-token")
    await login_ok(client, tenant.email, NEW_PASSWORD)

    [changed] = await wait_mail(smtp, tenant.email, subject(settings, "changed"))
    assert changed["To"] == tenant.email


async def test_newer_reset_link_invalidates_the_older(
    client: httpx.AsyncClient,
    tenant: TenantClient,
    smtp: SmtpTestServer,
    settings: Settings,
) -> None:
    for _ in range(2):
        response = await client.post(f"{AUTH}/forgot-password", json={"email": tenant.email})
        assert response.status_code == 202, response.text
    messages = await wait_mail(smtp, tenant.email, subject(settings, "reset"), count=2)
    prefix = f"{settings.FRONTEND_URL}/reset-password?token="
    tokens = {link_token(message, prefix) for message in messages}
    assert len(tokens) == 2

    outcomes = []
    for token in tokens:
        response = await client.post(
            f"{AUTH}/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
        )
        outcomes.append(response.status_code)
    # Exactly one (the newer) link works, whatever order the mails arrived in.
    assert sorted(outcomes) == [200, 400]


async def test_reset_password_refuses_unknown_token(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{AUTH}/reset-password", json={"token": UNKNOWN_TOKEN, "new_password": NEW_PASSWORD}
    )
    assert_problem(response, 400, "invalid-token")


async def test_reset_password_validates_the_new_password(
    client: httpx.AsyncClient,
    tenant: TenantClient,
    smtp: SmtpTestServer,
    settings: Settings,
) -> None:
    response = await client.post(f"{AUTH}/forgot-password", json={"email": tenant.email})
    assert response.status_code == 202, response.text
    [message] = await wait_mail(smtp, tenant.email, subject(settings, "reset"))
    token = link_token(message, f"{settings.FRONTEND_URL}/reset-password?token=")

    for bad in ("short", "p" * 73, "₹" * 25):
        response = await client.post(
            f"{AUTH}/reset-password", json={"token": token, "new_password": bad}
        )
        assert_validation_error(response, "body.new_password")
    # The refusals did not use up the link.
    response = await client.post(
        f"{AUTH}/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.text


# -- change password -----------------------------------------------------------------------


async def test_change_password_wrong_current_is_refused(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    response = await tenant.post(
        f"{AUTH}/change-password",
        json={"current_password": "not-the-password", "new_password": NEW_PASSWORD},
    )
    assert_unauthorized(response)
    # Nothing changed, and the caller is still signed in.
    assert (await me(client, tenant.access_token)).status_code == 200
    await login_ok(client, tenant.email, PASSWORD)
    assert_unauthorized(await login(client, tenant.email, NEW_PASSWORD))
    rows = await audit_rows(tenant, tenant.access_token, "auth.password_change_failed")
    assert len(rows) == 1


async def test_change_password_keeps_own_session_and_revokes_others(
    client: httpx.AsyncClient,
    tenant: TenantClient,
    smtp: SmtpTestServer,
    settings: Settings,
) -> None:
    second = await login_ok(client, tenant.email)

    response = await tenant.post(
        f"{AUTH}/change-password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"message": "Your password has been changed."}

    assert (await me(client, tenant.access_token)).status_code == 200
    assert_unauthorized(await me(client, second["access_token"]))
    assert_unauthorized(await refresh(client, second["refresh_token"]))
    # The caller's own session can still be refreshed.
    assert (await refresh(client, tenant.refresh_token)).status_code == 200

    assert_unauthorized(await login(client, tenant.email, PASSWORD))
    await login_ok(client, tenant.email, NEW_PASSWORD)
    await wait_mail(smtp, tenant.email, subject(settings, "changed"))


async def test_change_password_validates_the_new_password(tenant: TenantClient) -> None:
    response = await tenant.post(
        f"{AUTH}/change-password",
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert_validation_error(response, "body.new_password")


async def test_change_password_requires_a_token(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{AUTH}/change-password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert_unauthorized(response)


# -- bcrypt --------------------------------------------------------------------------------


async def test_register_hashes_with_the_configured_cost(
    client: httpx.AsyncClient,
    tenant: TenantClient,
    settings: Settings,
    connection: AsyncConnection,
) -> None:
    await set_tenant(connection, tenant.tenant_id)
    stored = (
        await connection.execute(
            text("SELECT password_hash FROM users WHERE id = :u"), {"u": tenant.user_id}
        )
    ).scalar_one()
    assert settings.BCRYPT_ROUNDS == 4
    assert stored.startswith("$2b$04$"), stored[:7]


def test_production_bcrypt_cost_is_12() -> None:
    assert Settings.model_fields["BCRYPT_ROUNDS"].default == 12


async def test_hash_password_uses_the_configured_cost(settings: Settings) -> None:
    production_like = Settings(BCRYPT_ROUNDS=12, SECRET_KEY=secret_of(settings))  # type: ignore[arg-type]
    hashed = await hash_password("x" * 10, production_like)
    assert hashed.startswith("$2b$12$")
    assert await verify_password("x" * 10, hashed, production_like)
    assert not await verify_password("y" * 10, hashed, production_like)

    test_hash = await hash_password("x" * 10, settings)
    assert test_hash.startswith("$2b$04$")


async def test_hash_password_refuses_more_than_72_bytes(settings: Settings) -> None:
    with pytest.raises(ValueError, match="72 bytes"):
        await hash_password("₹" * 25, settings)
