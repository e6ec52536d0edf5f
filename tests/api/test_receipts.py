"""Receipts through the real API: numbering per company and financial year, TDS, allocation
to invoices (at creation, later, automatically oldest-due first), the invoice's paid / due /
status after every step, giving allocations back, deletion, edits, filters, refunds of
advances, tenancy and roles, and over-allocation under concurrency (real commits)."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings
from app.utils.clock import today_ist
from app.utils.gst import financial_year
from tests.support import TenantClient, add_member, assert_problem, new_email, register_tenant

API = "/api/v1"
COMPANIES = f"{API}/companies"
CUSTOMERS = f"{API}/customers"
INVOICES = f"{API}/invoices"
RECEIPTS = f"{API}/receipts"

MH = "27AAPFU0939F1ZV"  # Maharashtra: the supplier
KA = "29AABCR1718E1ZL"  # Karnataka: the usual (inter-state) buyer
TN = "33AAAAR6720M1ZG"  # Tamil Nadu: a second company of the same tenant
SAC = "998314"

CONCURRENCY_TIMEOUT = 60  # seconds: a deadlock (or a lock queue that never drains) fails


# -- helpers -------------------------------------------------------------------------------


def fy_short(day: date) -> str:
    label = financial_year(day)
    return f"{label[2:4]}-{label[5:7]}"


def days_ago(n: int) -> str:
    return (today_ist() - timedelta(days=n)).isoformat()


def line(price: str = "1000", rate: str = "18") -> dict[str, Any]:
    """One unit at ``price``: Rs 1,000 at 18% is Rs 1,180."""
    return {"description": "Consulting", "hsn_sac": SAC, "unit_price": price, "gst_rate": rate}


async def add_company(
    owner: TenantClient, gstin: str = MH, legal_name: str = "Sharma Digital Services Pvt Ltd"
) -> dict[str, Any]:
    return await owner.create(COMPANIES, {"legal_name": legal_name, "gstin": gstin})


async def add_customer(owner: TenantClient, name: str = "Rao Textiles") -> dict[str, Any]:
    return await owner.create(CUSTOMERS, {"name": name, "gstin": KA, "email": new_email("ap")})


async def create_invoice(
    owner: TenantClient, customer: dict[str, Any], price: str = "1000", **fields: Any
) -> dict[str, Any]:
    """Issued by default (``issue=False`` leaves a draft)."""
    body = {"customer_id": customer["id"], "lines": [line(price)], "issue": True, **fields}
    response = await owner.post(INVOICES, json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def get_invoice(owner: TenantClient, invoice_id: str) -> dict[str, Any]:
    response = await owner.get(f"{INVOICES}/{invoice_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def paid_state(owner: TenantClient, invoice_id: str) -> tuple[str, str, str]:
    """(status, amount_paid, amount_due) as stored now."""
    invoice = await get_invoice(owner, invoice_id)
    return invoice["status"], invoice["amount_paid"], invoice["amount_due"]


async def create_receipt(
    owner: TenantClient, customer: dict[str, Any], amount: str = "1000", **fields: Any
) -> dict[str, Any]:
    body = {"customer_id": customer["id"], "amount": amount, "mode": "bank_transfer", **fields}
    return await owner.create(RECEIPTS, body)


async def get_receipt(owner: TenantClient, receipt_id: str) -> dict[str, Any]:
    response = await owner.get(f"{RECEIPTS}/{receipt_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def allocate(
    owner: TenantClient, receipt: dict[str, Any], *pairs: tuple[dict[str, Any], str]
) -> httpx.Response:
    allocations = [{"invoice_id": invoice["id"], "amount": amount} for invoice, amount in pairs]
    return await owner.post(
        f"{RECEIPTS}/{receipt['id']}/allocate", json={"allocations": allocations}
    )


def allocated_to(receipt: dict[str, Any]) -> dict[str, str]:
    """invoice id -> amount allocated from this receipt."""
    return {a["invoice_id"]: a["amount"] for a in receipt["allocations"]}


def field_errors(problem: dict[str, Any]) -> list[str]:
    return [error["field"] for error in problem.get("errors", [])]


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


# -- create and number ---------------------------------------------------------------------


async def test_numbers_run_per_company_and_financial_year(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    fy = fy_short(today_ist())

    first = await create_receipt(tenant, customer)
    second = await create_receipt(tenant, customer)
    assert (first["number"], first["financial_year"]) == (
        f"RCT/{fy}/0001",
        financial_year(today_ist()),
    )
    assert second["number"] == f"RCT/{fy}/0002"
    assert first["receipt_date"] == today_ist().isoformat()

    # The financial year is the receipt date's: 31 March and 1 April fall in different
    # years, each with its own counter.
    march = await create_receipt(tenant, customer, receipt_date="2025-03-31")
    april = await create_receipt(tenant, customer, receipt_date="2025-04-01")
    april_before = await create_receipt(tenant, customer, receipt_date="2024-04-01")
    assert (march["number"], march["financial_year"]) == ("RCT/24-25/0001", "2024-25")
    assert (april["number"], april["financial_year"]) == ("RCT/25-26/0001", "2025-26")
    assert april_before["number"] == "RCT/24-25/0002"

    # Each company counts on its own.
    branch = await add_company(tenant, TN, "Sharma Chennai")
    other = await create_receipt(tenant, customer, company_id=branch["id"])
    assert (other["number"], other["company_id"]) == (f"RCT/{fy}/0001", branch["id"])
    assert (await create_receipt(tenant, customer))["number"] == f"RCT/{fy}/0003"


async def test_tds_adds_to_the_settled_value(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    receipt = await create_receipt(
        tenant,
        customer,
        "90000",
        tds_amount="10000",
        tds_section="194J",
        mode="upi",
        reference="UTR000111",
        notes="Net of 10% TDS",
    )
    assert (receipt["amount"], receipt["tds_amount"], receipt["tds_section"]) == (
        "90000.00",
        "10000.00",
        "194J",
    )
    assert (receipt["settled_value"], receipt["unallocated"]) == ("100000.00", "100000.00")
    assert (receipt["amount_allocated"], receipt["amount_refunded"]) == ("0.00", "0.00")
    assert (receipt["mode"], receipt["reference"], receipt["allocations"]) == (
        "upi",
        "UTR000111",
        [],
    )
    assert await get_receipt(tenant, receipt["id"]) == receipt

    # Without TDS the section is not kept.
    plain = await create_receipt(tenant, customer, "500", tds_section="194C")
    assert (plain["settled_value"], plain["tds_section"]) == ("500.00", None)


async def test_create_is_validated(tenant: TenantClient, other_tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    await add_company(other_tenant)
    foreign_customer = await add_customer(other_tenant)
    good = {"customer_id": customer["id"], "amount": "1000", "mode": "cash"}

    for bad in (
        {"tds_amount": "100"},  # TDS needs its section
        {"tds_amount": "100", "tds_section": "xyz"},
        {"tds_amount": "100", "tds_section": "19J"},
        {"amount": "0"},
        {"amount": "-100"},
        {"amount": "10.001"},
        {"tds_amount": "-1", "tds_section": "194C"},
        {"mode": "barter"},
        {"status": "paid"},  # unknown fields are refused
        {"amount_allocated": "1000"},
        {"receipt_date": "2026-02-30"},
        {"receipt_date": "24/11/2026"},
    ):
        response = await tenant.post(RECEIPTS, json={**good, **bad})
        assert_problem(response, 422, "validation-error")

    response = await tenant.post(RECEIPTS, json={**good, "customer_id": foreign_customer["id"]})
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["customer_id"]
    response = await tenant.post(RECEIPTS, json={**good, "customer_id": str(uuid.uuid4())})
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["customer_id"]
    foreign_company = (await other_tenant.get(COMPANIES)).json()["items"][0]
    response = await tenant.post(RECEIPTS, json={**good, "company_id": foreign_company["id"]})
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["company_id"]

    invoice = await create_invoice(tenant, customer)
    both = {
        **good,
        "auto_allocate": True,
        "allocations": [{"invoice_id": invoice["id"], "amount": "10"}],
    }
    assert_problem(await tenant.post(RECEIPTS, json=both), 422, "validation-error")

    # No refused request took a number.
    assert (await tenant.get(RECEIPTS)).json()["total"] == 0
    accepted = await tenant.create(RECEIPTS, {**good, "tds_amount": "100", "tds_section": "194J"})
    assert accepted["number"] == f"RCT/{fy_short(today_ist())}/0001"


async def test_receipts_need_a_company(tenant: TenantClient) -> None:
    customer = await add_customer(tenant)
    response = await tenant.post(
        RECEIPTS, json={"customer_id": customer["id"], "amount": "10", "mode": "cash"}
    )
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["company_id"]


# -- allocation ----------------------------------------------------------------------------


async def test_allocations_move_the_invoice_from_issued_to_paid_and_back(
    tenant: TenantClient,
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer, "10000")  # 11,800 with IGST
    iid = invoice["id"]
    assert (invoice["status"], invoice["amount_paid"], invoice["amount_due"]) == (
        "issued",
        "0.00",
        "11800.00",
    )

    # At creation: 5,000 of a 6,000 receipt.
    first = await create_receipt(
        tenant, customer, "6000", allocations=[{"invoice_id": iid, "amount": "5000"}]
    )
    assert (first["amount_allocated"], first["unallocated"]) == ("5000.00", "1000.00")
    assert allocated_to(first) == {iid: "5000.00"}
    assert await paid_state(tenant, iid) == ("partially_paid", "5000.00", "6800.00")

    # Later: allocating again to the same invoice adds to the same allocation.
    response = await allocate(tenant, first, (invoice, "600"), (invoice, "400"))
    assert response.status_code == 200, response.text
    first = response.json()
    assert (first["amount_allocated"], first["unallocated"]) == ("6000.00", "0.00")
    assert allocated_to(first) == {iid: "6000.00"}
    assert len(first["allocations"]) == 1
    assert await paid_state(tenant, iid) == ("partially_paid", "6000.00", "5800.00")

    # A second receipt (with TDS) settles the rest: 5,300 received + 500 TDS.
    second = await create_receipt(tenant, customer, "5300", tds_amount="500", tds_section="194J")
    response = await allocate(tenant, second, (invoice, "5800"))
    assert response.status_code == 200, response.text
    second = response.json()
    assert (second["amount_allocated"], second["unallocated"]) == ("5800.00", "0.00")
    assert await paid_state(tenant, iid) == ("paid", "11800.00", "0.00")

    # Giving allocations back makes the invoice due again, status included.
    allocation = second["allocations"][0]
    response = await tenant.delete(f"{RECEIPTS}/{second['id']}/allocations/{allocation['id']}")
    assert response.status_code == 200, response.text
    second = response.json()
    assert (second["amount_allocated"], second["unallocated"], second["allocations"]) == (
        "0.00",
        "5800.00",
        [],
    )
    assert await paid_state(tenant, iid) == ("partially_paid", "6000.00", "5800.00")
    again = await tenant.delete(f"{RECEIPTS}/{second['id']}/allocations/{allocation['id']}")
    assert_problem(again, 404, "not-found")

    allocation = first["allocations"][0]
    response = await tenant.delete(f"{RECEIPTS}/{first['id']}/allocations/{allocation['id']}")
    assert response.status_code == 200, response.text
    assert response.json()["unallocated"] == "6000.00"
    assert await paid_state(tenant, iid) == ("issued", "0.00", "11800.00")

    # Another receipt's allocation id is not this receipt's.
    response = await allocate(tenant, first, (invoice, "100"))
    foreign = response.json()["allocations"][0]["id"]
    response = await tenant.delete(f"{RECEIPTS}/{second['id']}/allocations/{foreign}")
    assert_problem(response, 404, "not-found")
    assert await paid_state(tenant, iid) == ("partially_paid", "100.00", "11700.00")


async def test_one_receipt_settles_several_invoices(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    a = await create_invoice(tenant, customer, "1000")  # 1,180
    b = await create_invoice(tenant, customer, "2000")  # 2,360
    receipt = await create_receipt(
        tenant,
        customer,
        "3000",
        allocations=[
            {"invoice_id": a["id"], "amount": "1180"},
            {"invoice_id": b["id"], "amount": "1820"},
        ],
    )
    assert allocated_to(receipt) == {a["id"]: "1180.00", b["id"]: "1820.00"}
    assert receipt["unallocated"] == "0.00"
    assert await paid_state(tenant, a["id"]) == ("paid", "1180.00", "0.00")
    assert await paid_state(tenant, b["id"]) == ("partially_paid", "1820.00", "540.00")


async def test_auto_allocation_settles_the_oldest_due_date_first(tenant: TenantClient) -> None:
    await add_company(tenant)
    branch = await add_company(tenant, TN, "Sharma Chennai")
    customer = await add_customer(tenant)
    other_customer = await add_customer(tenant, "Mehta Exports")
    # Created in an order unlike their due dates (each 1,180).
    recent = await create_invoice(tenant, customer, invoice_date=days_ago(5))  # due in 10 days
    oldest = await create_invoice(tenant, customer, invoice_date=days_ago(60))  # 45 days late
    middle = await create_invoice(tenant, customer, invoice_date=days_ago(30), due_date=days_ago(1))
    late_due = await create_invoice(
        tenant,
        customer,
        invoice_date=days_ago(90),
        due_date=(today_ist() + timedelta(days=60)).isoformat(),
    )
    # Never touched: another customer's, another company's, a draft.
    someone_else = await create_invoice(tenant, other_customer, invoice_date=days_ago(120))
    branch_invoice = await create_invoice(
        tenant, customer, invoice_date=days_ago(120), company_id=branch["id"]
    )
    draft = await create_invoice(tenant, customer, invoice_date=days_ago(120), issue=False)

    receipt = await create_receipt(tenant, customer, "3000", auto_allocate=True)
    assert allocated_to(receipt) == {
        oldest["id"]: "1180.00",
        middle["id"]: "1180.00",
        recent["id"]: "640.00",  # partial on the last
    }
    assert (receipt["amount_allocated"], receipt["unallocated"]) == ("3000.00", "0.00")
    assert await paid_state(tenant, oldest["id"]) == ("paid", "1180.00", "0.00")
    assert await paid_state(tenant, middle["id"]) == ("paid", "1180.00", "0.00")
    assert await paid_state(tenant, recent["id"]) == ("partially_paid", "640.00", "540.00")
    assert await paid_state(tenant, late_due["id"]) == ("issued", "0.00", "1180.00")

    # Later, through /allocate: the rest of ``recent``, then ``late_due``; 280 stays.
    advance = await create_receipt(tenant, customer, "2000")
    response = await tenant.post(f"{RECEIPTS}/{advance['id']}/allocate", json={"auto": True})
    assert response.status_code == 200, response.text
    advance = response.json()
    assert allocated_to(advance) == {recent["id"]: "540.00", late_due["id"]: "1180.00"}
    assert advance["unallocated"] == "280.00"

    # Nothing open is left for this customer with this company.
    response = await tenant.post(f"{RECEIPTS}/{advance['id']}/allocate", json={"auto": True})
    assert_problem(response, 409)
    for untouched in (someone_else, branch_invoice):
        assert await paid_state(tenant, untouched["id"]) == ("issued", "0.00", "1180.00")
    assert (await get_invoice(tenant, draft["id"]))["status"] == "draft"

    # allocate takes a list or auto, exactly one of them.
    for body in ({}, {"auto": False}, {"allocations": []}, {"auto": True, "allocations": [{}]}):
        response = await tenant.post(f"{RECEIPTS}/{advance['id']}/allocate", json=body)
        assert_problem(response, 422, "validation-error")


async def test_allocation_refusals_change_nothing(tenant: TenantClient) -> None:
    await add_company(tenant)
    branch = await add_company(tenant, TN, "Sharma Chennai")
    customer = await add_customer(tenant)
    other_customer = await add_customer(tenant, "Mehta Exports")
    invoice = await create_invoice(tenant, customer)  # 1,180
    theirs = await create_invoice(tenant, other_customer)
    branch_invoice = await create_invoice(tenant, customer, company_id=branch["id"])
    draft = await create_invoice(tenant, customer, issue=False)
    void = await create_invoice(tenant, customer)
    response = await tenant.post(f"{INVOICES}/{void['id']}/void", json={"reason": "Duplicate"})
    assert response.status_code == 200, response.text
    receipt = await create_receipt(tenant, customer, "2000")

    # Another customer's or another company's invoice: 422.
    for target in (theirs, branch_invoice):
        problem = assert_problem(
            await allocate(tenant, receipt, (target, "100")), 422, "validation-error"
        )
        assert field_errors(problem) == ["allocations"]
    # A draft or void invoice has nothing to settle: 409 over-allocation.
    for target in (draft, void):
        assert_problem(await allocate(tenant, receipt, (target, "100")), 409, "over-allocation")
    # More than the invoice's amount due, also when split in two lines.
    problem = assert_problem(
        await allocate(tenant, receipt, (invoice, "1180.01")), 409, "over-allocation"
    )
    assert problem["amount_due"] == "1180.00"
    assert_problem(
        await allocate(tenant, receipt, (invoice, "1000"), (invoice, "181")),
        409,
        "over-allocation",
    )
    # An unknown invoice.
    ghost = {"id": str(uuid.uuid4())}
    assert_problem(await allocate(tenant, receipt, (ghost, "100")), 404, "not-found")
    # A good allocation together with a bad one: all or nothing.
    assert_problem(
        await allocate(tenant, receipt, (invoice, "100"), (theirs, "100")),
        422,
        "validation-error",
    )

    after = await get_receipt(tenant, receipt["id"])
    assert (after["amount_allocated"], after["allocations"]) == ("0.00", [])
    assert await paid_state(tenant, invoice["id"]) == ("issued", "0.00", "1180.00")
    assert await paid_state(tenant, theirs["id"]) == ("issued", "0.00", "1180.00")

    # More than the receipt has left: 409 saying what is available.
    second = await create_invoice(tenant, customer, "2000")  # 2,360
    response = await allocate(tenant, receipt, (invoice, "1180"))
    assert response.status_code == 200, response.text
    problem = assert_problem(
        await allocate(tenant, receipt, (second, "820.01")), 409, "over-allocation"
    )
    assert problem["available"] == "820.00"
    response = await allocate(tenant, receipt, (second, "820"))
    assert response.status_code == 200, response.text
    assert response.json()["unallocated"] == "0.00"
    assert await paid_state(tenant, second["id"]) == ("partially_paid", "820.00", "1540.00")


async def test_refused_allocation_at_creation_keeps_no_receipt_and_no_number(
    tenant: TenantClient,
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer)  # 1,180
    fy = fy_short(today_ist())
    for allocations, status in (
        ([{"invoice_id": invoice["id"], "amount": "1000.01"}], 409),  # receipt has 1,000
        ([{"invoice_id": invoice["id"], "amount": "500"}] * 3, 409),
    ):
        response = await tenant.post(
            RECEIPTS,
            json={
                "customer_id": customer["id"],
                "amount": "1000",
                "mode": "cash",
                "allocations": allocations,
            },
        )
        assert_problem(response, status, "over-allocation")
    assert (await tenant.get(RECEIPTS)).json()["total"] == 0
    assert await paid_state(tenant, invoice["id"]) == ("issued", "0.00", "1180.00")
    receipt = await create_receipt(tenant, customer)
    assert receipt["number"] == f"RCT/{fy}/0001"


# -- delete and edit -----------------------------------------------------------------------


async def test_delete_reverses_allocations_and_keeps_the_number_used(
    tenant: TenantClient,
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    a = await create_invoice(tenant, customer)
    b = await create_invoice(tenant, customer)
    fy = fy_short(today_ist())
    receipt = await create_receipt(
        tenant,
        customer,
        "2000",
        allocations=[
            {"invoice_id": a["id"], "amount": "1180"},
            {"invoice_id": b["id"], "amount": "500"},
        ],
    )
    keep = await create_receipt(
        tenant, customer, "100", allocations=[{"invoice_id": b["id"], "amount": "100"}]
    )
    assert receipt["number"] == f"RCT/{fy}/0001"
    assert await paid_state(tenant, a["id"]) == ("paid", "1180.00", "0.00")
    assert await paid_state(tenant, b["id"]) == ("partially_paid", "600.00", "580.00")

    response = await tenant.delete(f"{RECEIPTS}/{receipt['id']}")
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert await paid_state(tenant, a["id"]) == ("issued", "0.00", "1180.00")
    assert await paid_state(tenant, b["id"]) == ("partially_paid", "100.00", "1080.00")

    url = f"{RECEIPTS}/{receipt['id']}"
    assert_problem(await tenant.get(url), 404, "not-found")
    assert_problem(await tenant.delete(url), 404, "not-found")
    assert_problem(await tenant.put(url, json={"notes": "back?"}), 404, "not-found")
    assert_problem(await allocate(tenant, receipt, (a, "1")), 404, "not-found")
    refund = await tenant.post(f"{url}/refund", json={"amount": "1", "mode": "cash"})
    assert_problem(refund, 404, "not-found")
    listing = (await tenant.get(RECEIPTS)).json()
    assert (listing["total"], ids(listing)) == (1, [keep["id"]])
    searched = (await tenant.get(RECEIPTS, params={"search": receipt["number"]})).json()
    assert searched["total"] == 0

    # Its number stays used: the next receipt takes the one after ``keep``.
    assert (await create_receipt(tenant, customer))["number"] == f"RCT/{fy}/0003"


async def test_update_details_always_money_only_while_nothing_is_allocated(
    tenant: TenantClient,
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer)
    allocated = await create_receipt(
        tenant, customer, "1000", allocations=[{"invoice_id": invoice["id"], "amount": "400"}]
    )
    url = f"{RECEIPTS}/{allocated['id']}"

    response = await tenant.put(
        url, json={"notes": "Paid by NEFT", "reference": "UTR999", "mode": "upi"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["notes"], body["reference"], body["mode"]) == ("Paid by NEFT", "UTR999", "upi")
    assert (body["amount"], body["amount_allocated"]) == ("1000.00", "400.00")
    # The same amount is no change.
    assert (await tenant.put(url, json={"amount": "1000.00"})).status_code == 200
    for change in (
        {"amount": "1500"},
        {"amount": "400"},
        {"tds_amount": "100", "tds_section": "194J"},
        {"receipt_date": days_ago(1)},
    ):
        assert_problem(await tenant.put(url, json=change), 409, "conflict")
    assert (await get_receipt(tenant, allocated["id"]))["amount"] == "1000.00"
    assert await paid_state(tenant, invoice["id"]) == ("partially_paid", "400.00", "780.00")

    free = await create_receipt(tenant, customer, "1000")
    url = f"{RECEIPTS}/{free['id']}"
    response = await tenant.put(url, json={"amount": "1500"})
    assert response.status_code == 200, response.text
    assert (response.json()["amount"], response.json()["unallocated"]) == ("1500.00", "1500.00")
    response = await tenant.put(url, json={"tds_amount": "150", "tds_section": "194C"})
    assert response.status_code == 200, response.text
    assert (response.json()["settled_value"], response.json()["tds_section"]) == (
        "1650.00",
        "194C",
    )
    assert_problem(await tenant.put(url, json={"amount": "0"}), 422, "validation-error")
    assert_problem(await tenant.put(url, json={"tds_section": "abc"}), 422, "validation-error")
    assert_problem(await tenant.put(url, json={"number": "X/1"}), 422, "validation-error")
    assert_problem(
        await tenant.put(url, json={"customer_id": str(uuid.uuid4())}), 422, "validation-error"
    )
    # TDS without a section, on a receipt that has none.
    bare = await create_receipt(tenant, customer, "100")
    assert_problem(
        await tenant.put(f"{RECEIPTS}/{bare['id']}", json={"tds_amount": "10"}),
        422,
        "validation-error",
    )


async def test_a_new_date_keeps_the_number_in_its_financial_year(tenant: TenantClient) -> None:
    """Numbers run per financial year of the receipt date: moving an unallocated receipt into
    another year must either be refused or take that year's series, never leave a 2025-26
    receipt numbered in another year's series."""
    await add_company(tenant)
    customer = await add_customer(tenant)
    receipt = await create_receipt(tenant, customer, receipt_date="2026-06-01")
    assert (receipt["number"], receipt["financial_year"]) == ("RCT/26-27/0001", "2026-27")

    response = await tenant.put(
        f"{RECEIPTS}/{receipt['id']}", json={"receipt_date": "2026-04-30"}
    )  # same year: fine
    assert response.status_code == 200, response.text
    assert response.json()["number"] == "RCT/26-27/0001"

    response = await tenant.put(f"{RECEIPTS}/{receipt['id']}", json={"receipt_date": "2025-06-01"})
    if response.status_code == 200:
        body = response.json()
        assert body["receipt_date"] == "2025-06-01"
        assert (body["financial_year"], body["number"][:10]) == ("2025-26", "RCT/25-26/"), body
    else:
        assert response.status_code in (409, 422), response.text
        assert_problem(response, response.status_code)
        assert (await get_receipt(tenant, receipt["id"]))["receipt_date"] == "2026-04-30"


