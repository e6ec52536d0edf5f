"""Master data: service types, client types, account managers and the GST rate table."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from tests.support import TenantClient, assert_problem

SERVICE_TYPES = "/api/v1/service-types"
CLIENT_TYPES = "/api/v1/client-types"
ACCOUNT_MANAGERS = "/api/v1/account-managers"
TAX_RATES = "/api/v1/tax-rates"
CUSTOMERS = "/api/v1/customers"


def error_fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body.get("errors", [])]


def service(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Statutory audit",
        "hsn_sac_code": "998221",
        "default_gst_rate": "18",
        **overrides,
    }


def decimal_string(value: Any) -> Decimal:
    """A decimal in JSON must be a string (never a float), here read back exactly."""
    assert isinstance(value, str), f"{value!r} is not a string"
    return Decimal(value)


# --------------------------------------------------------------------------- service types


async def test_service_type_crud(tenant: TenantClient) -> None:
    created = await tenant.create(
        SERVICE_TYPES,
        service(unit="nos", default_unit_price="2500", description="Yearly"),
    )
    assert created["name"] == "Statutory audit"
    assert created["hsn_sac_code"] == "998221"
    assert created["unit"] == "NOS"
    assert created["is_service"] is True
    assert created["is_active"] is True
    assert decimal_string(created["default_gst_rate"]) == Decimal("18")
    assert decimal_string(created["cess_rate"]) == Decimal("0")
    assert decimal_string(created["default_unit_price"]) == Decimal("2500")
    url = f"{SERVICE_TYPES}/{created['id']}"

    fetched = await tenant.get(url)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["id"] == created["id"]
    assert decimal_string(fetched.json()["default_gst_rate"]) == Decimal("18")

    listed = (await tenant.get(SERVICE_TYPES)).json()
    assert (listed["total"], [s["id"] for s in listed["items"]]) == (1, [created["id"]])

    updated = await tenant.put(url, json={"name": "Tax audit", "default_gst_rate": "5"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "Tax audit"
    assert decimal_string(updated.json()["default_gst_rate"]) == Decimal("5")
    assert updated.json()["hsn_sac_code"] == "998221"

    audit = (
        await tenant.get(
            "/api/v1/audit-logs", params={"entity_id": created["id"], "entity_type": "service_type"}
        )
    ).json()
    assert [row["action"] for row in audit["items"]] == [
        "service_type.updated",
        "service_type.created",
    ]
    assert audit["items"][0]["changes"]["after"]["name"] == "Tax audit"

    deleted = await tenant.delete(url)
    assert deleted.status_code == 204, deleted.text
    assert_problem(await tenant.get(url), 404, "not-found")
    assert (await tenant.get(SERVICE_TYPES)).json()["total"] == 0


async def test_hsn_sac_code_is_validated(tenant: TenantClient) -> None:
    response = await tenant.post(SERVICE_TYPES, json=service(hsn_sac_code="99831"))
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["body.hsn_sac_code"]

    for bad in ("99831A", "99822100", "12"):
        response = await tenant.post(SERVICE_TYPES, json=service(hsn_sac_code=bad))
        assert error_fields(assert_problem(response, 422, "validation-error")) == [
            "body.hsn_sac_code"
        ], bad

    assert (await tenant.create(SERVICE_TYPES, service(hsn_sac_code="998314")))[
        "hsn_sac_code"
    ] == "998314"
    goods = await tenant.create(
        SERVICE_TYPES, service(name="Laptop", hsn_sac_code="84713010", is_service=False)
    )
    assert (goods["hsn_sac_code"], goods["is_service"]) == ("84713010", False)


async def test_unit_must_be_a_uqc(tenant: TenantClient) -> None:
    response = await tenant.post(SERVICE_TYPES, json=service(unit="XYZ"))
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["body.unit"]

    created = await tenant.create(SERVICE_TYPES, service(unit="kgs"))
    assert created["unit"] == "KGS"
    default = await tenant.create(SERVICE_TYPES, service(name="Other"))
    assert default["unit"] == "NOS"


async def test_default_gst_rate_must_be_one_of_the_tenants_rates(tenant: TenantClient) -> None:
    eighteen = await tenant.create(SERVICE_TYPES, service(name="Eighteen", default_gst_rate=18))
    assert decimal_string(eighteen["default_gst_rate"]) == Decimal("18")
    forty = await tenant.create(SERVICE_TYPES, service(name="Forty", default_gst_rate="40"))
    assert decimal_string(forty["default_gst_rate"]) == Decimal("40")
    quarter = await tenant.create(SERVICE_TYPES, service(name="Diamonds", default_gst_rate="0.25"))
    assert decimal_string(quarter["default_gst_rate"]) == Decimal("0.25")

    response = await tenant.post(SERVICE_TYPES, json=service(name="Odd", default_gst_rate="12.5"))
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["default_gst_rate"]
    assert "not one of your GST rates" in body["detail"]

    response = await tenant.put(
        f"{SERVICE_TYPES}/{eighteen['id']}", json={"default_gst_rate": "12.5"}
    )
    body = assert_problem(response, 422, "validation-error")
    assert "not one of your GST rates" in body["detail"]

    response = await tenant.post(SERVICE_TYPES, json=service(name="Huge", default_gst_rate="101"))
    assert error_fields(assert_problem(response, 422, "validation-error")) == [
        "body.default_gst_rate"
    ]


async def test_service_type_name_is_unique_case_insensitively(tenant: TenantClient) -> None:
    await tenant.create(SERVICE_TYPES, service(name="Bookkeeping"))
    response = await tenant.post(SERVICE_TYPES, json=service(name="BOOKKEEPING"))
    assert_problem(response, 409, "conflict")


async def test_service_types_refuse_unknown_fields(tenant: TenantClient) -> None:
    response = await tenant.post(SERVICE_TYPES, json=service(tenant_id=str(uuid.uuid4())))
    body = assert_problem(response, 422, "validation-error")
    assert body["errors"][0]["type"] == "extra_forbidden"


async def test_other_tenants_service_type_is_not_found(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    theirs = await other_tenant.create(SERVICE_TYPES, service())
    url = f"{SERVICE_TYPES}/{theirs['id']}"
    assert_problem(await tenant.get(url), 404, "not-found")
    assert_problem(await tenant.put(url, json={"name": "Mine now"}), 404, "not-found")
    assert_problem(await tenant.delete(url), 404, "not-found")
    assert (await other_tenant.get(url)).json()["name"] == "Statutory audit"


# --------------------------------------------------------------------------- client types


async def test_client_type_crud(tenant: TenantClient) -> None:
    created = await tenant.create(CLIENT_TYPES, {"name": "Retail", "description": "Walk-in"})
    assert (created["name"], created["description"]) == ("Retail", "Walk-in")
    url = f"{CLIENT_TYPES}/{created['id']}"

    assert (await tenant.get(url)).json()["name"] == "Retail"
    updated = await tenant.put(url, json={"description": "Shops"})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["name"], updated.json()["description"]) == ("Retail", "Shops")

    await tenant.create(CLIENT_TYPES, {"name": "Corporate"})
    listed = (await tenant.get(CLIENT_TYPES, params={"sort": "-name"})).json()
    assert [c["name"] for c in listed["items"]] == ["Retail", "Corporate"]

    assert (await tenant.delete(url)).status_code == 204
    assert_problem(await tenant.get(url), 404, "not-found")


async def test_client_type_name_is_unique_case_insensitively(tenant: TenantClient) -> None:
    await tenant.create(CLIENT_TYPES, {"name": "Retail"})
    response = await tenant.post(CLIENT_TYPES, json={"name": "retail"})
    assert_problem(response, 409, "conflict")

    wholesale = await tenant.create(CLIENT_TYPES, {"name": "Wholesale"})
    response = await tenant.put(f"{CLIENT_TYPES}/{wholesale['id']}", json={"name": "RETAIL"})
    assert_problem(response, 409, "conflict")
    assert (await tenant.get(f"{CLIENT_TYPES}/{wholesale['id']}")).json()["name"] == "Wholesale"


async def test_same_client_type_name_in_two_tenants(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    await tenant.create(CLIENT_TYPES, {"name": "Retail"})
    await other_tenant.create(CLIENT_TYPES, {"name": "Retail"})
    assert (await tenant.get(CLIENT_TYPES)).json()["total"] == 1


async def test_client_type_in_use_cannot_be_deleted(tenant: TenantClient) -> None:
    retail = await tenant.create(CLIENT_TYPES, {"name": "Retail"})
    await tenant.create(
        CUSTOMERS, {"name": "Shop", "state_code": "27", "client_type_id": retail["id"]}
    )
    response = await tenant.delete(f"{CLIENT_TYPES}/{retail['id']}")
    # The row is still referenced: a conflict with the current state, not a bad reference.
    assert_problem(response, 409, "conflict")
    assert (await tenant.get(f"{CLIENT_TYPES}/{retail['id']}")).status_code == 200


# --------------------------------------------------------------------------- account managers


async def test_account_manager_crud_and_email_lowercased(tenant: TenantClient) -> None:
    created = await tenant.create(
        ACCOUNT_MANAGERS,
        {"name": "Ravi Kumar", "email": "Ravi.Kumar@Example.IN", "phone": "+91 98200 12345"},
    )
    assert created["email"] == "ravi.kumar@example.in"
    assert created["is_active"] is True
    assert created["user_id"] is None
    url = f"{ACCOUNT_MANAGERS}/{created['id']}"

    updated = await tenant.put(url, json={"email": "RK@Example.IN", "is_active": False})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["email"], updated.json()["is_active"]) == ("rk@example.in", False)
    assert (await tenant.get(url)).json()["email"] == "rk@example.in"

    assert (await tenant.delete(url)).status_code == 204
    assert_problem(await tenant.get(url), 404, "not-found")


async def test_account_manager_email_is_unique(tenant: TenantClient) -> None:
    await tenant.create(ACCOUNT_MANAGERS, {"name": "Ravi", "email": "ravi@example.in"})
    response = await tenant.post(
        ACCOUNT_MANAGERS, json={"name": "Ravi Again", "email": "RAVI@example.in"}
    )
    assert_problem(response, 409, "conflict")
    assert (await tenant.get(ACCOUNT_MANAGERS)).json()["total"] == 1


async def test_account_manager_user_must_exist_in_the_tenant(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    response = await tenant.post(
        ACCOUNT_MANAGERS, json={"name": "Ghost", "user_id": str(uuid.uuid4())}
    )
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["user_id"]

    response = await tenant.post(
        ACCOUNT_MANAGERS, json={"name": "Stranger", "user_id": other_tenant.user_id}
    )
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["user_id"]

    linked = await tenant.create(ACCOUNT_MANAGERS, {"name": "Owner", "user_id": tenant.user_id})
    assert linked["user_id"] == tenant.user_id


async def test_account_manager_invalid_email_is_refused(tenant: TenantClient) -> None:
    response = await tenant.post(ACCOUNT_MANAGERS, json={"name": "Bad", "email": "not-an-email"})
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["body.email"]


# --------------------------------------------------------------------------- tax rates


async def test_new_tenant_has_the_gst_rate_table(tenant: TenantClient) -> None:
    response = await tenant.get(TAX_RATES)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 13
    assert len(body["items"]) == 13

    rates = {decimal_string(item["rate"]): item for item in body["items"]}
    assert set(rates) == {
        Decimal(r) for r in ("0", "0.1", "0.25", "1", "1.5", "3", "5", "6", "7.5", "12", "18")
    } | {Decimal("28"), Decimal("40")}
    for item in body["items"]:
        assert decimal_string(item["cess_rate"]) == 0
        assert item["is_active"] is True

    twelve = rates[Decimal("12")]
    assert (twelve["effective_from"], twelve["effective_to"]) == ("2017-07-01", "2025-09-21")
    forty = rates[Decimal("40")]
    assert (forty["effective_from"], forty["effective_to"]) == ("2025-09-22", None)
    assert rates[Decimal("18")]["effective_to"] is None
    assert rates[Decimal("0.25")]["effective_to"] is None

    ordered = [decimal_string(item["rate"]) for item in body["items"]]
    assert ordered == sorted(ordered)  # default sort: by rate


async def test_tax_rates_are_per_tenant(tenant: TenantClient, other_tenant: TenantClient) -> None:
    mine = {item["id"] for item in (await tenant.get(TAX_RATES)).json()["items"]}
    theirs = {item["id"] for item in (await other_tenant.get(TAX_RATES)).json()["items"]}
    assert len(mine) == len(theirs) == 13
    assert not mine & theirs


async def test_tax_rates_paginate_and_sort(tenant: TenantClient) -> None:
    page = (await tenant.get(TAX_RATES, params={"page_size": 5, "sort": "-rate"})).json()
    assert (page["total"], page["page_size"], len(page["items"])) == (13, 5, 5)
    assert [decimal_string(i["rate"]) for i in page["items"]] == [
        Decimal(r) for r in ("40", "28", "18", "12", "7.5")
    ]
    assert_problem(await tenant.get(TAX_RATES, params={"sort": "name"}), 422, "validation-error")
