"""API2 Broken Authentication: forged, stolen, stale and wrong-kind credentials.

``tests/api/test_auth.py`` refuses its forgeries (expired, ``alg: none``, HS512, wrong
key, wrong type, missing or unknown session) on ``/auth/me``. Here every forgery, and
the header tricks an attacker adds (RS256/HMAC key confusion, ``kid`` and ``jku``
injection, a stripped or transplanted signature, a token not yet valid), is sent to
every operation that needs a signed-in user; opaque secrets from emails and refresh are
tried as access tokens; every way a session ends (logout, password change and reset,
refresh-token reuse, removal of the user) ends its access token at once, on reads and
writes alike; API tokens are refused once revoked or altered; and the new password of
every flow that sets one is held to the same rules.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings
from tests.api.test_auth import (
    FORGERIES,
    assert_settings_key_signs_valid_tokens,
    claims_of,
    link_token,
    secret_of,
    subject,
    wait_mail,
)
from tests.api.test_role_matrix import Operation, call, label, walked_operations
from tests.smtp_server import SmtpTestServer
from tests.support import TenantClient, add_member, assert_problem, new_email

API = "/api/v1"
Forge = Callable[[dict[str, Any], str], str]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hand_made(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """A JWT assembled by hand (PyJWT refuses to make the bad ones): HMAC-SHA256 with
    ``key`` over whatever ``header`` claims, or no signature at all."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    if key is None:
        return signing_input + "."
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def _rs256_confusion(claims: dict[str, Any], secret: str) -> str:
    """Key confusion: claims RS256 but is an HMAC over the server's key."""
    return hand_made({"alg": "RS256", "typ": "JWT"}, claims, secret.encode())


def _none_capitalised(claims: dict[str, Any], secret: str) -> str:
    return hand_made({"alg": "None", "typ": "JWT"}, claims, None)


def _none_keeping_a_signature(claims: dict[str, Any], secret: str) -> str:
    return hand_made({"alg": "none"}, claims, secret.encode())


def _kid_injection(claims: dict[str, Any], secret: str) -> str:
    """A ``kid`` pointing at an empty file, signed with the empty key it would yield."""
    return hand_made({"alg": "HS256", "kid": "../../../../../dev/null"}, claims, b"")


def _jku_injection(claims: dict[str, Any], secret: str) -> str:
    header = {"alg": "HS256", "jku": "https://attacker.example/jwks.json", "kid": "a"}
    return hand_made(header, claims, b"attacker-key-attacker-key-attacker-key")


def _signature_stripped(claims: dict[str, Any], secret: str) -> str:
    return hand_made({"alg": "HS256", "typ": "JWT"}, claims, None)


def _not_yet_valid(claims: dict[str, Any], secret: str) -> str:
    return jwt.encode({**claims, "nbf": int(time.time()) + 3600}, secret, algorithm="HS256")


def _verification_type(claims: dict[str, Any], secret: str) -> str:
    return jwt.encode({**claims, "type": "email_verification"}, secret, algorithm="HS256")


def _no_type(claims: dict[str, Any], secret: str) -> str:
    return jwt.encode({k: v for k, v in claims.items() if k != "type"}, secret, algorithm="HS256")


def _another_user_in_the_session(claims: dict[str, Any], secret: str) -> str:
    """Correctly signed, but the subject is not the session's user."""
    return jwt.encode({**claims, "sub": str(uuid.uuid4())}, secret, algorithm="HS256")


ATTACKS: dict[str, Forge] = {
    **FORGERIES,
    "rs256-hmac-confusion": _rs256_confusion,
    "alg-None": _none_capitalised,
    "alg-none-with-signature": _none_keeping_a_signature,
    "kid-injection": _kid_injection,
    "jku-injection": _jku_injection,
    "signature-stripped": _signature_stripped,
    "not-yet-valid": _not_yet_valid,
    "verification-type": _verification_type,
    "no-type": _no_type,
    "foreign-subject": _another_user_in_the_session,
}


def transplanted(genuine: str, claims: dict[str, Any]) -> str:
    """The genuine header and signature around a payload of the attacker's choosing."""
    header, _, signature = genuine.split(".")
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


def assert_unauthorized(response: httpx.Response, where: str) -> None:
    assert response.status_code == 401, f"{where}: {response.status_code} {response.text[:200]}"
    assert_problem(response, 401, "unauthorized")
    assert response.headers.get("www-authenticate") == "Bearer", where


async def as_bearer(http: httpx.AsyncClient, operation: Operation, token: str | None) -> Any:
    member = TenantClient(http, "", "", "", token or "", "")
    if token is None:
        method, path = operation
        return await http.request(method, path, json={} if method != "GET" else None)
    return await call(member, operation)


