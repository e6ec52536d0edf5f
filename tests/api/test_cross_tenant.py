"""Tenant isolation, wall one: every route that takes an id, called with another tenant's id.

The route list comes from the app itself, so a new route with an id fails this test
until a factory for its resource is added below: nothing escapes the matrix.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from tests.support import TenantClient, assert_problem, new_email

# Request bodies that pass validation, so only the id decides the answer.
BODIES = {
    "void": {"reason": "Entered twice"},
    "refund": {"amount": "1.00", "mode": "cash"},
    "apply": {"invoice_id": "00000000-0000-0000-0000-000000000000", "amount": "1.00"},
    "allocate": {"auto": True},
}

Factory = Callable[[TenantClient], Awaitable[dict[str, Any]]]


async def _company(owner: TenantClient) -> dict[str, Any]:
    return await owner.create(
        "/api/v1/companies", {"legal_name": "Secret Co", "gstin": "29AABCR1718E1ZL"}
    )


async def _series(owner: TenantClient) -> dict[str, Any]:
    company = await _company(owner)
    return await owner.create(
        "/api/v1/document-series",
        {"company_id": company["id"], "document_type": "invoice", "prefix": "SEC"},
    )


async def _invoice(owner: TenantClient) -> dict[str, Any]:
    await _company(owner)
    customer = await owner.create(
        "/api/v1/customers", {"name": "Secret Buyer", "gstin": "27AAPFU0939F1ZV"}
    )
    line = {"description": "Work", "hsn_sac": "998314", "unit_price": "100", "gst_rate": "18"}
    return await owner.create(
        "/api/v1/invoices", {"customer_id": customer["id"], "lines": [line], "issue": True}
    )


async def _receipt(owner: TenantClient) -> dict[str, Any]:
    invoice = await _invoice(owner)
    return await owner.create(
        "/api/v1/receipts",
        {
            "customer_id": invoice["customer_id"],
            "amount": "50.00",
            "mode": "upi",
            "allocations": [{"invoice_id": invoice["id"], "amount": "50.00"}],
        },
    )


async def _credit_note(owner: TenantClient) -> dict[str, Any]:
    invoice = await _invoice(owner)
    line = invoice["lines"][0]["id"]
    return await owner.create(
        "/api/v1/credit-notes",
        {
            "invoice_id": invoice["id"],
            "reason": "post_sale_discount",
            "lines": [{"invoice_line_item_id": line, "taxable_value": "10.00"}],
            "issue": True,
        },
    )


async def _member(owner: TenantClient) -> dict[str, Any]:
    return await owner.create("/api/v1/users", {"email": new_email("member"), "role": "viewer"})


async def _api_token(owner: TenantClient) -> dict[str, Any]:
    return await owner.create("/api/v1/api-tokens", {"name": "CI export"})


async def _export(owner: TenantClient) -> dict[str, Any]:
    """A finished export (its job runs right after the request), as the detail shows it."""
    started = await owner.post("/api/v1/tenants/me/exports")
    assert started.status_code == 202, started.text
    response = await owner.get(f"/api/v1/tenants/me/exports/{started.json()['id']}")
    assert response.json()["status"] == "ready", response.text
    data: dict[str, Any] = response.json()
    return data


async def _session(owner: TenantClient) -> dict[str, Any]:
    """The owner's own sign-in session, as the sessions list shows it."""
    listing = await owner.get("/api/v1/auth/sessions")
    data: dict[str, Any] = listing.json()["items"][0]
    return data


FACTORIES: dict[str, Factory] = {
    "/api/v1/auth/sessions": _session,
    "/api/v1/tenants/me/exports": _export,
    "/api/v1/users": _member,
    "/api/v1/api-tokens": _api_token,
    "/api/v1/receipts": _receipt,
    "/api/v1/credit-notes": _credit_note,
    "/api/v1/companies": _company,
    "/api/v1/document-series": _series,
    "/api/v1/invoices": _invoice,
    "/api/v1/customers": lambda owner: owner.create(
        "/api/v1/customers", {"name": "Secret Buyer", "state_code": "29"}
    ),
    "/api/v1/client-types": lambda owner: owner.create(
        "/api/v1/client-types", {"name": "Secret type"}
    ),
    "/api/v1/account-managers": lambda owner: owner.create(
        "/api/v1/account-managers", {"name": "Secret manager"}
    ),
    "/api/v1/service-types": lambda owner: owner.create(
        "/api/v1/service-types",
        {"name": "Secret service", "hsn_sac_code": "998314", "default_gst_rate": "18"},
    ),
}


def routes_with_ids(app: Any) -> list[tuple[str, str, str]]:
    """(method, path template, collection prefix) for every route with a path parameter."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        if "{" in path:
            prefix = path.split("/{", 1)[0]
            found.extend((method.upper(), path, prefix) for method in sorted(operations))
    return found


async def test_other_tenants_ids_answer_404_on_every_route(
    app: Any, tenant: TenantClient, other_tenant: TenantClient
) -> None:
    routes = routes_with_ids(app)
    assert routes, "no routes with ids found"
    victims: dict[str, dict[str, Any]] = {}
    for method, path, prefix in routes:
        assert prefix in FACTORIES, f"add a factory for {prefix} (route {method} {path})"
        if prefix not in victims:
            victims[prefix] = await FACTORIES[prefix](other_tenant)
        url = re.sub(r"\{[^}]+\}", victims[prefix]["id"], path)
        kwargs: dict[str, Any] = {"json": BODIES.get(url.rsplit("/", 1)[-1], {})}
        if method not in {"PUT", "PATCH", "POST"}:
            kwargs = {}
        response = await tenant.request(method, url, **kwargs)
        assert_problem(response, 404, "not-found")

    readable = {prefix for method, _, prefix in routes if method == "GET"}
    for prefix, victim in victims.items():  # nothing of the other tenant was touched
        if prefix not in readable:
            continue
        response = await other_tenant.get(f"{prefix}/{victim['id']}")
        assert response.status_code == 200
        current = response.json()
        assert current.get("status") == victim.get("status")
        assert current.get("version") == victim.get("version")
        derived = {"updated_at", "balances"}  # balances appear on the detail view only
        assert {k: v for k, v in current.items() if k not in derived} == {
            k: v for k, v in victim.items() if k not in derived
        }


async def test_lists_and_filters_never_show_other_tenants_rows(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    created = {prefix: await factory(other_tenant) for prefix, factory in FACTORIES.items()}
    for prefix, victim in created.items():
        listing = await tenant.get(prefix, params={"page_size": 100})
        assert listing.status_code == 200
        assert victim["id"] not in {item["id"] for item in listing.json()["items"]}
    customer_type = created["/api/v1/client-types"]["id"]
    filtered = await tenant.get("/api/v1/customers", params={"client_type_id": customer_type})
    assert filtered.json()["total"] == 0
    audit = await tenant.get(
        "/api/v1/audit-logs", params={"entity_id": created["/api/v1/customers"]["id"]}
    )
    assert audit.status_code == 200 and audit.json()["total"] == 0