async def test_refund_cannot_predate_the_money_it_returns(tenant: TenantClient) -> None:
    """A refund dated before its receipt puts the money back before it came in: the
    statement would show it as owed by the customer for the days in between."""
    await add_company(tenant)
    customer = await add_customer(tenant)
    receipt = await create_receipt(tenant, customer, "1000", receipt_date="2026-06-01")
    url = f"{RECEIPTS}/{receipt['id']}/refund"
    response = await tenant.post(
        url, json={"amount": "100", "mode": "cash", "refund_date": "2026-05-31"}
    )
    assert_problem(response, 422, "validation-error")
    assert (await get_receipt(tenant, receipt["id"]))["amount_refunded"] == "0.00"
    response = await tenant.post(
        url, json={"amount": "100", "mode": "cash", "refund_date": "2026-06-01"}
    )
    assert response.status_code == 201, response.text


# -- listing -------------------------------------------------------------------------------


async def test_list_filters_search_and_pagination(tenant: TenantClient) -> None:
    await add_company(tenant)
    rao = await add_customer(tenant)
    mehta = await add_customer(tenant, "Mehta Exports")
    invoice = await create_invoice(tenant, rao, "10000")
    r1 = await create_receipt(
        tenant, rao, "1000", receipt_date=days_ago(40), mode="cheque", reference="CHQ-000123"
    )
    r2 = await create_receipt(
        tenant,
        rao,
        "2000",
        receipt_date=days_ago(20),
        mode="bank_transfer",
        reference="UTR8812345",
        allocations=[{"invoice_id": invoice["id"], "amount": "2000"}],  # fully allocated
    )
    r3 = await create_receipt(
        tenant,
        rao,
        "3000",
        receipt_date=days_ago(10),
        mode="upi",
        reference="utr8899",
        allocations=[{"invoice_id": invoice["id"], "amount": "1000"}],  # 2,000 left
    )
    r4 = await create_receipt(tenant, mehta, "4000", receipt_date=days_ago(1), mode="upi")

    async def listed(**params: Any) -> list[str]:
        response = await tenant.get(RECEIPTS, params=params)
        assert response.status_code == 200, response.text
        return ids(response.json())

    assert await listed() == [r4["id"], r3["id"], r2["id"], r1["id"]]  # newest first
    assert await listed(customer_id=rao["id"]) == [r3["id"], r2["id"], r1["id"]]
    assert await listed(customer_id=mehta["id"]) == [r4["id"]]
    assert await listed(date_from=days_ago(20), date_to=days_ago(10)) == [r3["id"], r2["id"]]
    assert await listed(date_from=days_ago(5)) == [r4["id"]]
    assert await listed(date_to=days_ago(40)) == [r1["id"]]
    assert await listed(mode="upi") == [r4["id"], r3["id"]]
    assert await listed(mode="cheque") == [r1["id"]]
    assert await listed(unallocated="true") == [r4["id"], r3["id"], r1["id"]]
    assert await listed(unallocated="false") == [r2["id"]]
    assert await listed(search="UTR88") == [r3["id"], r2["id"]]  # by reference, any case
    assert await listed(search="8812345") == [r2["id"]]
    assert await listed(search=r1["number"]) == [r1["id"]]  # by number
    assert await listed(search="100%_") == []  # LIKE wildcards are literal
    assert await listed(customer_id=rao["id"], mode="upi", unallocated="true") == [r3["id"]]
    assert await listed(sort="amount") == [r1["id"], r2["id"], r3["id"], r4["id"]]
    assert await listed(sort="-number") == [r4["id"], r3["id"], r2["id"], r1["id"]]

    page1 = (await tenant.get(RECEIPTS, params={"page_size": 3, "sort": "amount"})).json()
    page2 = (
        await tenant.get(RECEIPTS, params={"page_size": 3, "page": 2, "sort": "amount"})
    ).json()
    assert (page1["total"], page1["page"], page1["page_size"]) == (4, 1, 3)
    assert ids(page1) == [r1["id"], r2["id"], r3["id"]]
    assert (page2["total"], page2["page"], ids(page2)) == (4, 2, [r4["id"]])
    listed_r3 = next(item for item in page1["items"] if item["id"] == r3["id"])
    assert allocated_to(listed_r3) == {invoice["id"]: "1000.00"}
    assert listed_r3["unallocated"] == "2000.00"

    for params in (
        {"mode": "barter"},
        {"date_from": "yesterday"},
        {"customer_id": "not-a-uuid"},
        {"unallocated": "maybe"},
        {"sort": "customer"},
        {"page_size": "0"},
        {"page": "0"},
    ):
        assert_problem(await tenant.get(RECEIPTS, params=params), 422)


