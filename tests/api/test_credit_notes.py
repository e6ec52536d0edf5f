"""Credit notes (CGST Act s.34) through the real API: by quantity and by value, taxed like
the invoice they correct, numbered only at issue, applied to the invoice first and kept as
credit balance beyond that, never more than is left to credit, within the s.34 deadline;
credit applied elsewhere and refunded; voiding; the PDF; the customer statement with
every kind of document; tenancy, roles, and issue racing a payment (real commits)."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
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
NOTES = f"{API}/credit-notes"

MH = "27AAPFU0939F1ZV"  # Maharashtra: the supplier
KA = "29AABCR1718E1ZL"  # Karnataka: an inter-state buyer
TN = "33AAAAR6720M1ZG"  # Tamil Nadu: a second company of the same tenant
SAC = "998314"


# -- helpers -------------------------------------------------------------------------------


def fy_short(day: date) -> str:
    label = financial_year(day)
    return f"{label[2:4]}-{label[5:7]}"


def line(price: str = "1000", quantity: str = "1", rate: str = "18") -> dict[str, Any]:
    return {
        "description": "Consulting day",
        "hsn_sac": SAC,
        "quantity": quantity,
        "unit_price": price,
        "gst_rate": rate,
    }


async def add_company(
    owner: TenantClient, gstin: str = MH, legal_name: str = "Sharma Digital Services Pvt Ltd"
) -> dict[str, Any]:
    return await owner.create(COMPANIES, {"legal_name": legal_name, "gstin": gstin})


async def add_customer(
    owner: TenantClient, name: str = "Patil Traders", *, inter_state: bool = False
) -> dict[str, Any]:
    """In Maharashtra like the supplier (CGST + SGST), or registered in Karnataka (IGST)."""
    where = {"gstin": KA} if inter_state else {"state_code": "27"}
    return await owner.create(CUSTOMERS, {"name": name, "email": new_email("ap"), **where})


async def create_invoice(
    owner: TenantClient,
    customer: dict[str, Any],
    lines: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Issued unless ``issue=False``; one line of 10 days x Rs 1,000 at 18% by default."""
    body = {
        "customer_id": customer["id"],
        "lines": lines or [line(quantity="10")],
        "issue": True,
        **fields,
    }
    response = await owner.post(INVOICES, json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def get(owner: TenantClient, url: str) -> dict[str, Any]:
    response = await owner.get(url)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def invoice_state(owner: TenantClient, invoice_id: str) -> tuple[str, str, str, str]:
    """(status, amount_paid, amount_credited, amount_due) as stored now."""
    invoice = await get(owner, f"{INVOICES}/{invoice_id}")
    return (
        invoice["status"],
        invoice["amount_paid"],
        invoice["amount_credited"],
        invoice["amount_due"],
    )


def by_quantity(invoice: dict[str, Any], quantity: str, index: int = 0) -> dict[str, Any]:
    return {"invoice_line_item_id": invoice["lines"][index]["id"], "quantity": quantity}


def by_value(invoice: dict[str, Any], value: str, index: int = 0) -> dict[str, Any]:
    return {"invoice_line_item_id": invoice["lines"][index]["id"], "taxable_value": value}


async def post_note(
    owner: TenantClient,
    invoice: dict[str, Any],
    *lines: dict[str, Any],
    reason: str = "post_sale_discount",
    **fields: Any,
) -> httpx.Response:
    return await owner.post(
        NOTES,
        json={"invoice_id": invoice["id"], "reason": reason, "lines": list(lines), **fields},
    )


async def create_note(
    owner: TenantClient, invoice: dict[str, Any], *lines: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    response = await post_note(owner, invoice, *lines, **fields)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def issue_note(owner: TenantClient, note: dict[str, Any]) -> dict[str, Any]:
    response = await owner.post(f"{NOTES}/{note['id']}/issue")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def pay(
    owner: TenantClient,
    customer: dict[str, Any],
    invoice: dict[str, Any],
    amount: str,
    **extra: Any,
) -> dict[str, Any]:
    return await owner.create(
        RECEIPTS,
        {
            "customer_id": customer["id"],
            "amount": amount,
            "mode": "bank_transfer",
            "allocations": [{"invoice_id": invoice["id"], "amount": amount}],
            **extra,
        },
    )


def totals(note: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (
        note["taxable_total"],
        note["cgst_total"],
        note["sgst_total"],
        note["igst_total"],
        note["grand_total"],
    )


def field_errors(problem: dict[str, Any]) -> list[str]:
    return [error["field"] for error in problem.get("errors", [])]


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF"), content[:20]
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


# -- create, tax and issue -----------------------------------------------------------------


async def test_draft_by_quantity_and_by_value_then_issue(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)  # intra-state
    # 10 days x 1,000 at 18% + 2 licences x 2,500 at 5%: 15,000 taxable,
    # CGST 900 + 125, SGST 900 + 125: 17,050.
    invoice = await create_invoice(
        tenant, customer, [line(quantity="10"), line("2500", quantity="2", rate="5")]
    )
    assert invoice["grand_total"] == "17050.00"
    fy = fy_short(today_ist())

    by_units = await create_note(tenant, invoice, by_quantity(invoice, "2"), reason="sales_return")
    assert totals(by_units) == ("2000.00", "180.00", "180.00", "0.00", "2360.00")
    assert (by_units["status"], by_units["number"], by_units["issued_at"]) == ("draft", None, None)
    assert (by_units["amount_applied"], by_units["credit_balance"]) == ("0.00", "0.00")
    assert (by_units["place_of_supply"], by_units["customer_id"], by_units["invoice_id"]) == (
        "27",
        customer["id"],
        invoice["id"],
    )
    credited = by_units["lines"][0]
    assert (credited["quantity"], credited["unit_price"], credited["gst_rate"]) == (
        "2",
        "1000.00",
        "18",
    )
    assert credited["invoice_line_item_id"] == invoice["lines"][0]["id"]
    assert credited["description"] == "Consulting day"

    discount = await create_note(tenant, invoice, by_value(invoice, "1000", 1))
    assert totals(discount) == ("1000.00", "25.00", "25.00", "0.00", "1050.00")
    assert discount["number"] is None

    # Drafts do nothing to the invoice.
    assert await invoice_state(tenant, invoice["id"]) == ("issued", "0.00", "0.00", "17050.00")

    issued = await issue_note(tenant, by_units)
    assert (issued["status"], issued["number"]) == ("issued", f"CN/{fy}/0001")
    assert issued["issued_at"] is not None
    assert (issued["amount_applied"], issued["credit_balance"]) == ("2360.00", "0.00")
    assert await invoice_state(tenant, invoice["id"]) == (
        "partially_paid",
        "0.00",
        "2360.00",
        "14690.00",
    )
    assert_problem(await tenant.post(f"{NOTES}/{by_units['id']}/issue"), 409, "conflict")

    issued = await issue_note(tenant, discount)
    assert issued["number"] == f"CN/{fy}/0002"
    assert await invoice_state(tenant, invoice["id"]) == (
        "partially_paid",
        "0.00",
        "3410.00",
        "13640.00",
    )

    # One note may credit several lines; issue=true numbers it at once.
    both = await create_note(
        tenant, invoice, by_quantity(invoice, "1"), by_value(invoice, "500", 1), issue=True
    )
    assert totals(both) == ("1500.00", "102.50", "102.50", "0.00", "1705.00")
    assert both["number"] == f"CN/{fy}/0003"

    listing = await get(tenant, NOTES)
    assert listing["total"] == 3
    only_drafts = await get(tenant, f"{NOTES}?status=draft")
    assert only_drafts["total"] == 0
    for_invoice = await get(tenant, f"{NOTES}?invoice_id={invoice['id']}&reason=sales_return")
    assert [item["id"] for item in for_invoice["items"]] == [by_units["id"]]


async def test_tax_follows_the_invoices_place_of_supply(tenant: TenantClient) -> None:
    await add_company(tenant)
    karnataka = await add_customer(tenant, "Rao Textiles", inter_state=True)
    local = await add_customer(tenant)

    inter = await create_invoice(tenant, karnataka)
    assert (inter["igst_total"], inter["cgst_total"]) == ("1800.00", "0.00")
    note = await create_note(tenant, inter, by_value(inter, "1000"))
    assert totals(note) == ("1000.00", "0.00", "0.00", "180.00", "1180.00")
    assert note["place_of_supply"] == "29"
    assert note["lines"][0]["igst_amount"] == "180.00"

    intra = await create_invoice(tenant, local)
    note = await create_note(tenant, intra, by_value(intra, "1000"))
    assert totals(note) == ("1000.00", "90.00", "90.00", "0.00", "1180.00")

    # The invoice's place of supply wins over the customer's state: a Karnataka buyer
    # billed with place of supply Maharashtra is credited CGST + SGST.
    moved = await create_invoice(tenant, karnataka, place_of_supply="27")
    assert moved["cgst_total"] == "900.00"
    note = await create_note(tenant, moved, by_quantity(moved, "1"))
    assert totals(note) == ("1000.00", "90.00", "90.00", "0.00", "1180.00")
    assert note["place_of_supply"] == "27"


async def test_reverse_charge_credit_leaves_the_tax_out_of_the_balance(
    tenant: TenantClient,
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant, inter_state=True)
    invoice = await create_invoice(tenant, customer, is_reverse_charge=True)
    assert invoice["amount_due"] == "10000.00"  # the buyer pays the 1,800 IGST itself
    note = await create_note(tenant, invoice, by_value(invoice, "1000"), issue=True)
    assert (note["grand_total"], note["is_reverse_charge"]) == ("1180.00", True)
    assert (note["amount_applied"], note["credit_balance"]) == ("1000.00", "0.00")
    assert await invoice_state(tenant, invoice["id"]) == (
        "partially_paid",
        "0.00",
        "1000.00",
        "9000.00",
    )


async def test_issue_settles_what_is_due_and_keeps_the_rest_as_credit(
    tenant: TenantClient,
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer)  # 11,800
    await pay(tenant, customer, invoice, "11000")
    assert await invoice_state(tenant, invoice["id"]) == (
        "partially_paid",
        "11000.00",
        "0.00",
        "800.00",
    )

    note = await create_note(tenant, invoice, by_value(invoice, "1000"), issue=True)  # 1,180
    assert (note["amount_applied"], note["credit_balance"]) == ("800.00", "380.00")
    assert await invoice_state(tenant, invoice["id"]) == ("paid", "11000.00", "800.00", "0.00")

    # Against a fully settled invoice the whole note is credit balance.
    returned = await create_note(
        tenant, invoice, by_quantity(invoice, "1"), reason="sales_return", issue=True
    )
    assert (returned["amount_applied"], returned["credit_balance"]) == ("0.00", "1180.00")
    assert await invoice_state(tenant, invoice["id"]) == ("paid", "11000.00", "800.00", "0.00")
    balances = (await get(tenant, f"{CUSTOMERS}/{customer['id']}"))["balances"]
    assert (balances["outstanding"], balances["unused_credit"]) == ("0.00", "1560.00")


async def test_never_credits_more_than_is_left(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    # Line 0: 10 x 1,000; line 1: 1 x 5,000.
    invoice = await create_invoice(tenant, customer, [line(quantity="10"), line("5000")])
    fy = fy_short(today_ist())

    # More than the line at once, by units or by value (also split over two lines of a note).
    problem = assert_problem(
        await post_note(tenant, invoice, by_quantity(invoice, "11")), 409, "over-allocation"
    )
    assert problem["invoice_line_item_id"] == invoice["lines"][0]["id"]
    assert_problem(
        await post_note(tenant, invoice, by_value(invoice, "5000.01", 1)), 409, "over-allocation"
    )
    assert_problem(
        await post_note(
            tenant, invoice, by_value(invoice, "3000", 1), by_value(invoice, "2001", 1)
        ),
        409,
        "over-allocation",
    )

    # Across notes: 6 units issued leaves 4.
    await create_note(tenant, invoice, by_quantity(invoice, "6"), issue=True)
    assert_problem(
        await post_note(tenant, invoice, by_quantity(invoice, "5")), 409, "over-allocation"
    )
    problem = assert_problem(
        await post_note(tenant, invoice, by_value(invoice, "4000.01")), 409, "over-allocation"
    )
    assert problem["value_left"] == "4000.00"
    # Drafts do not count, so two drafts can each ask for the 4 units left; only one issues.
    first = await create_note(tenant, invoice, by_quantity(invoice, "4"))
    second = await create_note(tenant, invoice, by_value(invoice, "1"))
    assert (await issue_note(tenant, first))["number"] == f"CN/{fy}/0002"
    assert_problem(await tenant.post(f"{NOTES}/{second['id']}/issue"), 409, "over-allocation")
    still = await get(tenant, f"{NOTES}/{second['id']}")
    assert (still["status"], still["number"]) == ("draft", None)

    # Value across two issued notes on line 1.
    await create_note(tenant, invoice, by_value(invoice, "3000", 1), issue=True)
    assert_problem(
        await post_note(tenant, invoice, by_value(invoice, "2000.01", 1)), 409, "over-allocation"
    )
    last = await create_note(tenant, invoice, by_value(invoice, "2000", 1), issue=True)
    # The refused issue gave its number back.
    assert last["number"] == f"CN/{fy}/0004"
    assert_problem(
        await post_note(tenant, invoice, by_quantity(invoice, "1", 1)), 409, "over-allocation"
    )
    state = await get(tenant, f"{INVOICES}/{invoice['id']}")
    assert (state["amount_credited"], state["amount_due"], state["status"]) == (
        "17700.00",
        "0.00",
        "paid",
    )


async def test_lines_and_invoice_must_be_creditable(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer)
    other = await create_invoice(tenant, customer)

    # A line of another invoice.
    response = await post_note(tenant, invoice, by_value(other, "100"))
    problem = assert_problem(response, 422, "validation-error")
    assert field_errors(problem) == ["body.lines.0.invoice_line_item_id"]
    response = await post_note(
        tenant,
        invoice,
        by_value(invoice, "100"),
        {"invoice_line_item_id": str(uuid.uuid4()), "quantity": "1"},
    )
    assert field_errors(assert_problem(response, 422)) == ["body.lines.1.invoice_line_item_id"]

    # A draft or a void invoice cannot be credited.
    draft = await create_invoice(tenant, customer, issue=False)
    assert_problem(await post_note(tenant, draft, by_value(draft, "100")), 409, "conflict")
    void = await create_invoice(tenant, customer)
    response = await tenant.post(f"{INVOICES}/{void['id']}/void", json={"reason": "Duplicate"})
    assert response.status_code == 200, response.text
    assert_problem(await post_note(tenant, void, by_value(void, "100")), 409, "conflict")

    # A draft note whose invoice is voided before the note is issued.
    pending = await create_note(tenant, other, by_value(other, "100"))
    response = await tenant.post(f"{INVOICES}/{other['id']}/void", json={"reason": "Re-billed"})
    assert response.status_code == 200, response.text
    assert_problem(await tenant.post(f"{NOTES}/{pending['id']}/issue"), 409)
    assert (await get(tenant, f"{NOTES}/{pending['id']}"))["status"] == "draft"

    # Unknown or foreign invoices, malformed lines.
    await add_company(other_tenant)
    theirs = await create_invoice(other_tenant, await add_customer(other_tenant))
    for target in ({"id": str(uuid.uuid4()), "lines": invoice["lines"]}, theirs):
        response = await post_note(tenant, target, by_value(invoice, "100"))
        assert field_errors(assert_problem(response, 422, "validation-error")) == ["invoice_id"]
    line_id = invoice["lines"][0]["id"]
    for bad_lines in (
        [],
        [{"invoice_line_item_id": line_id}],
        [{"invoice_line_item_id": line_id, "quantity": "1", "taxable_value": "10"}],
        [{"invoice_line_item_id": line_id, "taxable_value": "0"}],
        [{"invoice_line_item_id": line_id, "quantity": "-1"}],
    ):
        response = await post_note(tenant, invoice, *bad_lines)
        assert_problem(response, 422, "validation-error")
    response = await post_note(tenant, invoice, by_value(invoice, "10"), reason="goodwill")
    assert_problem(response, 422, "validation-error")
    response = await post_note(tenant, invoice, by_value(invoice, "10"), number="CN/1")
    assert_problem(response, 422, "validation-error")
    assert (await get(tenant, NOTES))["total"] == 1  # only ``pending``


async def test_dates_and_the_section_34_deadline(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    # Back-dated into FY 2024-25, when 18% was (as now) a GST rate.
    old = await create_invoice(tenant, customer, invoice_date="2024-06-01")
    assert old["number"] == "INV/24-25/0001"

    response = await post_note(tenant, old, by_value(old, "100"), credit_note_date="2024-05-31")
    problem = assert_problem(response, 422, "validation-error")
    assert field_errors(problem) == ["credit_note_date"]
    assert "before" in problem["detail"]

    response = await post_note(tenant, old, by_value(old, "100"), credit_note_date="2025-12-01")
    problem = assert_problem(response, 422, "validation-error")
    assert field_errors(problem) == ["credit_note_date"]
    assert "30-11-2025" in problem["detail"]
    # Today is long past the deadline too.
    assert (
        "30-11-2025"
        in assert_problem(await post_note(tenant, old, by_value(old, "100")), 422)["detail"]
    )

    last_day = await create_note(
        tenant, old, by_value(old, "100"), credit_note_date="2025-11-30", issue=True
    )
    assert (last_day["credit_note_date"], last_day["number"]) == ("2025-11-30", "CN/25-26/0001")
    on_invoice_day = await create_note(
        tenant, old, by_value(old, "100"), credit_note_date="2024-06-01", issue=True
    )
    assert on_invoice_day["number"] == "CN/24-25/0001"
    # An invoice of 31 March 2025 is still FY 2024-25; one of 1 April 2025 gets a year more.
    march = await create_invoice(tenant, customer, invoice_date="2025-03-31")
    response = await post_note(tenant, march, by_value(march, "100"), credit_note_date="2025-12-01")
    assert "30-11-2025" in assert_problem(response, 422)["detail"]
    april = await create_invoice(tenant, customer, invoice_date="2025-04-01")
    await create_note(tenant, april, by_value(april, "100"), credit_note_date="2025-12-01")

    # Dated before its invoice.
    recent = await create_invoice(tenant, customer, invoice_date="2026-04-10")
    response = await post_note(
        tenant, recent, by_value(recent, "100"), credit_note_date="2026-04-09"
    )
    assert field_errors(assert_problem(response, 422)) == ["credit_note_date"]
    assert_problem(
        await post_note(tenant, recent, by_value(recent, "100"), credit_note_date="2026-13-01"),
        422,
    )


# -- credit balance: apply, refund, void ---------------------------------------------------


async def credit_balance_setup(
    owner: TenantClient,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A customer, a paid invoice and a credit note of Rs 2,360 left entirely as balance."""
    await add_company(owner)
    customer = await add_customer(owner)
    invoice = await create_invoice(owner, customer)  # 11,800
    await pay(owner, customer, invoice, "11800")
    note = await create_note(
        owner, invoice, by_quantity(invoice, "2"), reason="sales_return", issue=True
    )
    assert (note["amount_applied"], note["credit_balance"]) == ("0.00", "2360.00")
    return customer, invoice, note


async def test_credit_balance_applies_to_another_invoice_of_the_customer(
    tenant: TenantClient,
) -> None:
    customer, _, note = await credit_balance_setup(tenant)
    next_invoice = await create_invoice(tenant, customer, [line("1000")])  # 1,180
    url = f"{NOTES}/{note['id']}/apply"

    response = await tenant.post(url, json={"invoice_id": next_invoice["id"], "amount": "1000"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["amount_applied"], body["credit_balance"]) == ("1000.00", "1360.00")
    assert await invoice_state(tenant, next_invoice["id"]) == (
        "partially_paid",
        "0.00",
        "1000.00",
        "180.00",
    )
    # Applying again to the same invoice adds up; more than it owes is refused.
    assert_problem(
        await tenant.post(url, json={"invoice_id": next_invoice["id"], "amount": "180.01"}),
        409,
        "over-allocation",
    )
    response = await tenant.post(url, json={"invoice_id": next_invoice["id"], "amount": "180"})
    assert response.status_code == 200, response.text
    assert response.json()["credit_balance"] == "1180.00"
    assert await invoice_state(tenant, next_invoice["id"]) == ("paid", "0.00", "1180.00", "0.00")

    big = await create_invoice(tenant, customer)  # 11,800
    problem = assert_problem(
        await tenant.post(url, json={"invoice_id": big["id"], "amount": "1180.01"}),
        409,
        "over-allocation",
    )
    assert "1180.00" in problem["detail"]

    # Another customer's invoice: 422; a draft: 409; unknown: 404.
    stranger = await add_customer(tenant, "Mehta Exports")
    theirs = await create_invoice(tenant, stranger)
    response = await tenant.post(url, json={"invoice_id": theirs["id"], "amount": "10"})
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["invoice_id"]
    draft = await create_invoice(tenant, customer, issue=False)
    response = await tenant.post(url, json={"invoice_id": draft["id"], "amount": "10"})
    assert_problem(response, 409, "over-allocation")
    response = await tenant.post(url, json={"invoice_id": str(uuid.uuid4()), "amount": "10"})
    assert_problem(response, 404, "not-found")
    for bad in ({"invoice_id": big["id"], "amount": "0"}, {"invoice_id": big["id"]}):
        assert_problem(await tenant.post(url, json=bad), 422, "validation-error")

    assert await invoice_state(tenant, theirs["id"]) == ("issued", "0.00", "0.00", "11800.00")
    final = await get(tenant, f"{NOTES}/{note['id']}")
    assert (final["amount_applied"], final["credit_balance"]) == ("1180.00", "1180.00")

    # A draft note has no credit to apply.
    pending = await create_note(tenant, big, by_value(big, "100"))
    response = await tenant.post(
        f"{NOTES}/{pending['id']}/apply", json={"invoice_id": big["id"], "amount": "1"}
    )
    assert_problem(response, 409, "conflict")


async def test_credit_is_not_applied_to_another_companys_invoice(tenant: TenantClient) -> None:
    """A note of one GSTIN settling an invoice of another: receipts refuse the same (422)."""
    customer, _, note = await credit_balance_setup(tenant)
    branch = await add_company(tenant, TN, "Sharma Chennai")
    branch_invoice = await create_invoice(tenant, customer, company_id=branch["id"])
    response = await tenant.post(
        f"{NOTES}/{note['id']}/apply", json={"invoice_id": branch_invoice["id"], "amount": "100"}
    )
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["invoice_id"]
    assert await invoice_state(tenant, branch_invoice["id"]) == (
        "issued",
        "0.00",
        "0.00",
        "11800.00",
    )


async def test_credit_balance_refund(tenant: TenantClient) -> None:
    customer, _, note = await credit_balance_setup(tenant)
    url = f"{NOTES}/{note['id']}/refund"
    assert_problem(
        await tenant.post(url, json={"amount": "2360.01", "mode": "upi"}), 409, "over-allocation"
    )
    response = await tenant.post(
        url, json={"amount": "2000", "mode": "upi", "reference": "UPI-RF-1"}
    )
    assert response.status_code == 201, response.text
    refund = response.json()
    assert (refund["amount"], refund["credit_note_id"], refund["receipt_id"]) == (
        "2000.00",
        note["id"],
        None,
    )
    assert (refund["customer_id"], refund["refund_date"]) == (
        customer["id"],
        today_ist().isoformat(),
    )
    assert (await get(tenant, f"{NOTES}/{note['id']}"))["credit_balance"] == "360.00"
    assert_problem(
        await tenant.post(url, json={"amount": "360.01", "mode": "upi"}), 409, "over-allocation"
    )
    response = await tenant.post(url, json={"amount": "360", "mode": "cash"})
    assert response.status_code == 201, response.text
    after = await get(tenant, f"{NOTES}/{note['id']}")
    assert (after["credit_balance"], after["amount_applied"]) == ("0.00", "0.00")
    balances = (await get(tenant, f"{CUSTOMERS}/{customer['id']}"))["balances"]
    assert (balances["unused_credit"], balances["net_receivable"]) == ("0.00", "0.00")


async def test_void_reverses_the_credit_on_its_invoice(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer)  # 11,800
    await pay(tenant, customer, invoice, "10000")
    note = await create_note(tenant, invoice, by_quantity(invoice, "2"), issue=True)  # 2,360
    assert (note["amount_applied"], note["credit_balance"]) == ("1800.00", "560.00")
    assert await invoice_state(tenant, invoice["id"]) == ("paid", "10000.00", "1800.00", "0.00")

    url = f"{NOTES}/{note['id']}/void"
    for bad in ({}, {"reason": "x"}):
        assert_problem(await tenant.post(url, json=bad), 422, "validation-error")
    response = await tenant.post(url, json={"reason": "Return was rejected"})
    assert response.status_code == 200, response.text
    voided = response.json()
    assert (voided["status"], voided["number"], voided["void_reason"]) == (
        "void",
        note["number"],
        "Return was rejected",
    )
    assert (voided["amount_applied"], voided["credit_balance"]) == ("0.00", "0.00")
    assert voided["voided_at"] is not None
    assert await invoice_state(tenant, invoice["id"]) == (
        "partially_paid",
        "10000.00",
        "0.00",
        "1800.00",
    )
    assert_problem(await tenant.post(url, json={"reason": "Twice over"}), 409, "conflict")
    for action, body in (
        ("apply", {"invoice_id": invoice["id"], "amount": "1"}),
        ("refund", {"amount": "1", "mode": "cash"}),
    ):
        response = await tenant.post(f"{NOTES}/{note['id']}/{action}", json=body)
        assert_problem(response, 409, "conflict")

    # A void note no longer counts against the line: all 10 units can be credited again.
    again = await create_note(tenant, invoice, by_quantity(invoice, "10"), issue=True)
    assert (again["amount_applied"], again["credit_balance"]) == ("1800.00", "10000.00")
    assert again["number"] != note["number"]

    # Only issued notes can be voided.
    draft_invoice = await create_invoice(tenant, customer)
    draft = await create_note(tenant, draft_invoice, by_value(draft_invoice, "100"))
    response = await tenant.post(f"{NOTES}/{draft['id']}/void", json={"reason": "Not needed"})
    assert_problem(response, 409, "conflict")


async def test_void_is_refused_once_credit_was_used_elsewhere_or_refunded(
    tenant: TenantClient,
) -> None:
    customer, invoice, applied = await credit_balance_setup(tenant)
    elsewhere = await create_invoice(tenant, customer, [line("1000")])
    response = await tenant.post(
        f"{NOTES}/{applied['id']}/apply", json={"invoice_id": elsewhere["id"], "amount": "100"}
    )
    assert response.status_code == 200, response.text
    refunded = await create_note(
        tenant, invoice, by_quantity(invoice, "1"), reason="sales_return", issue=True
    )
    response = await tenant.post(
        f"{NOTES}/{refunded['id']}/refund", json={"amount": "1", "mode": "cash"}
    )
    assert response.status_code == 201, response.text

    for note in (applied, refunded):
        response = await tenant.post(f"{NOTES}/{note['id']}/void", json={"reason": "Undo it"})
        assert_problem(response, 409, "conflict")
        assert (await get(tenant, f"{NOTES}/{note['id']}"))["status"] == "issued"
    assert await invoice_state(tenant, elsewhere["id"]) == (
        "partially_paid",
        "0.00",
        "100.00",
        "1080.00",
    )


# -- PDF -----------------------------------------------------------------------------------


async def test_pdf_names_the_note_its_invoice_and_reason(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer)
    note = await create_note(
        tenant,
        invoice,
        by_quantity(invoice, "2"),
        reason="sales_return",
        reason_note="Two days cancelled",
        issue=True,
    )
    url = f"{NOTES}/{note['id']}/pdf"
    first = await tenant.get(url)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/pdf"
    text = pdf_text(first.content)
    for expected in (
        "Credit Note",
        note["number"],
        invoice["number"],
        "Sales return",
        "Two days cancelled",
        "2,360.00",
    ):
        assert expected in text, (expected, text)

    etag = first.headers["ETag"]
    unchanged = await tenant.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["ETag"] == etag
    # Voiding changes the note, hence the tag.
    response = await tenant.post(f"{NOTES}/{note['id']}/void", json={"reason": "Issued in error"})
    assert response.status_code == 200, response.text
    changed = await tenant.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert_problem(await tenant.get(f"{NOTES}/{uuid.uuid4()}/pdf"), 404, "not-found")


# -- the customer statement ----------------------------------------------------------------


async def test_statement_balances_to_dues_minus_advances(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    """FY 2025-26, hand-computed: closing = amounts due - (unallocated receipts + credit)."""
    await add_company(tenant)
    customer = await add_customer(tenant)
    cid = customer["id"]
    inv1 = await create_invoice(tenant, customer, invoice_date="2025-05-01")  # 10 x 1,000: 11,800
    inv2 = await create_invoice(
        tenant, customer, [line("5000")], invoice_date="2025-06-10"
    )  # 5,900
    inv3 = await create_invoice(
        tenant, customer, [line("2000")], invoice_date="2025-08-01"
    )  # 2,360
    await create_invoice(tenant, customer, invoice_date="2025-08-05", issue=False)  # draft
    void = await create_invoice(tenant, customer, invoice_date="2025-07-01")
    response = await tenant.post(f"{INVOICES}/{void['id']}/void", json={"reason": "Duplicate"})
    assert response.status_code == 200, response.text
    # Someone else's documents never show.
    stranger = await add_customer(tenant, "Mehta Exports")
    await create_invoice(tenant, stranger, invoice_date="2025-05-02")

    # 9,000 + 1,000 TDS settles 10,000 of inv1.
    await pay(
        tenant,
        customer,
        inv1,
        "9000",
        tds_amount="1000",
        tds_section="194J",
        receipt_date="2025-05-20",
        allocations=[{"invoice_id": inv1["id"], "amount": "10000"}],
    )
    r2 = await tenant.create(
        RECEIPTS,
        {
            "customer_id": cid,
            "amount": "8000",
            "mode": "upi",
            "receipt_date": "2025-06-20",
            "allocations": [
                {"invoice_id": inv1["id"], "amount": "1800"},
                {"invoice_id": inv2["id"], "amount": "3000"},
            ],
        },
    )
    cn1 = await create_note(  # 1,180, all applied to inv2
        tenant, inv2, by_value(inv2, "1000"), credit_note_date="2025-07-05", issue=True
    )
    cn2 = await create_note(  # 2,360 on a paid invoice: all credit balance
        tenant, inv1, by_quantity(inv1, "2"), credit_note_date="2025-07-10", issue=True
    )
    assert (cn1["amount_applied"], cn2["credit_balance"]) == ("1180.00", "2360.00")
    response = await tenant.post(
        f"{NOTES}/{cn2['id']}/apply", json={"invoice_id": inv3["id"], "amount": "1000"}
    )
    assert response.status_code == 200, response.text
    response = await tenant.post(
        f"{NOTES}/{cn2['id']}/refund",
        json={"amount": "500", "mode": "upi", "refund_date": "2025-08-15"},
    )
    assert response.status_code == 201, response.text
    response = await tenant.post(
        f"{RECEIPTS}/{r2['id']}/refund",
        json={"amount": "1200", "mode": "cash", "refund_date": "2025-08-20"},
    )
    assert response.status_code == 201, response.text
    deleted = await tenant.create(
        RECEIPTS,
        {"customer_id": cid, "amount": "5000", "mode": "cash", "receipt_date": "2025-08-25"},
    )
    assert (await tenant.delete(f"{RECEIPTS}/{deleted['id']}")).status_code == 204
    cn3 = await create_note(
        tenant, inv3, by_value(inv3, "100"), credit_note_date="2025-08-26", issue=True
    )
    response = await tenant.post(f"{NOTES}/{cn3['id']}/void", json={"reason": "Wrong rate"})
    assert response.status_code == 200, response.text
    await create_note(tenant, inv3, by_value(inv3, "100"), credit_note_date="2025-08-27")  # draft
    await tenant.create(
        RECEIPTS,
        {"customer_id": cid, "amount": "300", "mode": "upi", "receipt_date": "2025-09-01"},
    )
    await tenant.create(
        RECEIPTS,
        {"customer_id": cid, "amount": "80", "mode": "upi", "receipt_date": "2025-10-15"},
    )

    async def statement(**params: str) -> httpx.Response:
        response = await tenant.get(f"{CUSTOMERS}/{cid}/statement", params=params)
        assert response.status_code == 200, response.text
        return response

    # The whole history: the closing balance is what the documents say is owed.
    full = (await statement(**{"from": "2025-04-01"})).json()
    invoices = [  # drafts and void invoices are owed by nobody
        invoice
        for invoice in (await get(tenant, f"{INVOICES}?customer_id={cid}&page_size=100"))["items"]
        if invoice["status"] in ("issued", "partially_paid", "paid")
    ]
    assert len(invoices) == 3
    receipts = (await get(tenant, f"{RECEIPTS}?customer_id={cid}&page_size=100"))["items"]
    notes = (await get(tenant, f"{NOTES}?customer_id={cid}&page_size=100"))["items"]
    due = sum((Decimal(i["amount_due"]) for i in invoices), Decimal("0"))
    unallocated = sum((Decimal(r["unallocated"]) for r in receipts), Decimal("0"))
    credit = sum((Decimal(n["credit_balance"]) for n in notes), Decimal("0"))
    assert (due, unallocated, credit) == (Decimal("3080"), Decimal("2380"), Decimal("860"))
    assert Decimal(full["closing_balance"]) == due - (unallocated + credit) == Decimal("-160")
    balances = (await get(tenant, f"{CUSTOMERS}/{cid}"))["balances"]
    assert balances["net_receivable"] == full["closing_balance"]
    assert full["opening_balance"] == "0.00"
    kinds = [(e["date"], e["kind"], e["debit"], e["credit"], e["tds"]) for e in full["entries"]]
    assert kinds == [
        ("2025-05-01", "invoice", "11800.00", "0.00", "0.00"),
        ("2025-05-20", "receipt", "0.00", "10000.00", "1000.00"),
        ("2025-06-10", "invoice", "5900.00", "0.00", "0.00"),
        ("2025-06-20", "receipt", "0.00", "8000.00", "0.00"),
        ("2025-07-05", "credit_note", "0.00", "1180.00", "0.00"),
        ("2025-07-10", "credit_note", "0.00", "2360.00", "0.00"),
        ("2025-08-01", "invoice", "2360.00", "0.00", "0.00"),
        ("2025-08-15", "refund", "500.00", "0.00", "0.00"),
        ("2025-08-20", "refund", "1200.00", "0.00", "0.00"),
        ("2025-09-01", "receipt", "0.00", "300.00", "0.00"),
        ("2025-10-15", "receipt", "0.00", "80.00", "0.00"),
    ]
    running = Decimal(full["opening_balance"])
    for entry in full["entries"]:
        running += Decimal(entry["debit"]) - Decimal(entry["credit"])
        assert Decimal(entry["balance"]) == running
    assert Decimal(full["total_debit"]) - Decimal(full["total_credit"]) == Decimal("-160")

    # A window: the opening balance is the balance of everything before ``from``.
    window = (await statement(**{"from": "2025-07-01", "to": "2025-09-30"})).json()
    assert (window["date_from"], window["date_to"]) == ("2025-07-01", "2025-09-30")
    assert window["opening_balance"] == full["entries"][3]["balance"] == "-300.00"
    assert [e["date"] for e in window["entries"]] == [
        "2025-07-05",
        "2025-07-10",
        "2025-08-01",
        "2025-08-15",
        "2025-08-20",
        "2025-09-01",
    ]
    assert window["closing_balance"] == full["entries"][9]["balance"] == "-80.00"
    before = (await statement(**{"from": "2025-04-01", "to": "2025-06-30"})).json()
    assert (len(before["entries"]), before["closing_balance"]) == (4, window["opening_balance"])
    empty = (await statement(**{"from": "2025-11-01", "to": "2025-12-31"})).json()
    assert empty["entries"] == []
    assert empty["opening_balance"] == empty["closing_balance"] == "-160.00"
    single_day = (await statement(**{"from": "2025-07-05", "to": "2025-07-05"})).json()
    assert [e["kind"] for e in single_day["entries"]] == ["credit_note"]

    rows = list(
        csv.reader(
            io.StringIO(
                (
                    await statement(**{"from": "2025-07-01", "to": "2025-09-30", "format": "csv"})
                ).text
            )
        )
    )
    assert len(rows) == 1 + 1 + len(window["entries"]) + 1
    assert rows[1][1:] == ["opening_balance", "", "", "", "", "-300.00"]
    assert rows[-1][1:] == ["closing_balance", "", "", "", "", "-80.00"]
    assert [row[1] for row in rows[2:-1]] == [e["kind"] for e in window["entries"]]

    for params in (
        {"from": "2025-09-30", "to": "2025-07-01"},
        {"from": "2025-02-30"},
        {"format": "xml"},
    ):
        response = await tenant.get(f"{CUSTOMERS}/{cid}/statement", params=params)
        assert_problem(response, 422, "validation-error")
    assert_problem(await other_tenant.get(f"{CUSTOMERS}/{cid}/statement"), 404, "not-found")
    assert_problem(await tenant.get(f"{CUSTOMERS}/{uuid.uuid4()}/statement"), 404, "not-found")


# -- tenancy and roles ---------------------------------------------------------------------


async def test_other_tenants_credit_notes_are_not_found(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    customer, invoice, note = await credit_balance_setup(tenant)
    draft = await create_note(tenant, invoice, by_value(invoice, "100"))
    _, their_invoice, their_note = await credit_balance_setup(other_tenant)  # has credit

    for target in (note, draft):
        url = f"{NOTES}/{target['id']}"
        for response in (
            await other_tenant.get(url),
            await other_tenant.post(f"{url}/issue"),
            await other_tenant.post(f"{url}/void", json={"reason": "Not yours"}),
            await other_tenant.post(
                f"{url}/apply", json={"invoice_id": their_invoice["id"], "amount": "1"}
            ),
            await other_tenant.post(f"{url}/refund", json={"amount": "1", "mode": "cash"}),
            await other_tenant.get(f"{url}/pdf"),
        ):
            assert_problem(response, 404, "not-found")
    # Their note against our invoice, or our invoice's line in their note.
    response = await other_tenant.post(
        f"{NOTES}/{their_note['id']}/apply", json={"invoice_id": invoice["id"], "amount": "1"}
    )
    assert_problem(response, 404, "not-found")
    response = await post_note(other_tenant, their_invoice, by_value(invoice, "1"))
    assert_problem(response, 422, "validation-error")
    response = await post_note(other_tenant, invoice, by_value(invoice, "1"))
    assert field_errors(assert_problem(response, 422)) == ["invoice_id"]

    listing = await get(other_tenant, NOTES)
    assert [item["id"] for item in listing["items"]] == [their_note["id"]]
    assert (await get(other_tenant, f"{NOTES}?customer_id={customer['id']}"))["total"] == 0

    # Nothing changed for the owner.
    mine = await get(tenant, f"{NOTES}/{note['id']}")
    assert (mine["status"], mine["credit_balance"]) == ("issued", "2360.00")
    assert (await get(tenant, f"{NOTES}/{draft['id']}"))["status"] == "draft"


async def test_viewer_reads_credit_notes_but_cannot_write(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    customer, invoice, note = await credit_balance_setup(tenant)
    other = await create_invoice(tenant, customer, [line("100")])
    draft = await create_note(tenant, invoice, by_value(invoice, "100"))
    viewer = await add_member(connection, settings, tenant, "viewer")

    assert (await get(viewer, NOTES))["total"] == 2
    assert (await get(viewer, f"{NOTES}/{note['id']}"))["number"] == note["number"]
    assert (await viewer.get(f"{NOTES}/{note['id']}/pdf")).status_code == 200
    assert (await viewer.get(f"{CUSTOMERS}/{customer['id']}/statement")).status_code == 200
    url = f"{NOTES}/{note['id']}"
    for response in (
        await post_note(viewer, invoice, by_value(invoice, "100")),
        await viewer.post(f"{NOTES}/{draft['id']}/issue"),
        await viewer.post(f"{url}/void", json={"reason": "Viewer"}),
        await viewer.post(f"{url}/apply", json={"invoice_id": other["id"], "amount": "1"}),
        await viewer.post(f"{url}/refund", json={"amount": "1", "mode": "cash"}),
    ):
        assert_problem(response, 403, "forbidden")
    assert (await get(tenant, f"{NOTES}/{draft['id']}"))["status"] == "draft"
    assert (await get(tenant, url))["credit_balance"] == "2360.00"


# -- concurrency (real commits) ------------------------------------------------------------


@pytest.mark.slow
async def test_issue_racing_a_payment_never_oversettles_the_invoice(
    live_client: httpx.AsyncClient,
) -> None:
    """A credit note issued on creation while a receipt settles the same invoice: whichever
    comes second must see what the first left due (nothing is settled twice)."""
    owner = await register_tenant(live_client)
    await add_company(owner)
    customer = await add_customer(owner)
    invoices = [await create_invoice(owner, customer, [line("1000")]) for _ in range(5)]
    receipts = [
        await owner.create(
            RECEIPTS, {"customer_id": customer["id"], "amount": "1180", "mode": "upi"}
        )
        for _ in invoices
    ]

    calls = []
    for invoice, receipt in zip(invoices, receipts, strict=True):
        calls.append(post_note(owner, invoice, by_value(invoice, "1000"), issue=True))
        calls.append(
            owner.post(
                f"{RECEIPTS}/{receipt['id']}/allocate",
                json={"allocations": [{"invoice_id": invoice["id"], "amount": "1180"}]},
            )
        )
    responses = await asyncio.wait_for(asyncio.gather(*calls), timeout=60)
    for response in responses:
        if response.status_code not in (200, 201):
            assert_problem(response, 409, "over-allocation")

    for invoice, receipt in zip(invoices, receipts, strict=True):
        state = await get(owner, f"{INVOICES}/{invoice['id']}")
        paid, credited, due = (
            Decimal(state[name]) for name in ("amount_paid", "amount_credited", "amount_due")
        )
        assert paid + credited + due == Decimal("1180"), state
        assert due >= 0
        allocated = Decimal((await get(owner, f"{RECEIPTS}/{receipt['id']}"))["amount_allocated"])
        notes = (await get(owner, f"{NOTES}?invoice_id={invoice['id']}"))["items"]
        applied = sum((Decimal(n["amount_applied"]) for n in notes), Decimal("0"))
        assert (paid, credited) == (allocated, applied), (state, allocated, applied)
