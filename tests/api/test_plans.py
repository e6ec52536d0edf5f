"""The freemium model: trial, free-tier limits (under concurrency), upgrade and cancel."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tests.support import TenantClient, assert_problem, register_tenant, set_tenant

END_TRIAL = text(
    "UPDATE subscriptions SET trial_start_date = current_date - 15, "
    "trial_end_date = current_date - 1"
)
LINE = {"description": "Design", "hsn_sac": "998391", "unit_price": "1000", "gst_rate": "18"}


async def end_trial(connection: AsyncConnection, owner: TenantClient) -> None:
    await set_tenant(connection, owner.tenant_id)
    await connection.execute(END_TRIAL)


async def setup_billing(owner: TenantClient) -> str:
    await owner.create("/api/v1/companies", {"legal_name": "Acme", "gstin": "27AAPFU0939F1ZV"})
    customer = await owner.create("/api/v1/customers", {"name": "Buyer", "state_code": "27"})
    return str(customer["id"])


async def draft(owner: TenantClient, customer_id: str) -> dict[str, Any]:
    return await owner.create("/api/v1/invoices", {"customer_id": customer_id, "lines": [LINE]})


async def test_new_tenant_is_on_a_14_day_trial(tenant: TenantClient) -> None:
    response = await tenant.get("/api/v1/tenants/subscription")
    body = response.json()
    assert (body["plan"], body["status"], body["access"]) == ("trial", "trialing", "trial")
    assert body["trial_days_remaining"] == 14 and body["prompt_upgrade"] is False
    assert body["usage"]["invoices"] == {"used": 0, "limit": None}
    assert "X-Upgrade-Prompt" not in response.headers


async def test_free_tier_allows_ten_invoices_a_month(
    tenant: TenantClient, connection: AsyncConnection
) -> None:
    customer_id = await setup_billing(tenant)
    await end_trial(connection, tenant)
    for _ in range(10):
        issued = await tenant.post(
            f"/api/v1/invoices/{(await draft(tenant, customer_id))['id']}/issue"
        )
        assert issued.status_code == 200, issued.text
        assert issued.headers["X-Upgrade-Prompt"] == "free_tier"
    eleventh = await draft(tenant, customer_id)
    body = assert_problem(
        await tenant.post(f"/api/v1/invoices/{eleventh['id']}/issue"), 402, "plan-limit-exceeded"
    )
    assert (body["limit"], body["usage"], body["resource"]) == (10, 10, "invoices")
    assert body["upgrade_url"]
    subscription = (await tenant.get("/api/v1/tenants/subscription")).json()
    assert subscription["access"] == "free_tier" and subscription["prompt_upgrade"] is True
    assert subscription["usage"]["invoices"] == {"used": 10, "limit": 10}
    # Nothing existing is hidden: all ten are still listed.
    listed = await tenant.get("/api/v1/invoices", params={"status": "issued"})
    assert listed.json()["total"] == 10

    upgraded = await tenant.post(
        "/api/v1/tenants/upgrade", json={"plan": "monthly", "payment_reference": "UTR998877"}
    )
    assert upgraded.status_code == 200, upgraded.text
    assert (upgraded.json()["access"], upgraded.json()["plan"]) == ("paid", "monthly")
    issued = await tenant.post(f"/api/v1/invoices/{eleventh['id']}/issue")
    assert issued.status_code == 200, issued.text
    assert "X-Upgrade-Prompt" not in issued.headers
    audit = await tenant.get("/api/v1/audit-logs", params={"entity_type": "subscription"})
    assert audit.json()["total"] == 1


async def test_free_tier_customer_limit(
    tenant: TenantClient, connection: AsyncConnection, app: Any, settings: Any
) -> None:
    await end_trial(connection, tenant)
    await set_tenant(connection, tenant.tenant_id)
    await connection.execute(
        text(
            "INSERT INTO customers (tenant_id, id, code, name, state_code) "
            "SELECT app_current_tenant(), gen_random_uuid(), 'C' || n, 'Customer ' || n, '27' "
            "FROM generate_series(1, 50) AS n"
        )
    )
    refused = await tenant.post("/api/v1/customers", json={"name": "51st", "state_code": "27"})
    body = assert_problem(refused, 402, "plan-limit-exceeded")
    assert (body["limit"], body["usage"], body["resource"]) == (50, 50, "customers")


async def test_cancel_keeps_paid_access_to_period_end(tenant: TenantClient) -> None:
    assert_problem(await tenant.post("/api/v1/tenants/cancel"), 409)
    await tenant.post(
        "/api/v1/tenants/upgrade", json={"plan": "yearly", "payment_reference": "CHQ-1234"}
    )
    cancelled = await tenant.post("/api/v1/tenants/cancel")
    body = cancelled.json()
    assert (body["access"], body["cancel_at_period_end"]) == ("paid", True)
    assert body["current_period_end"] > body["current_period_start"]


async def test_upgrade_needs_a_reference_and_an_owner(tenant: TenantClient) -> None:
    response = await tenant.post("/api/v1/tenants/upgrade", json={"plan": "monthly"})
    assert_problem(response, 422)
    response = await tenant.post(
        "/api/v1/tenants/upgrade", json={"plan": "weekly", "payment_reference": "UTR1"}
    )
    assert_problem(response, 422)


@pytest.mark.slow
async def test_last_free_slot_goes_to_exactly_one_of_two_racing_issues(
    live_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    owner = await register_tenant(live_client)
    customer_id = await setup_billing(owner)
    drafts = [await draft(owner, customer_id) for _ in range(11)]
    async with engine.begin() as conn:
        await set_tenant(conn, owner.tenant_id)
        await conn.execute(END_TRIAL)
    for invoice in drafts[:9]:
        assert (await owner.post(f"/api/v1/invoices/{invoice['id']}/issue")).status_code == 200
    racing = await asyncio.gather(
        *(owner.post(f"/api/v1/invoices/{invoice['id']}/issue") for invoice in drafts[9:])
    )
    statuses = sorted(response.status_code for response in racing)
    assert statuses == [200, 402], [r.text for r in racing]
    issued = await owner.get("/api/v1/invoices", params={"status": "issued"})
    assert issued.json()["total"] == 10


# A 1x1 PNG: enough to tell whether the logo was printed.
LOGO = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
    "DwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def images_in(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_custom_branding_is_a_paid_feature(
    tenant: TenantClient, connection: AsyncConnection
) -> None:
    await tenant.create(
        "/api/v1/companies",
        {"legal_name": "Acme", "gstin": "27AAPFU0939F1ZV", "logo_url": LOGO},
    )
    customer = await tenant.create("/api/v1/customers", {"name": "Buyer", "state_code": "27"})
    invoice = await tenant.create(
        "/api/v1/invoices", {"customer_id": customer["id"], "lines": [LINE], "issue": True}
    )
    trial = await tenant.get(f"/api/v1/invoices/{invoice['id']}/pdf")
    assert images_in(trial.content) == 1 and not trial.headers["ETag"].endswith('-plain"')
    await end_trial(connection, tenant)
    free = await tenant.get(f"/api/v1/invoices/{invoice['id']}/pdf")
    assert free.headers["ETag"].endswith('-plain"'), free.headers
    assert images_in(free.content) == 0


async def test_brand_colour_heads_invoice_emails_on_paid_plans(
    tenant: TenantClient, connection: AsyncConnection, smtp: Any
) -> None:
    await tenant.create(
        "/api/v1/companies",
        {"legal_name": "Acme Studio", "gstin": "27AAPFU0939F1ZV", "accent_colour": "#7a1f5c"},
    )
    bad = await tenant.post(
        "/api/v1/companies", json={"legal_name": "X", "state_code": "27", "accent_colour": "red"}
    )
    assert_problem(bad, 422)
    buyer_email = f"ap-{tenant.tenant_id[:8]}@buyer.in"
    customer = await tenant.create(
        "/api/v1/customers", {"name": "Buyer", "state_code": "27", "email": buyer_email}
    )
    invoice = await tenant.create(
        "/api/v1/invoices", {"customer_id": customer["id"], "lines": [LINE], "issue": True}
    )
    await set_tenant(connection, tenant.tenant_id)
    await connection.execute(text("UPDATE users SET email_verified_at = now()"))
    assert (await tenant.post(f"/api/v1/invoices/{invoice['id']}/send", json={})).status_code == 202
    [mail] = await smtp.wait_for_async(lambda m: m["To"] == buyer_email)
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "#7a1f5c" in html and "Acme Studio" in html
