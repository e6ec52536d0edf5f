"""An invoice from draft to email, through the real API."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.smtp_server import SmtpTestServer
from tests.support import TenantClient, assert_problem

COMPANY = {
    "legal_name": "Sharma Digital Services Private Limited",
    "gstin": "27AAPFU0939F1ZV",
    "address_line1": "401 Lotus Park",
    "city": "Mumbai",
    "pincode": "400069",
    "upi_vpa": "sharma@hdfcbank",
    "bank_name": "HDFC Bank",
    "bank_account_number": "50200012345678",
    "bank_ifsc": "HDFC0000123",
}


async def setup_parties(
    owner: TenantClient, customer_gstin: str = "29AABCR1718E1ZL"
) -> tuple[dict, dict]:
    company = await owner.create("/api/v1/companies", COMPANY)
    customer = await owner.create(
        "/api/v1/customers",
        {"name": "Rao Textiles", "gstin": customer_gstin, "email": "ap@raotextiles.in"},
    )
    return company, customer


async def test_draft_issue_pdf(tenant: TenantClient) -> None:
    _, customer = await setup_parties(tenant)
    response = await tenant.post(
        "/api/v1/invoices",
        json={
            "customer_id": customer["id"],
            "lines": [
                {
                    "description": "Website",
                    "hsn_sac": "998314",
                    "quantity": "1",
                    "unit_price": "100000",
                    "gst_rate": "18",
                },
            ],
        },
    )
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["status"] == "draft" and draft["number"] is None
    assert draft["igst_total"] == "18000.00" and draft["grand_total"] == "118000.00"
    assert draft["amount_in_words"] == "Rupees One Lakh Eighteen Thousand Only"
    issued = await tenant.post(f"/api/v1/invoices/{draft['id']}/issue")
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["number"].startswith("INV/") and body["number"].endswith("/0001")
    assert_problem(await tenant.put(f"/api/v1/invoices/{draft['id']}", json={"notes": "x"}), 409)
    pdf = await tenant.get(f"/api/v1/invoices/{draft['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    for expected in (
        body["number"],
        "27AAPFU0939F1ZV",
        "29AABCR1718E1ZL",
        "1,18,000.00",
        "One Lakh Eighteen Thousand",
    ):
        assert expected in text, expected
    again = await tenant.get(
        f"/api/v1/invoices/{draft['id']}/pdf", headers={"If-None-Match": pdf.headers["ETag"]}
    )
    assert again.status_code == 304


async def test_send_queues_email_with_pdf(
    tenant: TenantClient, smtp: SmtpTestServer, connection
) -> None:
    _, customer = await setup_parties(tenant)
    created = await tenant.post(
        "/api/v1/invoices",
        json={
            "customer_id": customer["id"],
            "issue": True,
            "lines": [
                {
                    "description": "Hosting",
                    "hsn_sac": "998315",
                    "unit_price": "2500",
                    "gst_rate": "18",
                }
            ],
        },
    )
    invoice = created.json()
    refused = await tenant.post(f"/api/v1/invoices/{invoice['id']}/send", json={})
    assert_problem(refused, 403)
    from sqlalchemy import text

    from tests.support import set_tenant

    await set_tenant(connection, tenant.tenant_id)
    await connection.execute(text("UPDATE users SET email_verified_at = now()"))
    sent = await tenant.post(f"/api/v1/invoices/{invoice['id']}/send", json={})
    assert sent.status_code == 202, sent.text
    [mail] = await smtp.wait_for_async(lambda m: m["To"] == "ap@raotextiles.in")
    assert invoice["number"] in mail["Subject"]
    attachments = list(mail.iter_attachments())
    assert attachments[0].get_content_type() == "application/pdf"