# -- refunds -------------------------------------------------------------------------------


async def test_refund_of_an_advance(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer, "10000")
    receipt = await create_receipt(
        tenant,
        customer,
        "4500",
        tds_amount="500",
        tds_section="194J",
        allocations=[{"invoice_id": invoice["id"], "amount": "3000"}],
    )
    assert receipt["unallocated"] == "2000.00"
    url = f"{RECEIPTS}/{receipt['id']}/refund"

    too_much = await tenant.post(url, json={"amount": "2000.01", "mode": "bank_transfer"})
    assert_problem(too_much, 409, "over-allocation")
    for bad in ({"amount": "0", "mode": "cash"}, {"amount": "10"}, {"amount": "10", "mode": "x"}):
        assert_problem(await tenant.post(url, json=bad), 422, "validation-error")

    response = await tenant.post(
        url,
        json={
            "amount": "1500",
            "mode": "bank_transfer",
            "reference": "UTR-R-1",
            "refund_date": days_ago(0),
        },
    )
    assert response.status_code == 201, response.text
    refund = response.json()
    assert (refund["amount"], refund["receipt_id"], refund["credit_note_id"]) == (
        "1500.00",
        receipt["id"],
        None,
    )
    assert (refund["customer_id"], refund["refund_date"], refund["mode"]) == (
        customer["id"],
        days_ago(0),
        "bank_transfer",
    )
    after = await get_receipt(tenant, receipt["id"])
    assert (after["amount_refunded"], after["unallocated"], after["amount_allocated"]) == (
        "1500.00",
        "500.00",
        "3000.00",
    )
    # What is left can still be allocated, but no more than that.
    problem = assert_problem(
        await allocate(tenant, after, (invoice, "500.01")), 409, "over-allocation"
    )
    assert problem["available"] == "500.00"
    assert_problem(await tenant.post(url, json={"amount": "501", "mode": "cash"}), 409)

    # Money went back to the customer: the receipt can no longer be deleted or re-valued.
    assert_problem(await tenant.delete(f"{RECEIPTS}/{receipt['id']}"), 409, "conflict")
    assert_problem(
        await tenant.put(f"{RECEIPTS}/{receipt['id']}", json={"amount": "9000"}), 409, "conflict"
    )
    assert await paid_state(tenant, invoice["id"]) == ("partially_paid", "3000.00", "8800.00")

    # A refunded advance with no allocation cannot be deleted either.
    advance = await create_receipt(tenant, customer, "100")
    refund_url = f"{RECEIPTS}/{advance['id']}/refund"
    assert (
        await tenant.post(refund_url, json={"amount": "100", "mode": "cash"})
    ).status_code == 201
    assert (await get_receipt(tenant, advance["id"]))["unallocated"] == "0.00"
    assert_problem(await tenant.delete(f"{RECEIPTS}/{advance['id']}"), 409, "conflict")
    assert (await tenant.get(RECEIPTS, params={"unallocated": "true"})).json()["total"] == 1