def spread(
    operations: list[Operation], names: list[str], always: str
) -> list[tuple[Operation, list[str]]]:
    """Which credentials each operation is tried with: ``always`` on every one, every
    credential on the first operation of each method, and two more credentials per
    operation, rotating, so each credential meets every kind of route (a full cross
    product is ~2,500 requests for no more coverage of the one code path they share)."""
    plan, first_of_method = [], set()
    for i, operation in enumerate(operations):
        if operation[0] not in first_of_method:
            first_of_method.add(operation[0])
            plan.append((operation, names))
            continue
        chosen = {always, names[i % len(names)], names[(3 * i + 1) % len(names)]}
        plan.append((operation, sorted(chosen)))
    tried = {name for _, chosen in plan for name in chosen}
    assert tried == set(names), set(names) - tried
    return plan


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_every_operation_refuses_missing_and_forged_tokens(
    app: Any, client: httpx.AsyncClient, tenant: TenantClient, settings: Settings
) -> None:
    await assert_settings_key_signs_valid_tokens(client, tenant, settings)
    claims, secret = claims_of(tenant.access_token), secret_of(settings)
    tokens: dict[str, str | None] = {name: forge(claims, secret) for name, forge in ATTACKS.items()}
    tokens["missing"] = None
    tokens["transplanted-payload"] = transplanted(
        tenant.access_token, {**claims, "role": "owner", "sub": str(uuid.uuid4())}
    )
    tokens["empty"] = ""
    operations = await walked_operations(app, client)

    accepted = []
    for operation, names in spread(operations, list(tokens), always="missing"):
        for name in names:
            response = await as_bearer(client, operation, tokens[name])
            if response.status_code != 401:
                accepted.append(f"{label(operation)} with {name}: {response.status_code}")
            else:
                assert_unauthorized(response, f"{label(operation)} with {name}")
    assert accepted == []
    assert (await tenant.get(f"{API}/auth/me")).status_code == 200  # the genuine one works


async def test_secrets_from_emails_and_refresh_are_not_access_tokens(
    client: httpx.AsyncClient, tenant: TenantClient, settings: Settings, smtp: SmtpTestServer
) -> None:
    [verification] = await wait_mail(smtp, tenant.email, subject(settings, "verify"))
    response = await client.post(f"{API}/auth/forgot-password", json={"email": tenant.email})
    assert response.status_code == 202, response.text
    [reset] = await wait_mail(smtp, tenant.email, subject(settings, "reset"))
    opaque = {
        "refresh": tenant.refresh_token,
        "email-verification": link_token(verification, f"{settings.FRONTEND_URL}/verify-email"),
        "password-reset": link_token(reset, f"{settings.FRONTEND_URL}/reset-password"),
    }
    for name, secret in opaque.items():
        for operation in (("GET", f"{API}/auth/me"), ("POST", f"{API}/customers")):
            response = await as_bearer(client, operation, secret)
            assert_unauthorized(response, f"{label(operation)} with the {name} token")
            response = await as_bearer(client, operation, f"rms_{secret}")
            assert_unauthorized(response, f"{label(operation)} with rms_ + the {name} token")


