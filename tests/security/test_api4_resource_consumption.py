"""API4 Unrestricted Resource Consumption: asking for too much, in one request or many.

One request: page sizes and page numbers past the caps on every collection, bodies past
the byte cap on every route that takes one, bodies under the cap that would still be
costly (a thousand-and-one invoice lines, huge arrays, deep nesting, number bombs,
kilobyte passwords); each is refused with a 4xx problem before any work is done. Many
requests: a flood of logins whose X-Forwarded-For changes every time still meets the
per-address limit when it does not come through a trusted proxy, and a burst of tenant
exports runs one job, not five.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from app.core.config import Settings
from tests.api.test_role_matrix import concrete
from tests.apps import app_with
from tests.security.tenants import query_for
from tests.support import PASSWORD, TenantClient, assert_problem, new_email, register_tenant

API = "/api/v1"
LINE = {"description": "Work", "hsn_sac": "998314", "unit_price": "1", "gst_rate": "18"}
MAX_LINES = 1000


def collections(app: Any) -> list[str]:
    """Every GET that pages its answer."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        parameters = {p["name"] for p in operations.get("get", {}).get("parameters", [])}
        if "page_size" in parameters:
            found.append(path)
    return found


async def test_every_collection_caps_its_page(
    app: Any, tenant: TenantClient, settings: Settings
) -> None:
    paths = collections(app)
    assert len(paths) >= 12, paths
    cap = settings.MAX_PAGE_SIZE
    wrong = []
    for path in paths:
        url = concrete(path)
        base = query_for(app, path) if "{" not in path else {}
        at_cap = await tenant.get(url, params={**base, "page_size": cap})
        if at_cap.status_code != 200:
            wrong.append(f"{path} page_size={cap}: {at_cap.status_code}")
        for bad in (
            {"page_size": cap + 1},
            {"page_size": 10**9},
            {"page_size": 0},
            {"page_size": -1},
            {"page": 0},
            {"page": 2**63},
            {"page_size": "1e3"},
        ):
            response = await tenant.get(url, params={**base, **bad})
            if response.status_code != 422:
                wrong.append(f"{path} {bad}: {response.status_code} {response.text[:120]}")
            else:
                assert_problem(response, 422, "validation-error")
    assert wrong == []


async def test_bodies_over_the_cap_are_refused_on_every_route(
    app: Any, tenant: TenantClient, settings: Settings
) -> None:
    oversized = json.dumps({"name": "x" * settings.MAX_REQUEST_BODY_BYTES}).encode()
    wrong = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            response = await tenant.request(
                method.upper(),
                concrete(path),
                content=oversized,
                headers={"Content-Type": "application/json"},
            )
            if response.status_code != 413:
                wrong.append(f"{method.upper()} {path}: {response.status_code}")
            else:
                assert_problem(response, 413, "payload-too-large")
    assert wrong == []


async def test_costly_bodies_under_the_cap_are_refused_before_any_work(
    tenant: TenantClient,
) -> None:
    customer = await tenant.create(f"{API}/customers", {"name": "Buyer", "state_code": "27"})
    receipt = {"customer_id": customer["id"], "mode": "upi"}
    invoice = {"customer_id": customer["id"]}
    attacks: list[tuple[str, str, Any]] = [
        ("POST", "/invoices", {**invoice, "lines": [LINE] * (MAX_LINES + 1)}),
        (
            "POST",
            "/receipts",
            {
                "customer_id": customer["id"],
                "amount": "1",
                "mode": "upi",
                "allocations": [{"invoice_id": customer["id"], "amount": "1"}] * 501,
            },
        ),
        ("POST", "/customers", {"name": "x" * 100_000}),
        ("POST", "/customers", {"name": "Buyer", "state_code": "27", "notes": "x" * 500_000}),
        *(
            ("POST", "/receipts", {**receipt, "amount": bomb})
            for bomb in ("1e999999999", "9" * 5000, "1e-999999", 1e308)
        ),
        ("POST", "/invoices", {**invoice, "lines": [{**LINE, "quantity": "1" * 400}]}),
    ]
    nested = ("[" * 50_000 + "]" * 50_000).encode()
    wrong = []
    for method, path, body in attacks:
        started = time.perf_counter()
        response = await tenant.request(method, API + path, json=body)
        elapsed = time.perf_counter() - started
        if response.status_code != 422:
            wrong.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
        elif elapsed > 5:
            wrong.append(f"{method} {path}: refused only after {elapsed:.1f} s")
    response = await tenant.post(
        f"{API}/customers", content=nested, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422), response.text[:200]
    assert_problem(response, response.status_code)
    assert wrong == []
    listed = await tenant.get(f"{API}/invoices")
    assert listed.json()["total"] == 0  # none of it was stored


async def test_kilobyte_passwords_are_refused_without_hashing(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    for size in (73, 1025, 100_000):
        password = "p" * size
        response = await client.post(
            f"{API}/auth/register",
            json={
                "company_name": "A",
                "full_name": "B",
                "email": new_email(),
                "password": password,
            },
        )
        assert_problem(response, 422, "validation-error")
        response = await client.post(
            f"{API}/auth/login", json={"email": tenant.email, "password": password}
        )
        assert response.status_code in (401, 422), response.text[:200]
        response = await tenant.post(
            f"{API}/auth/change-password",
            json={"current_password": PASSWORD, "new_password": password},
        )
        assert_problem(response, 422, "validation-error")
    # The account was not locked or changed by any of it.
    response = await client.post(
        f"{API}/auth/login", json={"email": tenant.email, "password": PASSWORD}
    )
    assert response.status_code == 200


async def test_a_forged_forwarded_for_does_not_dodge_the_per_address_limit(
    settings: Settings,
) -> None:
    """From an address that is not a trusted proxy, X-Forwarded-For is the attacker's
    own words: the limit counts the connection's address."""
    async with app_with(
        settings,
        RATE_LIMIT_ENABLED=True,
        RATE_LIMIT_AUTH_PER_IP="3/minute",
        FORWARDED_ALLOW_IPS=["10.255.255.1"],  # not the test client's 127.0.0.1
    ) as http:
        statuses = []
        for n in range(5):
            response = await http.post(
                f"{API}/auth/login",
                json={"email": new_email(), "password": "guess-number-1"},
                headers={"X-Forwarded-For": f"198.51.100.{n + 1}", "X-Real-IP": f"203.0.113.{n}"},
            )
            statuses.append(response.status_code)
        assert statuses[:3] == [401, 401, 401]
        assert statuses[3:] == [429, 429], statuses
        assert_problem(response, 429, "rate-limited")
        assert int(response.headers["Retry-After"]) >= 1


async def test_a_burst_of_exports_runs_one_job(live_client: httpx.AsyncClient) -> None:
    owner = await register_tenant(live_client)
    responses = await asyncio.gather(*(owner.post(f"{API}/tenants/me/exports") for _ in range(5)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(202) == 1, statuses
    for response in responses:
        if response.status_code != 202:
            assert_problem(response, 409)