# -- tenancy and roles ---------------------------------------------------------------------


async def test_other_tenants_receipts_and_allocations_are_not_found(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer)
    receipt = await create_receipt(
        tenant,
        customer,
        "1000",
        reference="UTR-OURS",
        allocations=[{"invoice_id": invoice["id"], "amount": "500"}],
    )
    allocation_id = receipt["allocations"][0]["id"]
    await add_company(other_tenant)
    their_customer = await add_customer(other_tenant)
    their_invoice = await create_invoice(other_tenant, their_customer)
    theirs = await create_receipt(other_tenant, their_customer, "1000")

    url = f"{RECEIPTS}/{receipt['id']}"
    for response in (
        await other_tenant.get(url),
        await other_tenant.put(url, json={"notes": "mine now"}),
        await other_tenant.delete(url),
        await other_tenant.post(f"{url}/allocate", json={"auto": True}),
        await allocate(other_tenant, receipt, (their_invoice, "10")),
        await other_tenant.delete(f"{url}/allocations/{allocation_id}"),
        await other_tenant.post(f"{url}/refund", json={"amount": "10", "mode": "cash"}),
        # Their own receipt with our allocation or our invoice.
        await other_tenant.delete(f"{RECEIPTS}/{theirs['id']}/allocations/{allocation_id}"),
        await allocate(other_tenant, theirs, (invoice, "10")),
    ):
        assert_problem(response, 404, "not-found")
    # Our customer on their receipt.
    response = await other_tenant.post(
        RECEIPTS, json={"customer_id": customer["id"], "amount": "5", "mode": "cash"}
    )
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["customer_id"]

    listing = (await other_tenant.get(RECEIPTS)).json()
    assert (listing["total"], ids(listing)) == (1, [theirs["id"]])
    searched = (await other_tenant.get(RECEIPTS, params={"search": "UTR-OURS"})).json()
    assert searched["items"] == []

    # Nothing changed for the owner.
    mine = await get_receipt(tenant, receipt["id"])
    assert (mine["notes"], mine["amount_allocated"], mine["amount_refunded"]) == (
        None,
        "500.00",
        "0.00",
    )
    assert await paid_state(tenant, invoice["id"]) == ("partially_paid", "500.00", "680.00")