async def test_tokens_are_read_from_the_authorization_header_only(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    token = tenant.access_token
    attempts = [
        {"params": {"access_token": token}},
        {"params": {"token": token}},
        {"cookies": {"access_token": token}},
        {"headers": {"X-Access-Token": token}},
        {"headers": {"Authorization": token}},  # no scheme
        {"headers": {"Authorization": f"Token {token}"}},
    ]
    for kwargs in attempts:
        client.cookies.clear()
        response = await client.get(f"{API}/auth/me", **kwargs)
        assert_unauthorized(response, str(list(kwargs)))


# -- sessions that end -----------------------------------------------------------------------


async def login(http: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await http.post(f"{API}/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


async def assert_token_is_dead(http: httpx.AsyncClient, token: str, why: str) -> None:
    """Refused for a read, a write and a sign-out alike, not only on /auth/me."""
    for operation in (
        ("GET", f"{API}/auth/me"),
        ("GET", f"{API}/invoices"),
        ("POST", f"{API}/customers"),
        ("POST", f"{API}/auth/logout"),
    ):
        response = await as_bearer(http, operation, token)
        assert_unauthorized(response, f"{label(operation)} after {why}")


async def test_every_way_a_session_ends_ends_its_access_token(
    client: httpx.AsyncClient,
    tenant: TenantClient,
    connection: AsyncConnection,
    settings: Settings,
    smtp: SmtpTestServer,
) -> None:
    password = "correct-horse-battery"

    # Logout.
    session = await login(client, tenant.email, password)
    response = await client.post(
        f"{API}/auth/logout", headers={"Authorization": f"Bearer {session['access_token']}"}
    )
    assert response.status_code == 204
    await assert_token_is_dead(client, session["access_token"], "logout")

    # A password change ends every other session.
    other = await login(client, tenant.email, password)
    changed = await tenant.post(
        f"{API}/auth/change-password",
        json={"current_password": password, "new_password": "another-long-passphrase"},
    )
    assert changed.status_code in (200, 204), changed.text
    await assert_token_is_dead(client, other["access_token"], "a password change")
    password = "another-long-passphrase"

    # A password reset ends them all, the one that asked included.
    asked = await login(client, tenant.email, password)
    await client.post(f"{API}/auth/forgot-password", json={"email": tenant.email})
    [reset] = await wait_mail(smtp, tenant.email, subject(settings, "reset"))
    token = link_token(reset, f"{settings.FRONTEND_URL}/reset-password")
    response = await client.post(
        f"{API}/auth/reset-password", json={"token": token, "new_password": "third-long-passphrase"}
    )
    assert response.status_code in (200, 204), response.text
    await assert_token_is_dead(client, asked["access_token"], "a password reset")
    await assert_token_is_dead(client, tenant.access_token, "a password reset")

    # A refresh token that comes back after rotation: the session is taken as stolen.
    stolen = await login(client, tenant.email, "third-long-passphrase")
    rotated = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": stolen["refresh_token"]}
    )
    assert rotated.status_code == 200, rotated.text
    replay = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": stolen["refresh_token"]}
    )
    assert replay.status_code == 401
    await assert_token_is_dead(client, rotated.json()["access_token"], "refresh-token reuse")

    # A removed member.
    owner = TenantClient(
        client, tenant.tenant_id, tenant.user_id, tenant.email,
        (await login(client, tenant.email, "third-long-passphrase"))["access_token"], "",
    )  # fmt: skip
    member = await add_member(connection, settings, owner, "admin")
    assert (await member.get(f"{API}/auth/me")).status_code == 200
    removed = await owner.delete(f"{API}/users/{member.user_id}")
    assert removed.status_code in (200, 204), removed.text
    await assert_token_is_dead(client, member.access_token, "removal of the user")
    refresh = await client.post(f"{API}/auth/refresh", json={"refresh_token": member.refresh_token})
    assert_unauthorized(refresh, "refresh after removal")


async def test_revoked_and_altered_api_tokens_are_refused_everywhere(
    app: Any, client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    created = await tenant.post(f"{API}/api-tokens", json={"name": "CI", "role": "admin"})
    assert created.status_code == 201, created.text
    secret, token_id = created.json()["token"], created.json()["id"]
    assert (await as_bearer(client, ("GET", f"{API}/invoices"), secret)).status_code == 200

    altered = {
        "last-character": secret[:-1] + ("A" if secret[-1] != "A" else "B"),
        "truncated": secret[:-4],
        "prefix-only": "rms_",
        "upper-case": secret.upper(),
        "padded": secret + "=",
    }
    revoked = await tenant.delete(f"{API}/api-tokens/{token_id}")
    assert revoked.status_code in (200, 204), revoked.text
    accepted = []
    plan = spread(await walked_operations(app, client), ["revoked", *altered], always="revoked")
    for operation, names in plan:
        for name in names:
            response = await as_bearer(client, operation, {"revoked": secret, **altered}[name])
            if response.status_code != 401:
                accepted.append(f"{label(operation)} with {name}: {response.status_code}")
    assert accepted == []


# -- passwords ---------------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["password", "12345678", "short7!", "qwertyuiop"])
async def test_every_flow_that_sets_a_password_refuses_weak_ones(
    client: httpx.AsyncClient,
    tenant: TenantClient,
    settings: Settings,
    smtp: SmtpTestServer,
    weak: str,
) -> None:
    register = await client.post(
        f"{API}/auth/register",
        json={"company_name": "A", "full_name": "B", "email": new_email(), "password": weak},
    )
    assert_problem(register, 422, "validation-error")
    change = await tenant.post(
        f"{API}/auth/change-password",
        json={"current_password": "correct-horse-battery", "new_password": weak},
    )
    assert_problem(change, 422, "validation-error")
    await client.post(f"{API}/auth/forgot-password", json={"email": tenant.email})
    [reset] = await wait_mail(smtp, tenant.email, subject(settings, "reset"))
    token = link_token(reset, f"{settings.FRONTEND_URL}/reset-password")
    response = await client.post(
        f"{API}/auth/reset-password", json={"token": token, "new_password": weak}
    )
    assert_problem(response, 422, "validation-error")
    invited = await tenant.post(f"{API}/users", json={"email": new_email(), "role": "viewer"})
    assert invited.status_code == 201, invited.text
    [invitation] = await smtp.wait_for_async(
        lambda m: m["To"] == invited.json()["email"], count=1, timeout=10
    )
    token = link_token(invitation, f"{settings.FRONTEND_URL}/accept-invite")
    response = await client.post(
        f"{API}/auth/accept-invite", json={"token": token, "password": weak, "full_name": "C"}
    )
    assert_problem(response, 422, "validation-error")
    # The old password still works: none of the refused ones was stored.
    assert (await client.post(
        f"{API}/auth/login", json={"email": tenant.email, "password": "correct-horse-battery"}
    )).status_code == 200  # fmt: skip
