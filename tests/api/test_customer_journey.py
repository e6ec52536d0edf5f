"""One customer, end to end: invoice -> part payment with TDS -> credit note -> full
payment -> refund, with every balance checked to the paisa against hand-computed values."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from pypdf import PdfReader

from tests.support import TenantClient

# 10 units x Rs 1,000 at 18% intra-state: CGST 900 + SGST 900 = 11,800.
LINE = {
    "description": "Consulting day",
    "hsn_sac": "998311",
    "quantity": "10",
    "unit_price": "1000",
    "gst_rate": "18",
}


async def balances(owner: TenantClient, customer_id: str) -> dict[str, str]:
    response = await owner.get(f"/api/v1/customers/{customer_id}")
    assert response.status_code == 200, response.text
    data: dict[str, str] = response.json()["balances"]
    return data


async def statement(owner: TenantClient, customer_id: str, **params: str) -> Any:
    response = await owner.get(f"/api/v1/customers/{customer_id}/statement", params=params)
    assert response.status_code == 200, response.text
    return response


def invoice_state(invoice: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        invoice["status"],
        invoice["amount_paid"],
        invoice["amount_credited"],
        invoice["amount_due"],
    )


async def test_customer_walk_through(tenant: TenantClient) -> None:
    await tenant.create(
        "/api/v1/companies", {"legal_name": "Sharma Digital", "gstin": "27AAPFU0939F1ZV"}
    )
    customer = await tenant.create(
        "/api/v1/customers", {"name": "Patil Traders", "state_code": "27", "email": "a@patil.in"}
    )
    cid = customer["id"]
    invoice = await tenant.create(
        "/api/v1/invoices", {"customer_id": cid, "lines": [LINE], "issue": True}
    )
    iid, line_id = invoice["id"], invoice["lines"][0]["id"]
    assert (invoice["cgst_total"], invoice["sgst_total"], invoice["grand_total"]) == (
        "900.00",
        "900.00",
        "11800.00",
    )
    assert invoice_state(invoice) == ("issued", "0.00", "0.00", "11800.00")

    # Part payment: Rs 9,000 received, Rs 1,000 TDS under 194J: settles Rs 10,000.
    receipt = await tenant.create(
        "/api/v1/receipts",
        {
            "customer_id": cid,
            "amount": "9000",
            "tds_amount": "1000",
            "tds_section": "194J",
            "mode": "bank_transfer",
            "reference": "UTR123",
            "allocations": [{"invoice_id": iid, "amount": "10000"}],
        },
    )
    assert (receipt["settled_value"], receipt["unallocated"]) == ("10000.00", "0.00")
    invoice = (await tenant.get(f"/api/v1/invoices/{iid}")).json()
    assert invoice_state(invoice) == ("partially_paid", "10000.00", "0.00", "1800.00")

    # Credit note: post-sale discount of Rs 1,000 taxable -> 90 + 90 tax -> Rs 1,180 credit.
    note = await tenant.create(
        "/api/v1/credit-notes",
        {
            "invoice_id": iid,
            "reason": "post_sale_discount",
            "issue": True,
            "lines": [{"invoice_line_item_id": line_id, "taxable_value": "1000"}],
        },
    )
    assert (note["cgst_total"], note["sgst_total"], note["grand_total"]) == (
        "90.00",
        "90.00",
        "1180.00",
    )
    assert (note["amount_applied"], note["credit_balance"]) == ("1180.00", "0.00")
    assert note["number"].startswith("CN/")
    invoice = (await tenant.get(f"/api/v1/invoices/{iid}")).json()
    assert invoice_state(invoice) == ("partially_paid", "10000.00", "1180.00", "620.00")

    # Full payment: Rs 1,000 received, auto-allocated: 620 settles the invoice, 380 is advance.
    second = await tenant.create(
        "/api/v1/receipts",
        {"customer_id": cid, "amount": "1000", "mode": "upi", "auto_allocate": True},
    )
    assert (second["amount_allocated"], second["unallocated"]) == ("620.00", "380.00")
    invoice = (await tenant.get(f"/api/v1/invoices/{iid}")).json()
    assert invoice_state(invoice) == ("paid", "10620.00", "1180.00", "0.00")

    # A sales return of one unit after full payment becomes the customer's credit balance.
    returned = await tenant.create(
        "/api/v1/credit-notes",
        {
            "invoice_id": iid,
            "reason": "sales_return",
            "issue": True,
            "lines": [{"invoice_line_item_id": line_id, "quantity": "1"}],
        },
    )
    assert (returned["grand_total"], returned["amount_applied"], returned["credit_balance"]) == (
        "1180.00",
        "0.00",
        "1180.00",
    )
    assert await balances(tenant, cid) == {
        "outstanding": "0.00",
        "overdue": "0.00",
        "overdue_count": 0,
        "unallocated_receipts": "380.00",
        "unused_credit": "1180.00",
        "advance": "1560.00",
        "net_receivable": "-1560.00",
    }
    closing = (await statement(tenant, cid)).json()["closing_balance"]
    assert closing == "-1560.00"  # amounts due (0) minus advances (380 + 1,180)

    # Refunds: the credit balance and the advance go back to the customer.
    refund = await tenant.post(
        f"/api/v1/credit-notes/{returned['id']}/refund", json={"amount": "1180", "mode": "upi"}
    )
    assert refund.status_code == 201, refund.text
    refund = await tenant.post(
        f"/api/v1/receipts/{second['id']}/refund", json={"amount": "380", "mode": "cash"}
    )
    assert refund.status_code == 201, refund.text
    final = await balances(tenant, cid)
    assert (final["outstanding"], final["advance"], final["net_receivable"]) == (
        "0.00",
        "0.00",
        "0.00",
    )

    ledger = (await statement(tenant, cid)).json()
    kinds = [(e["kind"], e["debit"], e["credit"], e["tds"]) for e in ledger["entries"]]
    assert kinds == [
        ("invoice", "11800.00", "0.00", "0.00"),
        ("receipt", "0.00", "10000.00", "1000.00"),
        ("receipt", "0.00", "1000.00", "0.00"),
        ("credit_note", "0.00", "1180.00", "0.00"),
        ("credit_note", "0.00", "1180.00", "0.00"),
        ("refund", "1180.00", "0.00", "0.00"),
        ("refund", "380.00", "0.00", "0.00"),
    ]
    assert (ledger["opening_balance"], ledger["closing_balance"]) == ("0.00", "0.00")
    assert ledger["total_debit"] == ledger["total_credit"] == "13360.00"
    assert Decimal(ledger["entries"][-1]["balance"]) == Decimal("0")

    rows = list(csv.reader(io.StringIO((await statement(tenant, cid, format="csv")).text)))
    assert rows[0] == ["date", "type", "number", "debit", "credit", "tds", "balance"]
    assert rows[-1][1:] == ["closing_balance", "", "", "", "", "0.00"]
    assert len(rows) == 2 + len(kinds) + 1
    pdf = await statement(tenant, cid, format="pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Patil Traders" in text and "Statement of account" in text