async def test_viewer_reads_receipts_but_cannot_write(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer)
    receipt = await create_receipt(
        tenant, customer, "1000", allocations=[{"invoice_id": invoice["id"], "amount": "100"}]
    )
    viewer = await add_member(connection, settings, tenant, "viewer")

    listed = await viewer.get(RECEIPTS)
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 1
    assert (await viewer.get(f"{RECEIPTS}/{receipt['id']}")).json()["number"] == receipt["number"]
    url = f"{RECEIPTS}/{receipt['id']}"
    allocation_id = receipt["allocations"][0]["id"]
    for response in (
        await viewer.post(
            RECEIPTS, json={"customer_id": customer["id"], "amount": "1", "mode": "cash"}
        ),
        await viewer.put(url, json={"notes": "viewer"}),
        await viewer.delete(url),
        await allocate(viewer, receipt, (invoice, "10")),
        await viewer.delete(f"{url}/allocations/{allocation_id}"),
        await viewer.post(f"{url}/refund", json={"amount": "10", "mode": "cash"}),
    ):
        assert_problem(response, 403, "forbidden")
    after = await get_receipt(tenant, receipt["id"])
    assert (after["notes"], after["amount_allocated"], after["amount_refunded"]) == (
        None,
        "100.00",
        "0.00",
    )


