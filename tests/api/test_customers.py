"""Customers: GST identity rules, listing, CRUD, archive-on-delete, tenant isolation, roles."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings
from app.core.security import create_access_token
from app.utils.clock import today_ist
from app.utils.gst import gstin_check_character
from tests.support import (
    TenantClient,
    add_member,
    assert_problem,
    insert_user,
)

CUSTOMERS = "/api/v1/customers"
MH_GSTIN = "27AAPFU0939F1ZV"  # Maharashtra (27)
KA_GSTIN = "29AABCR1718E1ZL"  # Karnataka (29)
GJ_GSTIN = "24AAQCA8719H1ZC"  # Gujarat (24)
TN_GSTIN = "33AAAAR6720M1ZG"  # Tamil Nadu (33)
BAD_CHECK_GSTIN = "27AAPFU0939F1ZO"


def make_gstin(state: str, pan: str = "AAPFU0939F") -> str:
    head = f"{state}{pan}1Z"
    return head + gstin_check_character(head)


def error_fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body.get("errors", [])]


async def mint_member(
    connection: AsyncConnection, settings: Settings, owner: TenantClient, role: str
) -> TenantClient:
    """A user with ``role``, a session row and an access token minted with ``settings``."""
    user_id, email = await insert_user(connection, settings, owner, role)
    session_id = uuid.uuid4()
    await connection.execute(
        text(
            "INSERT INTO sessions (tenant_id, id, user_id, expires_at)"
            " VALUES (:tid, :sid, :uid, :expires)"
        ),
        {
            "tid": uuid.UUID(owner.tenant_id),
            "sid": session_id,
            "uid": user_id,
            "expires": datetime.now(UTC) + timedelta(days=1),
        },
    )
    token, _ = create_access_token(
        settings,
        user_id=user_id,
        tenant_id=uuid.UUID(owner.tenant_id),
        role=role,
        session_id=session_id,
    )
    return TenantClient(
        http=owner.http,
        tenant_id=owner.tenant_id,
        user_id=str(user_id),
        email=email,
        access_token=token,
        refresh_token="",
    )


async def add_invoice_for(
    connection: AsyncConnection, tenant: TenantClient, customer_id: str
) -> None:
    """A minimal draft invoice (and its company) that references the customer."""
    tenant_id, company_id = uuid.UUID(tenant.tenant_id), uuid.uuid4()
    await connection.execute(
        text("SELECT set_config('app.tenant_id', :tid, true)"), {"tid": str(tenant_id)}
    )
    await connection.execute(
        text(
            "INSERT INTO companies (tenant_id, id, legal_name, state_code)"
            " VALUES (:tid, :cid, 'Acme Traders Pvt Ltd', '27')"
        ),
        {"tid": tenant_id, "cid": company_id},
    )
    await connection.execute(
        text(
            "INSERT INTO invoices (tenant_id, id, company_id, customer_id, status, invoice_date,"
            " place_of_supply, supply_type)"
            " VALUES (:tid, :iid, :cid, :cust, 'draft', :today, '27', 'intra_state')"
        ),
        {
            "tid": tenant_id,
            "iid": uuid.uuid4(),
            "cid": company_id,
            "cust": uuid.UUID(customer_id),
            "today": today_ist(),
        },
    )


# --------------------------------------------------------------------------- create


async def test_create_with_gstin_only_derives_identity_and_codes(tenant: TenantClient) -> None:
    first = await tenant.create(CUSTOMERS, {"name": "Umbrella Corp", "gstin": MH_GSTIN.lower()})
    assert first["gstin"] == MH_GSTIN
    assert first["state_code"] == "27"
    assert first["gst_treatment"] == "registered"
    assert first["country_code"] == "IN"
    assert first["code"] == "C-00001"
    assert first["is_active"] is True
    assert first["archived_at"] is None

    second = await tenant.create(CUSTOMERS, {"name": "Second Customer", "gstin": KA_GSTIN})
    assert second["code"] == "C-00002"
    assert second["state_code"] == "29"


async def test_credit_limit_is_a_two_decimal_string(tenant: TenantClient) -> None:
    created = await tenant.create(
        CUSTOMERS, {"name": "Money Co", "state_code": "27", "credit_limit": "50000"}
    )
    assert isinstance(created["credit_limit"], str), created["credit_limit"]
    assert created["credit_limit"] == "50000.00"

    fetched = (await tenant.get(f"{CUSTOMERS}/{created['id']}")).json()
    assert isinstance(fetched["credit_limit"], str), fetched["credit_limit"]
    assert fetched["credit_limit"] == "50000.00"


async def test_credit_limit_with_more_than_two_decimals_is_refused(tenant: TenantClient) -> None:
    response = await tenant.post(
        CUSTOMERS, json={"name": "Paise Co", "state_code": "27", "credit_limit": "10.005"}
    )
    body = assert_problem(response, 422, "validation-error")
    assert "body.credit_limit" in error_fields(body)


async def test_gstin_with_bad_check_character_is_refused(tenant: TenantClient) -> None:
    response = await tenant.post(CUSTOMERS, json={"name": "Typo Co", "gstin": BAD_CHECK_GSTIN})
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["body.gstin"]
    assert "check character" in body["errors"][0]["message"]


async def test_gstin_state_must_match_state_code(tenant: TenantClient) -> None:
    response = await tenant.post(
        CUSTOMERS, json={"name": "Mismatch Co", "gstin": MH_GSTIN, "state_code": "29"}
    )
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["state_code"]
    assert "27" in body["detail"]


async def test_gstin_with_matching_state_code_is_accepted(tenant: TenantClient) -> None:
    created = await tenant.create(
        CUSTOMERS, {"name": "Match Co", "gstin": GJ_GSTIN, "state_code": "24"}
    )
    assert created["state_code"] == "24"
    assert created["gst_treatment"] == "registered"


async def test_registered_without_gstin_is_refused(tenant: TenantClient) -> None:
    response = await tenant.post(
        CUSTOMERS,
        json={"name": "No GSTIN Co", "gst_treatment": "registered", "state_code": "27"},
    )
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["gstin"]


async def test_overseas_with_gstin_is_refused(tenant: TenantClient) -> None:
    response = await tenant.post(
        CUSTOMERS, json={"name": "Abroad Co", "gst_treatment": "overseas", "gstin": TN_GSTIN}
    )
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["gstin"]


async def test_overseas_customer_gets_export_state(tenant: TenantClient) -> None:
    created = await tenant.create(
        CUSTOMERS, {"name": "Globex GmbH", "gst_treatment": "overseas", "country_code": "DE"}
    )
    assert created["state_code"] == "96"
    assert created["country_code"] == "DE"
    assert created["gstin"] is None
    assert created["gst_treatment"] == "overseas"


async def test_unregistered_with_state_code_is_accepted(tenant: TenantClient) -> None:
    created = await tenant.create(
        CUSTOMERS, {"name": "Delhi Kirana", "gst_treatment": "unregistered", "state_code": "07"}
    )
    assert created["state_code"] == "07"
    assert created["gstin"] is None
    assert created["gst_treatment"] == "unregistered"


async def test_missing_state_and_gstin_is_refused(tenant: TenantClient) -> None:
    response = await tenant.post(CUSTOMERS, json={"name": "Nowhere Co"})
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["state_code"]


async def test_mass_assignment_fields_are_refused(tenant: TenantClient) -> None:
    now = datetime.now(UTC).isoformat()
    for name, value in (
        ("tenant_id", str(uuid.uuid4())),
        ("id", str(uuid.uuid4())),
        ("archived_at", now),
        ("created_at", now),
    ):
        response = await tenant.post(
            CUSTOMERS, json={"name": "Sneaky Co", "state_code": "27", name: value}
        )
        body = assert_problem(response, 422, "validation-error")
        assert {"field": f"body.{name}", "type": "extra_forbidden"}.items() <= body["errors"][
            0
        ].items(), body["errors"]

    listed = (await tenant.get(CUSTOMERS)).json()
    assert listed["total"] == 0


# --------------------------------------------------------------------------- list


async def test_list_paginates(tenant: TenantClient) -> None:
    for name in ("Alpha One", "Alpha Two", "Alpha Three"):
        await tenant.create(CUSTOMERS, {"name": name, "state_code": "27"})

    first = (await tenant.get(CUSTOMERS, params={"page_size": 2, "sort": "name"})).json()
    assert (first["total"], first["page"], first["page_size"]) == (3, 1, 2)
    assert [c["name"] for c in first["items"]] == ["Alpha One", "Alpha Three"]

    second = (
        await tenant.get(CUSTOMERS, params={"page_size": 2, "page": 2, "sort": "name"})
    ).json()
    assert (second["total"], second["page"], second["page_size"]) == (3, 2, 2)
    assert [c["name"] for c in second["items"]] == ["Alpha Two"]


async def test_page_size_above_limit_is_refused(tenant: TenantClient) -> None:
    response = await tenant.get(CUSTOMERS, params={"page_size": 101})
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["query.page_size"]
    assert (await tenant.get(CUSTOMERS, params={"page_size": 100})).status_code == 200


async def _catalog_refs(tenant: TenantClient) -> dict[str, str]:
    retail = await tenant.create("/api/v1/client-types", {"name": "Retail"})
    corporate = await tenant.create("/api/v1/client-types", {"name": "Corporate"})
    ravi = await tenant.create("/api/v1/account-managers", {"name": "Ravi"})
    meera = await tenant.create("/api/v1/account-managers", {"name": "Meera"})
    return {
        "retail": retail["id"],
        "corporate": corporate["id"],
        "ravi": ravi["id"],
        "meera": meera["id"],
    }


async def test_list_search_and_filters(tenant: TenantClient) -> None:
    refs = await _catalog_refs(tenant)
    mumbai = await tenant.create(
        CUSTOMERS,
        {
            "name": "Mumbai Textiles",
            "gstin": MH_GSTIN,
            "email": "accounts@mumbaitex.in",
            "client_type_id": refs["retail"],
            "account_manager_id": refs["ravi"],
        },
    )
    bengaluru = await tenant.create(
        CUSTOMERS,
        {
            "name": "Bengaluru Software",
            "gstin": KA_GSTIN,
            "email": "billing@blrsoft.in",
            "client_type_id": refs["corporate"],
            "account_manager_id": refs["meera"],
        },
    )
    delhi = await tenant.create(
        CUSTOMERS,
        {
            "name": "Delhi Textile Mart",
            "state_code": "07",
            "email": "owner@delhimart.in",
            "client_type_id": refs["retail"],
            "account_manager_id": refs["meera"],
        },
    )

    async def names(**params: Any) -> list[str]:
        response = await tenant.get(CUSTOMERS, params={"sort": "name", **params})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"])
        return [c["name"] for c in body["items"]]

    assert await names(search="TEXTILE") == ["Delhi Textile Mart", "Mumbai Textiles"]
    assert await names(search="software") == ["Bengaluru Software"]
    assert await names(search=KA_GSTIN.lower()[:7]) == ["Bengaluru Software"]
    assert await names(search=MH_GSTIN) == ["Mumbai Textiles"]
    assert await names(search="OWNER@DELHIMART") == ["Delhi Textile Mart"]
    assert await names(search="%") == []  # LIKE wildcards are searched literally
    assert await names(search="_") == []
    assert await names(client_type_id=refs["retail"]) == ["Delhi Textile Mart", "Mumbai Textiles"]
    assert await names(client_type_id=refs["corporate"]) == ["Bengaluru Software"]
    assert await names(account_manager_id=refs["meera"]) == [
        "Bengaluru Software",
        "Delhi Textile Mart",
    ]
    assert await names(account_manager_id=refs["ravi"]) == ["Mumbai Textiles"]
    assert await names(state_code="07") == ["Delhi Textile Mart"]
    assert await names(state_code="29") == ["Bengaluru Software"]
    assert await names(state_code="29", client_type_id=refs["retail"]) == []
    assert await names(client_type_id=refs["retail"], account_manager_id=refs["meera"]) == [
        "Delhi Textile Mart"
    ]
    assert {mumbai["id"], bengaluru["id"], delhi["id"]} == {
        c["id"] for c in (await tenant.get(CUSTOMERS)).json()["items"]
    }

    bad_state = await tenant.get(CUSTOMERS, params={"state_code": "7"})
    assert error_fields(assert_problem(bad_state, 422, "validation-error")) == ["query.state_code"]


async def test_list_sorts_both_ways(tenant: TenantClient) -> None:
    for name in ("Bravo Ltd", "Alpha Ltd", "Charlie Ltd"):
        await tenant.create(CUSTOMERS, {"name": name, "state_code": "27"})

    ascending = (await tenant.get(CUSTOMERS, params={"sort": "name"})).json()
    assert [c["name"] for c in ascending["items"]] == ["Alpha Ltd", "Bravo Ltd", "Charlie Ltd"]
    descending = (await tenant.get(CUSTOMERS, params={"sort": "-name"})).json()
    assert [c["name"] for c in descending["items"]] == ["Charlie Ltd", "Bravo Ltd", "Alpha Ltd"]
    by_code = (await tenant.get(CUSTOMERS, params={"sort": "-code"})).json()
    assert [c["code"] for c in by_code["items"]] == ["C-00003", "C-00002", "C-00001"]


async def test_sort_by_unknown_field_is_refused(tenant: TenantClient) -> None:
    response = await tenant.get(CUSTOMERS, params={"sort": "gstin"})
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["sort"]


async def test_sort_with_sql_text_is_refused(tenant: TenantClient) -> None:
    for sort in ("name; DROP TABLE customers", "name desc", "lower(name)", "-name,id"):
        response = await tenant.get(CUSTOMERS, params={"sort": sort})
        body = assert_problem(response, 422, "validation-error")
        assert error_fields(body) == ["query.sort"], sort


# --------------------------------------------------------------------------- read / update / delete


async def test_get_put_delete_by_id(tenant: TenantClient) -> None:
    created = await tenant.create(
        CUSTOMERS, {"name": "Old Name", "gstin": MH_GSTIN, "email": "Old@Example.IN"}
    )
    assert created["email"] == "old@example.in"
    url = f"{CUSTOMERS}/{created['id']}"

    fetched = await tenant.get(url)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["name"] == "Old Name"

    updated = await tenant.put(url, json={"name": "New Name"})
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["name"] == "New Name"
    assert (body["gstin"], body["state_code"], body["code"]) == (MH_GSTIN, "27", "C-00001")
    assert (await tenant.get(url)).json()["name"] == "New Name"

    audit = await tenant.get(
        "/api/v1/audit-logs", params={"entity_id": created["id"], "action": "customer.updated"}
    )
    assert audit.status_code == 200, audit.text
    rows = audit.json()["items"]
    assert len(rows) == 1
    row = rows[0]
    assert row["entity_type"] == "customer"
    assert row["user_id"] == tenant.user_id
    assert row["changes"]["before"]["name"] == "Old Name"
    assert row["changes"]["after"]["name"] == "New Name"
    assert set(row["changes"]["before"]) == set(row["changes"]["after"])
    # Only what changed (updated_at may move with the row); nothing else is copied.
    assert set(row["changes"]["after"]) <= {"name", "updated_at"}

    deleted = await tenant.delete(url)
    assert deleted.status_code == 204, deleted.text
    assert deleted.content == b""
    assert_problem(await tenant.get(url), 404, "not-found")
    assert_problem(await tenant.put(url, json={"name": "Ghost"}), 404, "not-found")
    assert_problem(await tenant.delete(url), 404, "not-found")

    trail = (await tenant.get("/api/v1/audit-logs", params={"entity_id": created["id"]})).json()
    assert [r["action"] for r in trail["items"]] == [
        "customer.deleted",
        "customer.updated",
        "customer.created",
    ]


async def test_put_without_changes_writes_no_audit_row(tenant: TenantClient) -> None:
    created = await tenant.create(CUSTOMERS, {"name": "Same Name", "state_code": "27"})
    response = await tenant.put(f"{CUSTOMERS}/{created['id']}", json={"name": "Same Name"})
    assert response.status_code == 200, response.text
    audit = await tenant.get(
        "/api/v1/audit-logs", params={"entity_id": created["id"], "action": "customer.updated"}
    )
    assert audit.json()["total"] == 0


async def test_put_new_gstin_moves_state_code(tenant: TenantClient) -> None:
    created = await tenant.create(CUSTOMERS, {"name": "Moving Co", "gstin": MH_GSTIN})
    assert created["state_code"] == "27"

    response = await tenant.put(f"{CUSTOMERS}/{created['id']}", json={"gstin": KA_GSTIN})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["gstin"] == KA_GSTIN
    assert body["state_code"] == "29"
    assert body["gst_treatment"] == "registered"


async def test_put_new_gstin_with_contradicting_state_is_refused(tenant: TenantClient) -> None:
    created = await tenant.create(CUSTOMERS, {"name": "Moving Co", "gstin": MH_GSTIN})
    response = await tenant.put(
        f"{CUSTOMERS}/{created['id']}", json={"gstin": KA_GSTIN, "state_code": "27"}
    )
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["state_code"]
    unchanged = (await tenant.get(f"{CUSTOMERS}/{created['id']}")).json()
    assert (unchanged["gstin"], unchanged["state_code"]) == (MH_GSTIN, "27")


async def test_put_refuses_mass_assignment(tenant: TenantClient) -> None:
    created = await tenant.create(CUSTOMERS, {"name": "Locked Co", "state_code": "27"})
    response = await tenant.put(
        f"{CUSTOMERS}/{created['id']}", json={"tenant_id": str(uuid.uuid4())}
    )
    body = assert_problem(response, 422, "validation-error")
    assert body["errors"][0]["type"] == "extra_forbidden"


async def test_customer_on_an_invoice_is_archived_not_deleted(
    tenant: TenantClient, connection: AsyncConnection
) -> None:
    kept = await tenant.create(CUSTOMERS, {"name": "Invoiced Co", "gstin": MH_GSTIN})
    other = await tenant.create(CUSTOMERS, {"name": "Plain Co", "state_code": "27"})
    await add_invoice_for(connection, tenant, kept["id"])
    url = f"{CUSTOMERS}/{kept['id']}"

    response = await tenant.delete(url)
    assert response.status_code == 204, response.text

    fetched = await tenant.get(url)
    assert fetched.status_code == 200, fetched.text
    body = fetched.json()
    assert body["archived_at"] is not None
    assert body["is_active"] is False

    listed = (await tenant.get(CUSTOMERS)).json()
    assert [c["id"] for c in listed["items"]] == [other["id"]]
    assert listed["total"] == 1
    with_archived = (await tenant.get(CUSTOMERS, params={"include_archived": "true"})).json()
    assert {c["id"] for c in with_archived["items"]} == {kept["id"], other["id"]}
    assert with_archived["total"] == 2

    trail = (await tenant.get("/api/v1/audit-logs", params={"entity_id": kept["id"]})).json()
    assert "customer.archived" in [r["action"] for r in trail["items"]]
    assert "customer.deleted" not in [r["action"] for r in trail["items"]]


# --------------------------------------------------------------------------- isolation


async def test_other_tenants_customer_is_not_found(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    theirs = await other_tenant.create(CUSTOMERS, {"name": "Their Customer", "gstin": MH_GSTIN})
    url = f"{CUSTOMERS}/{theirs['id']}"

    assert_problem(await tenant.get(url), 404, "not-found")
    assert_problem(await tenant.put(url, json={"name": "Hijacked"}), 404, "not-found")
    assert_problem(await tenant.delete(url), 404, "not-found")
    assert (await tenant.get(CUSTOMERS)).json()["total"] == 0

    still = (await other_tenant.get(url)).json()
    assert still["name"] == "Their Customer"


async def test_other_tenants_references_are_refused(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    their_type = await other_tenant.create("/api/v1/client-types", {"name": "Wholesale"})
    their_manager = await other_tenant.create("/api/v1/account-managers", {"name": "Anil"})

    response = await tenant.post(
        CUSTOMERS,
        json={"name": "Crossing Co", "state_code": "27", "client_type_id": their_type["id"]},
    )
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["client_type_id"]

    response = await tenant.post(
        CUSTOMERS,
        json={"name": "Crossing Co", "state_code": "27", "account_manager_id": their_manager["id"]},
    )
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["account_manager_id"]

    mine = await tenant.create(CUSTOMERS, {"name": "Mine Co", "state_code": "27"})
    response = await tenant.put(
        f"{CUSTOMERS}/{mine['id']}", json={"client_type_id": their_type["id"]}
    )
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["client_type_id"]


# --------------------------------------------------------------------------- roles


async def test_viewer_reads_but_cannot_write(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    existing = await tenant.create(CUSTOMERS, {"name": "Visible Co", "state_code": "27"})
    viewer = await add_member(connection, settings, tenant, "viewer")

    listed = await viewer.get(CUSTOMERS)
    assert listed.status_code == 200, listed.text
    assert [c["id"] for c in listed.json()["items"]] == [existing["id"]]
    assert (await viewer.get(f"{CUSTOMERS}/{existing['id']}")).status_code == 200

    url = f"{CUSTOMERS}/{existing['id']}"
    assert_problem(
        await viewer.post(CUSTOMERS, json={"name": "Nope", "state_code": "27"}), 403, "forbidden"
    )
    assert_problem(await viewer.put(url, json={"name": "Nope"}), 403, "forbidden")
    assert_problem(await viewer.delete(url), 403, "forbidden")
    assert (await tenant.get(url)).json()["name"] == "Visible Co"


async def test_accountant_writes_customers_but_not_settings(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    accountant = await add_member(connection, settings, tenant, "accountant")

    response = await accountant.post(CUSTOMERS, json={"name": "Books Co", "gstin": TN_GSTIN})
    assert response.status_code == 201, response.text
    assert response.json()["state_code"] == "33"

    forbidden = await accountant.post(
        "/api/v1/service-types",
        json={"name": "Audit fee", "hsn_sac_code": "998221", "default_gst_rate": "18"},
    )
    assert_problem(forbidden, 403, "forbidden")
    assert_problem(
        await accountant.post("/api/v1/client-types", json={"name": "Retail"}), 403, "forbidden"
    )


async def test_token_minted_with_the_app_settings_is_accepted(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    """The app was built with ``settings``; a token signed with its SECRET_KEY is valid."""
    viewer = await mint_member(connection, settings, tenant, "viewer")
    response = await viewer.get(CUSTOMERS)
    assert response.status_code == 200, response.text
    assert_problem(
        await viewer.post(CUSTOMERS, json={"name": "Nope", "state_code": "27"}), 403, "forbidden"
    )


async def test_unauthenticated_request_is_refused(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(CUSTOMERS), 401, "unauthorized")


async def test_legacy_daman_and_diu_gstin_maps_to_state_26(tenant: TenantClient) -> None:
    created = await tenant.create(CUSTOMERS, {"name": "Daman Co", "gstin": make_gstin("25")})
    assert created["state_code"] == "26"
    assert created["gstin"].startswith("25")


async def test_unregistered_with_gstin_is_refused(tenant: TenantClient) -> None:
    response = await tenant.post(
        CUSTOMERS,
        json={"name": "Confused Co", "gst_treatment": "unregistered", "gstin": make_gstin("07")},
    )
    body = assert_problem(response, 422, "validation-error")
    assert error_fields(body) == ["gst_treatment"]