# -- concurrency (real commits, one connection per request) ---------------------------------


async def gather_in_time(*calls: Any) -> list[httpx.Response]:
    """All the requests at once; every one must answer (no deadlock) within the timeout."""
    responses: list[httpx.Response] = await asyncio.wait_for(
        asyncio.gather(*calls), timeout=CONCURRENCY_TIMEOUT
    )
    return responses


def failures_are_over_allocations(responses: list[httpx.Response]) -> None:
    for response in responses:
        if response.status_code != 200:
            assert_problem(response, 409, "over-allocation")


async def live_setup(
    live_client: httpx.AsyncClient, invoices: int
) -> tuple[TenantClient, dict[str, Any], list[dict[str, Any]]]:
    owner = await register_tenant(live_client)
    await add_company(owner)
    customer = await add_customer(owner)
    open_invoices = [await create_invoice(owner, customer) for _ in range(invoices)]
    return owner, customer, open_invoices


@pytest.mark.slow
async def test_concurrent_allocations_never_exceed_the_receipt(
    live_client: httpx.AsyncClient,
) -> None:
    owner, customer, invoices = await live_setup(live_client, 5)  # 5 x 1,180
    receipt = await create_receipt(owner, customer, "1000")
    pick = random.Random(20260401)
    targets = [pick.choice(invoices) for _ in range(20)]

    responses = await gather_in_time(*(allocate(owner, receipt, (t, "100")) for t in targets))

    failures_are_over_allocations(responses)
    successes = [r for r in responses if r.status_code == 200]
    stored = await get_receipt(owner, receipt["id"])
    assert len(successes) * Decimal("100") == Decimal(stored["amount_allocated"])
    assert len(successes) == 10
    assert (stored["amount_allocated"], stored["unallocated"]) == ("1000.00", "0.00")
    paid = {i["id"]: Decimal((await get_invoice(owner, i["id"]))["amount_paid"]) for i in invoices}
    assert sum(paid.values()) == Decimal(stored["amount_allocated"])
    # Per invoice, what the receipt says it paid is what the invoice says it received.
    allocations = {k: Decimal(v) for k, v in allocated_to(stored).items()}
    assert {k: v for k, v in paid.items() if v} == allocations
    for invoice in invoices:
        state = await get_invoice(owner, invoice["id"])
        assert Decimal(state["amount_due"]) == Decimal("1180") - paid[invoice["id"]]
        assert state["status"] == ("partially_paid" if paid[invoice["id"]] else "issued")


@pytest.mark.slow
async def test_receipts_racing_for_one_invoice_never_overpay_it(
    live_client: httpx.AsyncClient,
) -> None:
    owner, customer, (invoice, other) = await live_setup(live_client, 2)  # 1,180 each
    receipts = [await create_receipt(owner, customer, "1000") for _ in range(6)]

    # Round 1: six receipts each want 500 of the same invoice: two fit (180 stays due).
    responses = await gather_in_time(*(allocate(owner, r, (invoice, "500")) for r in receipts))
    failures_are_over_allocations(responses)
    assert [r.status_code for r in responses].count(200) == 2
    state = await get_invoice(owner, invoice["id"])
    assert (state["amount_paid"], state["amount_due"], state["status"]) == (
        "1000.00",
        "180.00",
        "partially_paid",
    )

    # Round 2: both invoices at once, listed in opposite orders (a classic deadlock shape).
    responses = await gather_in_time(
        *(
            allocate(owner, r, (invoice, "100"), (other, "400"))
            if n % 2
            else allocate(owner, r, (other, "400"), (invoice, "100"))
            for n, r in enumerate(receipts)
        )
    )
    failures_are_over_allocations(responses)

    stored = [await get_receipt(owner, r["id"]) for r in receipts]
    for target in (invoice, other):
        state = await get_invoice(owner, target["id"])
        paid = sum((Decimal(allocated_to(r).get(target["id"], "0")) for r in stored), Decimal("0"))
        assert Decimal(state["amount_paid"]) == paid
        assert Decimal(state["amount_due"]) == Decimal("1180") - paid >= 0
    assert (await get_invoice(owner, invoice["id"]))["amount_due"] == "80.00"
    for receipt in stored:
        total = sum((Decimal(a["amount"]) for a in receipt["allocations"]), Decimal("0"))
        assert Decimal(receipt["amount_allocated"]) == total <= Decimal("1000")


@pytest.mark.slow
async def test_racing_auto_allocations_never_overpay(live_client: httpx.AsyncClient) -> None:
    """``auto`` reads the open invoices before it locks them; it must use what it finds
    after the lock, not what it read before, or two receipts both settle the same due."""
    owner, customer, (invoice,) = await live_setup(live_client, 1)  # 1,180
    receipts = [await create_receipt(owner, customer, "1180") for _ in range(6)]

    responses = await gather_in_time(
        *(owner.post(f"{RECEIPTS}/{r['id']}/allocate", json={"auto": True}) for r in receipts)
    )
    for response in responses:
        if response.status_code != 200:
            assert_problem(response, 409)  # over-allocation, or nothing left open
    stored = [await get_receipt(owner, r["id"]) for r in receipts]
    allocated = sum((Decimal(r["amount_allocated"]) for r in stored), Decimal("0"))
    state = await get_invoice(owner, invoice["id"])
    assert (state["amount_paid"], state["amount_due"], state["status"]) == (
        "1180.00",
        "0.00",
        "paid",
    )
    assert allocated == Decimal("1180"), [r["amount_allocated"] for r in stored]
    assert [r.status_code for r in responses].count(200) == 1
