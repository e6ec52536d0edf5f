"""Invoices end to end through the real API: companies and their number series, GST
settings and rates, GST on every kind of supply (checked against hand-computed values),
the draft -> issued -> void lifecycle, gap-free numbering (also under concurrency),
filters, PDFs, email delivery (also through an SMTP outage), tenancy and roles.
"""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.config import Settings
from app.utils.clock import today_ist
from app.utils.gst import financial_year, gstin_check_character
from tests.smtp_server import SmtpTestServer, extract_url
from tests.support import (
    TenantClient,
    add_member,
    assert_problem,
    new_email,
    register_tenant,
    set_tenant,
)

API = "/api/v1"
COMPANIES = f"{API}/companies"
SERIES = f"{API}/document-series"
CUSTOMERS = f"{API}/customers"
INVOICES = f"{API}/invoices"
GST_SETTINGS = f"{API}/gst-settings"
TAX_RATES = f"{API}/tax-rates"
SERVICE_TYPES = f"{API}/service-types"


def gstin(first14: str) -> str:
    return first14 + gstin_check_character(first14)


MH = "27AAPFU0939F1ZV"  # Maharashtra: the supplier in most tests
KA = "29AABCR1718E1ZL"  # Karnataka
TN = "33AAAAR6720M1ZG"  # Tamil Nadu
MH_BUYER = gstin("27AABCR1718E1Z")  # another Maharashtra registration
MH_SEZ = gstin("27AAQCA8719H1Z")
CH_SUPPLIER = gstin("04AAPFU0939F1Z")  # Chandigarh: a union territory without legislature
CH_BUYER = gstin("04AABCR1718E1Z")
SAC = "998314"

LUT_WORDS = "LETTER OF UNDERTAKING"
NOT_DRAFT_WORDS = ("void", "credit note")


# -- helpers -------------------------------------------------------------------------------


def money(value: str) -> Decimal:
    return Decimal(value)


def paise(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def fy_short(day: date) -> str:
    label = financial_year(day)
    return f"{label[2:4]}-{label[5:7]}"


def line(
    price: str = "10000",
    rate: str = "18",
    *,
    description: str = "Consulting",
    hsn: str | None = SAC,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description, "unit_price": price, "gst_rate": rate}
    if hsn is not None:
        body["hsn_sac"] = hsn
    return {**body, **extra}


async def add_company(
    owner: TenantClient, gstin_: str = MH, legal_name: str = "Sharma Digital Services Pvt Ltd"
) -> dict[str, Any]:
    return await owner.create(
        COMPANIES,
        {
            "legal_name": legal_name,
            "gstin": gstin_,
            "address_line1": "401 Lotus Park",
            "city": "Mumbai",
            "pincode": "400069",
        },
    )


async def add_customer(
    owner: TenantClient, name: str = "Rao Textiles", **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "email": new_email("ap")}
    if "gst_treatment" not in fields or fields["gst_treatment"] != "overseas":
        body["gstin"] = KA
    body.update(fields)
    return await owner.create(CUSTOMERS, body)


async def create_invoice(
    owner: TenantClient,
    customer: dict[str, Any],
    lines: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    response = await owner.post(
        INVOICES, json={"customer_id": customer["id"], "lines": lines or [line()], **fields}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def issue(owner: TenantClient, invoice: dict[str, Any]) -> dict[str, Any]:
    response = await owner.post(f"{INVOICES}/{invoice['id']}/issue")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def get_invoice(owner: TenantClient, invoice_id: str) -> dict[str, Any]:
    response = await owner.get(f"{INVOICES}/{invoice_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def field_errors(problem: dict[str, Any]) -> list[str]:
    return [error["field"] for error in problem.get("errors", [])]


def taxes(invoice: dict[str, Any]) -> dict[str, str]:
    return {head: invoice[f"{head}_total"] for head in ("cgst", "sgst", "utgst", "igst", "cess")}


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF"), content[:20]
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


async def verify_sender(connection: AsyncConnection, owner: TenantClient) -> None:
    await set_tenant(connection, owner.tenant_id)
    await connection.execute(text("UPDATE users SET email_verified_at = now()"))


def addressed_to(address: str) -> Any:
    def matches(message: EmailMessage) -> bool:
        return address in str(message["To"] or "")

    return matches


# -- companies and their series -------------------------------------------------------------


async def test_company_crud_derives_pan_and_state_from_gstin(tenant: TenantClient) -> None:
    created = await add_company(tenant)
    assert created["gstin"] == MH
    assert created["pan"] == "AAPFU0939F"
    assert created["state_code"] == "27"
    assert created["is_default"] is True  # the first company
    assert created["default_due_days"] == 15

    got = await tenant.get(f"{COMPANIES}/{created['id']}")
    assert got.status_code == 200, got.text
    assert got.json()["legal_name"] == "Sharma Digital Services Pvt Ltd"

    # A GSTIN of the same PAN in another state moves the state with it.
    karnataka = gstin("29AAPFU0939F1Z")
    updated = await tenant.put(
        f"{COMPANIES}/{created['id']}",
        json={"trade_name": "Sharma Digital", "default_due_days": 30, "gstin": karnataka},
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert (body["trade_name"], body["default_due_days"]) == ("Sharma Digital", 30)
    assert (body["gstin"], body["state_code"], body["pan"]) == (karnataka, "29", "AAPFU0939F")

    listing = (await tenant.get(COMPANIES)).json()
    assert listing["total"] == 1
    assert [item["id"] for item in listing["items"]] == [created["id"]]

    assert (await tenant.delete(f"{COMPANIES}/{created['id']}")).status_code == 204
    assert_problem(await tenant.get(f"{COMPANIES}/{created['id']}"), 404, "not-found")
    series = (await tenant.get(SERIES, params={"company_id": created["id"]})).json()
    assert series["total"] == 0  # the series went with the company


async def test_company_gstin_must_match_state_and_pan(tenant: TenantClient) -> None:
    response = await tenant.post(
        COMPANIES, json={"legal_name": "Sharma", "gstin": MH, "state_code": "29"}
    )
    problem = assert_problem(response, 422, "validation-error")
    assert field_errors(problem) == ["state_code"]
    assert "27" in problem["detail"]

    response = await tenant.post(
        COMPANIES, json={"legal_name": "Sharma", "gstin": MH, "pan": "AABCR1718E"}
    )
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["pan"]

    response = await tenant.post(COMPANIES, json={"legal_name": "No GSTIN, no state"})
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["state_code"]

    # Matching state given explicitly is fine.
    response = await tenant.post(
        COMPANIES, json={"legal_name": "Sharma", "gstin": MH, "state_code": "27"}
    )
    assert response.status_code == 201, response.text
    assert (await tenant.get(COMPANIES)).json()["total"] == 1


async def test_first_company_is_the_default_until_another_claims_it(
    tenant: TenantClient,
) -> None:
    first = await add_company(tenant)
    second = await add_company(tenant, KA, "Sharma Bengaluru Branch")
    assert (first["is_default"], second["is_default"]) == (True, False)
    third = await tenant.create(
        COMPANIES, {"legal_name": "Sharma Chennai", "gstin": TN, "is_default": True}
    )
    assert third["is_default"] is True
    defaults = {
        item["id"]: item["is_default"] for item in (await tenant.get(COMPANIES)).json()["items"]
    }
    assert defaults == {first["id"]: False, second["id"]: False, third["id"]: True}

    # A draft without company_id goes to the default company.
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer)
    assert invoice["company_id"] == third["id"]
    assert invoice["supply_type"] == "inter_state"  # 33 -> 29


async def test_company_gets_three_default_series(tenant: TenantClient) -> None:
    company = await add_company(tenant)
    other = await add_company(tenant, KA, "Branch")
    response = await tenant.get(SERIES, params={"company_id": company["id"]})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 3
    short = fy_short(today_ist())
    found = {
        (s["document_type"], s["prefix"], s["number_format"], s["is_default"], s["is_active"])
        for s in page["items"]
    }
    assert found == {
        ("invoice", "INV", "{prefix}/{fy}/{seq:04d}", True, True),
        ("credit_note", "CN", "{prefix}/{fy}/{seq:04d}", True, True),
        ("receipt", "RCT", "{prefix}/{fy}/{seq:04d}", True, True),
    }
    examples = {s["document_type"]: s["example"] for s in page["items"]}
    assert examples == {
        "invoice": f"INV/{short}/0001",
        "credit_note": f"CN/{short}/0001",
        "receipt": f"RCT/{short}/0001",
    }
    assert all(s["company_id"] == company["id"] for s in page["items"])
    others = (await tenant.get(SERIES, params={"company_id": other["id"]})).json()
    assert others["total"] == 3
    assert {s["id"] for s in others["items"]}.isdisjoint({s["id"] for s in page["items"]})
    invoices_only = (
        await tenant.get(SERIES, params={"company_id": company["id"], "document_type": "invoice"})
    ).json()
    assert [s["prefix"] for s in invoices_only["items"]] == ["INV"]


async def test_series_format_must_fit_gst_numbers(tenant: TenantClient) -> None:
    company = await add_company(tenant)
    short = fy_short(today_ist())

    def series(prefix: str, **extra: Any) -> dict[str, Any]:
        return {"company_id": company["id"], "document_type": "invoice", "prefix": prefix, **extra}

    # "INVOIC/25-26/9999" has 17 characters: 9,999 numbers do not fit in 16.
    response = await tenant.post(SERIES, json=series("INVOIC"))
    problem = assert_problem(response, 422, "validation-error")
    assert field_errors(problem) == ["number_format"]
    assert "16" in problem["detail"]
    # "INVOI/25-26/9999" has exactly 16: accepted.
    fits = await tenant.create(SERIES, series("INVOI", is_default=False))
    assert fits["example"] == f"INVOI/{short}/0001"
    # Without separators a longer prefix fits.
    compact = await tenant.create(
        SERIES, series("INVOICE", number_format="{prefix}{seq:05d}", is_default=False)
    )
    assert compact["example"] == "INVOICE00001"

    response = await tenant.post(SERIES, json=series("INV_B"))
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["body.prefix"]
    response = await tenant.post(SERIES, json=series("INB", number_format="{prefix}_{fy}_{seq}"))
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["number_format"]
    response = await tenant.post(SERIES, json=series("INC", number_format="{prefix}/{fy}"))
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["number_format"]
    listed = (await tenant.get(SERIES, params={"company_id": company["id"]})).json()
    assert listed["total"] == 5


async def test_new_series_takes_over_numbering(tenant: TenantClient) -> None:
    """``is_default`` defaults to true in the schema: a new series, given without it,
    becomes the company's default and numbers the next invoice."""
    company = await add_company(tenant)
    customer = await add_customer(tenant)
    explicit = await tenant.create(
        SERIES,
        {
            "company_id": company["id"],
            "document_type": "invoice",
            "prefix": "EX",
            "is_default": True,
        },
    )
    assert explicit["is_default"] is True
    implicit = await tenant.create(
        SERIES, {"company_id": company["id"], "document_type": "invoice", "prefix": "IM"}
    )
    assert implicit["number_format"] == "{prefix}/{fy}/{seq:04d}"
    assert implicit["is_default"] is True
    defaults = {
        s["prefix"]: s["is_default"]
        for s in (
            await tenant.get(
                SERIES, params={"company_id": company["id"], "document_type": "invoice"}
            )
        ).json()["items"]
    }
    assert defaults == {"INV": False, "EX": False, "IM": True}
    invoice = await create_invoice(tenant, customer, issue=True)
    assert invoice["number"] == f"IM/{fy_short(today_ist())}/0001"


async def test_company_with_an_issued_invoice_cannot_be_deleted(tenant: TenantClient) -> None:
    company = await add_company(tenant)
    customer = await add_customer(tenant)
    await create_invoice(tenant, customer, issue=True)
    response = await tenant.delete(f"{COMPANIES}/{company['id']}")
    assert_problem(response, 409, "conflict")
    assert (await tenant.get(f"{COMPANIES}/{company['id']}")).status_code == 200
    assert (await tenant.get(SERIES, params={"company_id": company["id"]})).json()["total"] == 3


# -- GST settings and rates -----------------------------------------------------------------


async def test_gst_settings_read_and_update(tenant: TenantClient) -> None:
    response = await tenant.get(GST_SETTINGS)
    assert response.status_code == 200, response.text
    current = response.json()
    assert {k: current[k] for k in current if k != "updated_at"} == {
        "registration_type": "regular",
        "apply_round_off": True,
        "hsn_digits_required": 4,
        "e_invoice_applicable": False,
    }
    response = await tenant.put(GST_SETTINGS, json={"hsn_digits_required": 5})
    assert field_errors(assert_problem(response, 422, "validation-error")) == [
        "hsn_digits_required"
    ]
    response = await tenant.put(GST_SETTINGS, json={"registration_type": "retail"})
    assert_problem(response, 422, "validation-error")
    response = await tenant.put(GST_SETTINGS, json={"hsn_digits_required": 6})
    assert response.status_code == 200, response.text
    assert response.json()["hsn_digits_required"] == 6
    assert response.json()["registration_type"] == "regular"  # untouched
    assert (await tenant.get(GST_SETTINGS)).json()["hsn_digits_required"] == 6

    # Now a 4-digit code is too short on an invoice line; a 6-digit SAC is fine.
    await add_company(tenant)
    customer = await add_customer(tenant)
    response = await tenant.post(
        INVOICES, json={"customer_id": customer["id"], "lines": [line(hsn="9983")]}
    )
    problem = assert_problem(response, 422, "validation-error")
    assert field_errors(problem) == ["body.lines.0.hsn_sac"]
    await create_invoice(tenant, customer, [line(hsn="998314")])


async def test_round_off_can_be_switched_off(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    response = await tenant.put(GST_SETTINGS, json={"apply_round_off": False})
    assert response.status_code == 200, response.text
    invoice = await create_invoice(tenant, customer, [line("999.99")])
    assert (invoice["igst_total"], invoice["round_off"]) == ("180.00", "0.00")
    assert invoice["grand_total"] == "1179.99"
    assert invoice["amount_in_words"] == (
        "Rupees One Thousand One Hundred Seventy-Nine and Ninety-Nine Paise Only"
    )


async def test_tax_rates_duplicate_conflicts_and_new_rate_is_usable(
    tenant: TenantClient,
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    duplicate = await tenant.post(TAX_RATES, json={"rate": "18", "effective_from": "2017-07-01"})
    assert_problem(duplicate, 409, "conflict")

    response = await tenant.post(
        INVOICES, json={"customer_id": customer["id"], "lines": [line(rate="2")]}
    )
    assert field_errors(assert_problem(response, 422, "validation-error")) == [
        "body.lines.0.gst_rate"
    ]
    rate = await tenant.create(TAX_RATES, {"rate": "2", "effective_from": "2025-04-01"})
    assert (rate["name"], rate["rate"], rate["effective_to"]) == ("GST 2%", "2", None)
    again = await tenant.post(TAX_RATES, json={"rate": "2", "effective_from": "2025-04-01"})
    assert_problem(again, 409, "conflict")

    invoice = await create_invoice(tenant, customer, [line("10000", "2")])
    assert invoice["igst_total"] == "200.00"
    assert invoice["grand_total"] == "10200.00"
    # ...but not before it took effect.
    response = await tenant.post(
        INVOICES,
        json={
            "customer_id": customer["id"],
            "invoice_date": "2025-03-31",
            "lines": [line(rate="2")],
        },
    )
    assert field_errors(assert_problem(response, 422, "validation-error")) == [
        "body.lines.0.gst_rate"
    ]


# -- GST on invoices, hand-computed ---------------------------------------------------------


async def test_intra_state_two_lines_with_discounts(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant, gstin=MH_BUYER)
    invoice = await create_invoice(
        tenant,
        customer,
        [
            # 3 x 1234.56 = 3703.68; 12.5% off = 462.96; taxable 3240.72;
            # 9% = 291.6648 -> 291.66 each half.
            line(
                "1234.56",
                "18",
                quantity="3",
                discount_type="percent",
                discount_value="12.5",
            ),
            # 1.5 x 333.35 = 500.025 -> 500.03 (half-up); 0.50 off; taxable 499.53;
            # 2.5% = 12.48825 -> 12.49 each half.
            line(
                "333.35",
                "5",
                description="Support",
                quantity="1.5",
                discount_type="amount",
                discount_value="0.50",
            ),
        ],
    )
    assert (invoice["supply_type"], invoice["place_of_supply"]) == ("intra_state", "27")
    assert invoice["kind"] == "tax_invoice"
    first, second = invoice["lines"]
    assert (first["position"], second["position"]) == (1, 2)
    assert (first["discount_amount"], first["taxable_value"]) == ("462.96", "3240.72")
    assert (first["cgst_amount"], first["sgst_amount"], first["igst_amount"]) == (
        "291.66",
        "291.66",
        "0.00",
    )
    assert first["line_total"] == "3824.04"
    assert (second["discount_amount"], second["taxable_value"]) == ("0.50", "499.53")
    assert (second["cgst_amount"], second["sgst_amount"]) == ("12.49", "12.49")
    assert second["line_total"] == "524.51"
    assert (second["quantity"], second["unit_price"], second["gst_rate"]) == (
        "1.5",
        "333.35",
        "5",
    )

    assert invoice["subtotal"] == "4203.71"
    assert invoice["discount_total"] == "463.46"
    assert invoice["taxable_total"] == "3740.25"
    assert taxes(invoice) == {
        "cgst": "304.15",
        "sgst": "304.15",
        "utgst": "0.00",
        "igst": "0.00",
        "cess": "0.00",
    }
    assert invoice["round_off"] == "0.45"  # 4348.55 -> 4349
    assert invoice["grand_total"] == "4349.00"
    assert invoice["amount_due"] == "4349.00"
    assert invoice["amount_in_words"] == "Rupees Four Thousand Three Hundred Forty-Nine Only"
    assert invoice["endorsement"] is None
    breakdown = [
        (row["gst_rate"], row["taxable_value"], row["cgst_amount"])
        for row in invoice["tax_breakdown"]
    ]
    assert breakdown == [("5", "499.53", "12.49"), ("18", "3240.72", "291.66")]
    assert invoice["parties"]["supplier"]["gstin"] == MH
    assert invoice["parties"]["buyer"]["gstin"] == MH_BUYER


async def test_inter_state_charges_igst(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)  # Karnataka
    invoice = await create_invoice(tenant, customer, [line("4999.99", quantity="2")])
    # 9999.98 taxable; 18% = 1799.9964 -> 1800.00; 11799.98 -> 11800
    assert (invoice["supply_type"], invoice["place_of_supply"]) == ("inter_state", "29")
    assert invoice["taxable_total"] == "9999.98"
    assert taxes(invoice) == {
        "cgst": "0.00",
        "sgst": "0.00",
        "utgst": "0.00",
        "igst": "1800.00",
        "cess": "0.00",
    }
    assert (invoice["round_off"], invoice["grand_total"]) == ("0.02", "11800.00")
    assert invoice["lines"][0]["igst_amount"] == "1800.00"


async def test_union_territory_supply_charges_utgst(tenant: TenantClient) -> None:
    chandigarh = await add_company(tenant, CH_SUPPLIER, "Sharma Chandigarh")
    mumbai = await add_company(tenant, MH, "Sharma Mumbai")
    customer = await add_customer(tenant, "Sandhu Motors", gstin=CH_BUYER)
    invoice = await create_invoice(
        tenant, customer, [line("10000.10")], company_id=chandigarh["id"]
    )
    # 10000.10 x 9% = 900.009 -> 900.01 CGST and 900.01 UTGST; 11800.12 -> 11800
    assert (invoice["supply_type"], invoice["place_of_supply"]) == ("intra_state", "04")
    assert taxes(invoice) == {
        "cgst": "900.01",
        "sgst": "0.00",
        "utgst": "900.01",
        "igst": "0.00",
        "cess": "0.00",
    }
    assert invoice["lines"][0]["utgst_amount"] == "900.01"
    assert (invoice["round_off"], invoice["grand_total"]) == ("-0.12", "11800.00")
    # From Mumbai to Chandigarh it is an inter-state supply.
    other = await create_invoice(tenant, customer, [line("10000.10")], company_id=mumbai["id"])
    assert other["supply_type"] == "inter_state"
    assert (other["igst_total"], other["utgst_total"]) == ("1800.02", "0.00")


async def test_export_under_lut_is_zero_rated(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant, "Acme Inc", gst_treatment="overseas", country_code="US")
    assert (customer["state_code"], customer["country_code"]) == ("96", "US")
    invoice = await create_invoice(
        tenant,
        customer,
        [line("50000")],
        zero_rated_mode="lut",
        lut_reference="AD270325000123X",
    )
    assert (invoice["supply_type"], invoice["place_of_supply"]) == ("export", "96")
    assert (invoice["zero_rated_mode"], invoice["lut_reference"]) == ("lut", "AD270325000123X")
    assert set(taxes(invoice).values()) == {"0.00"}
    assert (invoice["taxable_total"], invoice["grand_total"]) == ("50000.00", "50000.00")
    assert LUT_WORDS in invoice["endorsement"]
    assert "WITHOUT PAYMENT OF INTEGRATED TAX" in invoice["endorsement"]
    # The rate entered stays on the line (for GSTR-1); no tax is charged on it.
    assert (invoice["lines"][0]["gst_rate"], invoice["lines"][0]["igst_amount"]) == (
        "18",
        "0.00",
    )

    paid = await create_invoice(tenant, customer, [line("50000")], zero_rated_mode="with_payment")
    assert paid["supply_type"] == "export"
    assert (paid["igst_total"], paid["cgst_total"], paid["grand_total"]) == (
        "9000.00",
        "0.00",
        "59000.00",
    )
    assert "ON PAYMENT OF INTEGRATED TAX" in paid["endorsement"]
    assert LUT_WORDS not in paid["endorsement"]


async def test_supply_to_sez_in_the_same_state_is_inter_state(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant, "Hiranandani SEZ Unit", gst_treatment="sez", gstin=MH_SEZ)
    invoice = await create_invoice(tenant, customer, [line("10000")])
    assert (invoice["supply_type"], invoice["place_of_supply"]) == ("sez", "27")
    assert (invoice["igst_total"], invoice["cgst_total"], invoice["sgst_total"]) == (
        "1800.00",
        "0.00",
        "0.00",
    )
    assert invoice["grand_total"] == "11800.00"
    assert "ON PAYMENT OF INTEGRATED TAX" in invoice["endorsement"]
    under_lut = await create_invoice(tenant, customer, [line("10000")], zero_rated_mode="lut")
    assert (under_lut["igst_total"], under_lut["grand_total"]) == ("0.00", "10000.00")
    assert LUT_WORDS in under_lut["endorsement"]


async def test_reverse_charge_shows_tax_but_leaves_it_out_of_amount_due(
    tenant: TenantClient,
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer, [line("10000.40")], is_reverse_charge=True)
    # IGST 1800.072 -> 1800.07 shown; grand total 11800.47 -> 11800; the buyer pays
    # the supplier only the taxable value, 10000.40 -> 10000.
    assert invoice["is_reverse_charge"] is True
    assert invoice["igst_total"] == "1800.07"
    assert (invoice["round_off"], invoice["grand_total"]) == ("-0.47", "11800.00")
    assert invoice["amount_due"] == "10000.00"
    assert invoice["amount_in_words"] == "Rupees Ten Thousand Only"
    assert invoice["endorsement"] == "Tax is payable on reverse charge basis"
    issued = await issue(tenant, invoice)
    assert (issued["amount_due"], issued["igst_total"]) == ("10000.00", "1800.07")
    # Exports are zero-rated, never under reverse charge.
    overseas = await add_customer(tenant, "Acme Inc", gst_treatment="overseas", country_code="US")
    response = await tenant.post(
        INVOICES,
        json={"customer_id": overseas["id"], "is_reverse_charge": True, "lines": [line()]},
    )
    assert "Reverse charge" in assert_problem(response, 422, "validation-error")["detail"]


async def test_composition_supplier_issues_bill_of_supply(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant, gstin=MH_BUYER)
    response = await tenant.put(GST_SETTINGS, json={"registration_type": "composition"})
    assert response.status_code == 200, response.text
    invoice = await create_invoice(tenant, customer, [line("2500.60", quantity="2")])
    assert invoice["kind"] == "bill_of_supply"
    assert set(taxes(invoice).values()) == {"0.00"}
    assert all(
        ln[f"{head}_amount"] == "0.00"
        for ln in invoice["lines"]
        for head in ("cgst", "sgst", "igst", "utgst")
    )
    assert (invoice["taxable_total"], invoice["round_off"], invoice["grand_total"]) == (
        "5001.20",
        "-0.20",
        "5001.00",
    )
    assert invoice["endorsement"] is not None
    assert "Bill of Supply" in invoice["endorsement"]
    issued = await issue(tenant, invoice)
    assert issued["kind"] == "bill_of_supply"
    pdf = await tenant.get(f"{INVOICES}/{invoice['id']}/pdf")
    assert pdf.status_code == 200, pdf.text
    assert "Bill of Supply" in pdf_text(pdf.content)


async def test_composition_bill_of_supply_carries_the_declaration(tenant: TenantClient) -> None:
    """A composition dealer must print "composition taxable person, not eligible to collect
    tax on supplies" on every bill of supply (CGST Rules 5(1)(g) and 49)."""
    await add_company(tenant)
    customer = await add_customer(tenant, gstin=MH_BUYER)
    response = await tenant.put(GST_SETTINGS, json={"registration_type": "composition"})
    assert response.status_code == 200, response.text
    invoice = await issue(tenant, await create_invoice(tenant, customer))
    declaration = "composition taxable person, not eligible to collect tax on supplies"
    assert declaration in (invoice["endorsement"] or "").lower()
    pdf = await tenant.get(f"{INVOICES}/{invoice['id']}/pdf")
    assert declaration in pdf_text(pdf.content).lower()


async def test_place_of_supply_override_changes_the_tax_heads(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)  # Karnataka: IGST by default
    invoice = await create_invoice(tenant, customer, [line("10000")], place_of_supply="27")
    assert (invoice["place_of_supply"], invoice["supply_type"]) == ("27", "intra_state")
    assert (invoice["cgst_total"], invoice["sgst_total"], invoice["igst_total"]) == (
        "900.00",
        "900.00",
        "0.00",
    )
    response = await tenant.put(f"{INVOICES}/{invoice['id']}", json={"place_of_supply": "29"})
    assert response.status_code == 200, response.text
    moved = response.json()
    assert (moved["place_of_supply"], moved["supply_type"]) == ("29", "inter_state")
    assert (moved["cgst_total"], moved["igst_total"]) == ("0.00", "1800.00")
    # The override survives issuing (which reprices).
    issued = await issue(tenant, moved)
    assert (issued["place_of_supply"], issued["igst_total"]) == ("29", "1800.00")


async def test_line_from_service_type_carries_its_defaults(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    service = await tenant.create(
        SERVICE_TYPES,
        {
            "name": "Managed hosting",
            "hsn_sac_code": "998315",
            "default_gst_rate": "5",
            "unit": "UNT",
            "default_unit_price": "4500.50",
        },
    )
    invoice = await create_invoice(
        tenant,
        customer,
        [
            {"service_type_id": service["id"], "quantity": "2"},
            {"service_type_id": service["id"], "unit_price": "100", "gst_rate": "18"},
        ],
    )
    first, second = invoice["lines"]
    assert first["service_type_id"] == service["id"]
    assert (first["description"], first["hsn_sac"], first["uqc"]) == (
        "Managed hosting",
        "998315",
        "UNT",
    )
    assert (first["unit_price"], first["gst_rate"], first["quantity"]) == ("4500.50", "5", "2")
    assert (first["taxable_value"], first["igst_amount"]) == ("9001.00", "450.05")
    # What the line gives wins over the service type's defaults.
    assert (second["unit_price"], second["gst_rate"], second["igst_amount"]) == (
        "100.00",
        "18",
        "18.00",
    )
    response = await tenant.post(
        INVOICES,
        json={"customer_id": customer["id"], "lines": [{"service_type_id": str(uuid.uuid4())}]},
    )
    assert field_errors(assert_problem(response, 422, "validation-error")) == [
        "body.lines.0.service_type_id"
    ]


async def test_rate_must_be_in_force_on_the_invoice_date(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant, gstin=MH_BUYER)
    response = await tenant.post(
        INVOICES, json={"customer_id": customer["id"], "lines": [line(rate="12")]}
    )
    problem = assert_problem(response, 422, "validation-error")
    assert field_errors(problem) == ["body.lines.0.gst_rate"]
    assert "12" in problem["detail"]
    old = await create_invoice(tenant, customer, [line(rate="12")], invoice_date="2025-06-01")
    assert (old["invoice_date"], old["due_date"]) == ("2025-06-01", "2025-06-16")
    assert (old["cgst_total"], old["sgst_total"], old["grand_total"]) == (
        "600.00",
        "600.00",
        "11200.00",
    )
    # 40% started with GST 2.0 on 22 September 2025.
    response = await tenant.post(
        INVOICES,
        json={
            "customer_id": customer["id"],
            "invoice_date": "2025-09-21",
            "lines": [line(rate="40")],
        },
    )
    assert field_errors(assert_problem(response, 422, "validation-error")) == [
        "body.lines.0.gst_rate"
    ]


async def test_lines_are_validated_with_field_paths(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)

    async def refused(lines: list[dict[str, Any]]) -> list[str]:
        response = await tenant.post(INVOICES, json={"customer_id": customer["id"], "lines": lines})
        return field_errors(assert_problem(response, 422, "validation-error"))

    assert await refused([line(hsn=None)]) == ["body.lines.0.hsn_sac"]
    assert await refused([line(), line(hsn=None)]) == ["body.lines.1.hsn_sac"]
    assert await refused([line(hsn="12")]) == ["body.lines.0.hsn_sac"]
    assert await refused([line(discount_type="percent", discount_value="101")]) == ["body.lines.0"]
    assert await refused([{"description": "No price", "gst_rate": "18"}]) == ["body.lines.0"]
    assert await refused([]) == ["body.lines"]
    # An amount discount above the line amount.
    assert await refused([line("100", discount_value="100.01")]) == ["body.lines"]
    listed = (await tenant.get(INVOICES)).json()
    assert listed["total"] == 0


async def test_thousand_lines_add_up_to_the_paisa(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant, gstin=MH_BUYER)
    rates = ["0", "0.25", "1.5", "3", "5", "18", "40"]
    lines = []
    for i in range(1000):
        quantity = Decimal(i % 7 + 1) + Decimal(i % 997) / 1000
        price = Decimal(i * 37 % 9973) / 100 + Decimal("0.3333")
        entry = line(
            str(price),
            rates[i % len(rates)],
            description=f"Item {i}",
            quantity=str(quantity),
        )
        if i % 3 == 1:
            entry.update(discount_type="percent", discount_value="7.5")
        elif i % 3 == 2:
            entry.update(discount_type="amount", discount_value="0.10")
        lines.append(entry)
    invoice = await create_invoice(tenant, customer, lines)
    assert len(invoice["lines"]) == 1000
    assert invoice["supply_type"] == "intra_state"

    sums = dict.fromkeys(
        ("discount", "taxable", "cgst", "sgst", "utgst", "igst", "cess", "gross"), Decimal("0")
    )
    for sent, got in zip(lines, invoice["lines"], strict=True):
        # The line computed independently, half-up to paise at each step.
        gross = paise(Decimal(sent["quantity"]) * Decimal(sent["unit_price"]))
        if sent.get("discount_type") == "percent":
            discount = paise(gross * Decimal(sent["discount_value"]) / 100)
        else:
            discount = Decimal(sent.get("discount_value", "0"))
        taxable = gross - discount
        half = paise(taxable * Decimal(sent["gst_rate"]) / 200)
        assert (money(got["discount_amount"]), money(got["taxable_value"])) == (
            discount,
            taxable,
        ), got["description"]
        assert money(got["cgst_amount"]) == money(got["sgst_amount"]) == half, got
        assert money(got["line_total"]) == taxable + 2 * half
        sums["gross"] += gross
        for key, name in (
            ("discount", "discount_amount"),
            ("taxable", "taxable_value"),
            ("cgst", "cgst_amount"),
            ("sgst", "sgst_amount"),
            ("utgst", "utgst_amount"),
            ("igst", "igst_amount"),
            ("cess", "cess_amount"),
        ):
            sums[key] += money(got[name])

    def header_matches(doc: dict[str, Any]) -> None:
        assert money(doc["subtotal"]) == sums["gross"]
        assert money(doc["discount_total"]) == sums["discount"]
        assert money(doc["taxable_total"]) == sums["taxable"]
        for head in ("cgst", "sgst", "utgst", "igst", "cess"):
            assert money(doc[f"{head}_total"]) == sums[head], head
        unrounded = sums["taxable"] + sums["cgst"] + sums["sgst"]
        grand = money(doc["grand_total"])
        assert grand == unrounded + money(doc["round_off"])
        assert grand == grand.to_integral_value(rounding=ROUND_HALF_UP)
        assert grand == unrounded.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        assert sum(money(row["taxable_value"]) for row in doc["tax_breakdown"]) == sums["taxable"]
        assert sum(money(row["cgst_amount"]) for row in doc["tax_breakdown"]) == sums["cgst"]
        assert [row["gst_rate"] for row in doc["tax_breakdown"]] == rates

    header_matches(invoice)
    # Stored, read back and repriced on issue: still the same to the paisa.
    issued = await issue(tenant, invoice)
    header_matches(issued)
    header_matches(await get_invoice(tenant, invoice["id"]))
    assert issued["grand_total"] == invoice["grand_total"]


# -- lifecycle ------------------------------------------------------------------------------


async def test_draft_header_update_reprices_and_bumps_version(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    draft = await create_invoice(tenant, customer, [line("1000"), line("2000", description="B")])
    assert (draft["status"], draft["number"], draft["financial_year"]) == ("draft", None, None)
    assert (draft["issued_at"], draft["version"]) == (None, 1)
    assert (draft["igst_total"], draft["grand_total"]) == ("540.00", "3540.00")

    response = await tenant.put(
        f"{INVOICES}/{draft['id']}", json={"notes": "Revised", "place_of_supply": "27"}
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["version"] == 2
    assert [ln["id"] for ln in updated["lines"]] == [ln["id"] for ln in draft["lines"]]
    assert (updated["notes"], updated["supply_type"]) == ("Revised", "intra_state")
    assert (updated["cgst_total"], updated["igst_total"], updated["grand_total"]) == (
        "270.00",
        "0.00",
        "3540.00",
    )
    assert [ln["cgst_amount"] for ln in updated["lines"]] == ["90.00", "180.00"]
    again = await get_invoice(tenant, draft["id"])
    assert (again["version"], again["lines"][1]["sgst_amount"]) == (2, "180.00")


async def test_draft_update_replaces_lines(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    draft = await create_invoice(tenant, customer, [line("1000"), line("2000", description="B")])

    response = await tenant.put(
        f"{INVOICES}/{draft['id']}",
        json={"lines": [line("500", "5", description="Only line")], "notes": "Revised"},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["version"] == 2
    assert [ln["description"] for ln in updated["lines"]] == ["Only line"]
    assert updated["lines"][0]["position"] == 1
    assert updated["lines"][0]["id"] not in {ln["id"] for ln in draft["lines"]}
    assert (updated["igst_total"], updated["grand_total"], updated["notes"]) == (
        "25.00",
        "525.00",
        "Revised",
    )
    stored = await get_invoice(tenant, draft["id"])
    assert [ln["description"] for ln in stored["lines"]] == ["Only line"]
    assert stored["grand_total"] == "525.00"


async def test_issued_invoice_is_frozen_and_void_keeps_its_number(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    draft = await create_invoice(tenant, customer)
    issued = await issue(tenant, draft)
    assert issued["status"] == "issued"
    assert issued["number"] == f"INV/{fy_short(today_ist())}/0001"
    assert issued["issued_at"] is not None
    assert issued["version"] == draft["version"] + 1

    for response in (
        await tenant.put(f"{INVOICES}/{draft['id']}", json={"notes": "changed"}),
        await tenant.put(f"{INVOICES}/{draft['id']}", json={"lines": [line("1")]}),
        await tenant.delete(f"{INVOICES}/{draft['id']}"),
    ):
        problem = assert_problem(response, 409, "conflict")
        assert all(word in problem["detail"].lower() for word in NOT_DRAFT_WORDS), problem
    assert_problem(await tenant.post(f"{INVOICES}/{draft['id']}/issue"), 409, "conflict")

    no_reason = await tenant.post(f"{INVOICES}/{draft['id']}/void", json={})
    assert field_errors(assert_problem(no_reason, 422, "validation-error")) == ["body.reason"]
    short = await tenant.post(f"{INVOICES}/{draft['id']}/void", json={"reason": "x"})
    assert_problem(short, 422, "validation-error")

    response = await tenant.post(
        f"{INVOICES}/{draft['id']}/void", json={"reason": "Raised in error"}
    )
    assert response.status_code == 200, response.text
    voided = response.json()
    assert (voided["status"], voided["number"], voided["void_reason"]) == (
        "void",
        issued["number"],
        "Raised in error",
    )
    assert voided["voided_at"] is not None
    assert (voided["amount_due"], voided["grand_total"]) == ("0.00", issued["grand_total"])
    assert voided["is_overdue"] is False

    assert_problem(await tenant.post(f"{INVOICES}/{draft['id']}/issue"), 409, "conflict")
    again = await tenant.post(f"{INVOICES}/{draft['id']}/void", json={"reason": "Twice"})
    assert_problem(again, 409, "conflict")
    assert_problem(await tenant.delete(f"{INVOICES}/{draft['id']}"), 409, "conflict")
    # The voided number stays used: the next invoice takes the one after it.
    following = await create_invoice(tenant, customer, issue=True)
    assert following["number"] == f"INV/{fy_short(today_ist())}/0002"


async def test_delete_draft_and_issue_on_create(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    draft = await create_invoice(tenant, customer)
    assert (await tenant.delete(f"{INVOICES}/{draft['id']}")).status_code == 204
    assert_problem(await tenant.get(f"{INVOICES}/{draft['id']}"), 404, "not-found")
    assert_problem(await tenant.delete(f"{INVOICES}/{draft['id']}"), 404, "not-found")

    issued = await create_invoice(tenant, customer, issue=True)
    assert issued["status"] == "issued"
    assert issued["number"] == f"INV/{fy_short(today_ist())}/0001"
    assert issued["financial_year"] == financial_year(today_ist())
    assert issued["invoice_date"] == today_ist().isoformat()
    listed = (await tenant.get(INVOICES)).json()
    assert [item["id"] for item in listed["items"]] == [issued["id"]]
    # The trail of a create-and-issue: the draft as created, its issue, the number.
    trail = await tenant.get("/api/v1/audit-logs", params={"entity_id": issued["id"]})
    rows = {row["action"]: row["changes"] for row in trail.json()["items"]}
    assert sorted(rows) == ["invoice.created", "invoice.issued", "invoice.updated"]
    assert len(trail.json()["items"]) == 3
    assert rows["invoice.created"]["after"]["status"] == "draft"
    assert rows["invoice.created"]["after"]["grand_total"] == issued["grand_total"]
    assert rows["invoice.updated"]["before"]["status"] == "draft"
    assert rows["invoice.updated"]["after"]["number"] == issued["number"]
    assert rows["invoice.issued"] == {"number": issued["number"]}
    # Written in one INSERT, recorded as a draft and its issue: the draft is the "before"
    # of the issue, with no number, version 1 and the row's own timestamps.
    created = rows["invoice.created"]["after"]
    before = rows["invoice.updated"]["before"]
    assert {name: created[name] for name in before} == before
    assert set(before) == {
        "series_id",
        "financial_year",
        "sequence_number",
        "number",
        "status",
        "issued_at",
        "version",
    }
    assert (created["number"], created["version"], created["id"]) == (None, 1, issued["id"])
    assert created["created_at"] is not None and created["zero_rated_mode"] == "none"


async def test_due_date_defaults_and_checks(tenant: TenantClient) -> None:
    company = await add_company(tenant)
    plain = await add_customer(tenant)
    thirty = await add_customer(tenant, "Slow Payer", default_due_days=30)
    immediate = await add_customer(tenant, "Cash Buyer", default_due_days=0)
    on = "2026-05-10"

    async def due(customer: dict[str, Any], **fields: Any) -> str:
        invoice = await create_invoice(tenant, customer, invoice_date=on, **fields)
        return str(invoice["due_date"])

    assert await due(plain) == "2026-05-25"  # company default: 15 days
    assert await due(thirty) == "2026-06-09"
    assert await due(immediate) == "2026-05-10"
    assert await due(plain, due_date="2026-07-01") == "2026-07-01"
    response = await tenant.put(f"{COMPANIES}/{company['id']}", json={"default_due_days": 7})
    assert response.status_code == 200, response.text
    assert await due(plain) == "2026-05-17"
    assert await due(thirty) == "2026-06-09"  # the customer's terms win

    response = await tenant.post(
        INVOICES,
        json={
            "customer_id": plain["id"],
            "invoice_date": on,
            "due_date": "2026-05-09",
            "lines": [line()],
        },
    )
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["due_date"]
    # Moving the invoice date of a draft moves its default due date.
    draft = await create_invoice(tenant, plain, invoice_date=on)
    response = await tenant.put(f"{INVOICES}/{draft['id']}", json={"invoice_date": "2026-06-01"})
    assert response.status_code == 200, response.text
    assert response.json()["due_date"] == "2026-06-08"
    response = await tenant.put(f"{INVOICES}/{draft['id']}", json={"due_date": "2026-05-31"})
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["due_date"]


async def test_invoicing_needs_a_company(tenant: TenantClient) -> None:
    customer = await add_customer(tenant)
    response = await tenant.post(INVOICES, json={"customer_id": customer["id"], "lines": [line()]})
    problem = assert_problem(response, 422, "validation-error")
    assert "Add a company" in problem["detail"]
    assert field_errors(problem) == ["company_id"]
    response = await tenant.post(
        INVOICES, json={"customer_id": customer["id"], "issue": True, "lines": [line()]}
    )
    assert "Add a company" in assert_problem(response, 422, "validation-error")["detail"]
    assert (await tenant.get(INVOICES)).json()["total"] == 0


async def test_issued_invoice_keeps_the_parties_as_they_were(tenant: TenantClient) -> None:
    company = await add_company(tenant)
    customer = await add_customer(tenant)
    issued = await create_invoice(tenant, customer, issue=True)
    await tenant.put(f"{COMPANIES}/{company['id']}", json={"legal_name": "Renamed Ltd"})
    await tenant.put(f"{CUSTOMERS}/{customer['id']}", json={"name": "Renamed Buyer"})
    again = await get_invoice(tenant, issued["id"])
    assert again["parties"]["supplier"]["legal_name"] == "Sharma Digital Services Pvt Ltd"
    assert again["parties"]["buyer"]["name"] == "Rao Textiles"
    assert again["version"] == issued["version"]


# -- numbering ------------------------------------------------------------------------------


async def test_numbers_follow_the_financial_year_of_the_invoice_date(
    tenant: TenantClient,
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    march = await create_invoice(tenant, customer, invoice_date="2026-03-31", issue=True)
    april = await create_invoice(tenant, customer, invoice_date="2026-04-01", issue=True)
    march_again = await create_invoice(tenant, customer, invoice_date="2026-03-02", issue=True)
    april_again = await create_invoice(tenant, customer, invoice_date="2026-04-30", issue=True)
    assert (march["number"], march["financial_year"]) == ("INV/25-26/0001", "2025-26")
    assert (april["number"], april["financial_year"]) == ("INV/26-27/0001", "2026-27")
    assert march_again["number"] == "INV/25-26/0002"
    assert april_again["number"] == "INV/26-27/0002"

    # Each company's series counts on its own.
    branch = await add_company(tenant, TN, "Sharma Chennai")
    other = await create_invoice(
        tenant, customer, invoice_date="2026-04-01", issue=True, company_id=branch["id"]
    )
    assert other["number"] == "INV/26-27/0001"


async def test_drafts_never_consume_numbers(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    fy = fy_short(today_ist())
    numbers = []
    for _ in range(3):
        abandoned = await create_invoice(tenant, customer)
        assert (await tenant.delete(f"{INVOICES}/{abandoned['id']}")).status_code == 204
        await create_invoice(tenant, customer)  # left as a draft
        numbers.append((await issue(tenant, await create_invoice(tenant, customer)))["number"])
    assert numbers == [f"INV/{fy}/0001", f"INV/{fy}/0002", f"INV/{fy}/0003"]
    drafts = (await tenant.get(INVOICES, params={"status": "draft"})).json()
    assert drafts["total"] == 3
    assert all(item["number"] is None for item in drafts["items"])


async def test_failed_issue_gives_its_number_back(
    tenant: TenantClient, connection: AsyncConnection
) -> None:
    """A series of 16-character numbers holds 9,999 a year; the 10,000th issue fails after
    taking the counter, and its rollback must leave the counter (and invoice) untouched."""
    company = await add_company(tenant)
    customer = await add_customer(tenant)
    series = await tenant.create(
        SERIES,
        {
            "company_id": company["id"],
            "document_type": "invoice",
            "prefix": "INVOI",
            "is_default": True,
        },
    )
    fy = financial_year(today_ist())
    await set_tenant(connection, tenant.tenant_id)
    await connection.execute(
        text(
            "INSERT INTO document_counters (tenant_id, id, series_id, financial_year, last_number)"
            " VALUES (app_current_tenant(), :id, :series, :fy, 9998)"
        ),
        {"id": uuid.uuid4(), "series": uuid.UUID(series["id"]), "fy": fy},
    )
    last = await create_invoice(tenant, customer, issue=True)
    assert last["number"] == f"INVOI/{fy_short(today_ist())}/9999"
    assert len(last["number"]) == 16

    draft = await create_invoice(tenant, customer)
    response = await tenant.post(f"{INVOICES}/{draft['id']}/issue")
    assert "full" in assert_problem(response, 409, "conflict")["detail"]
    after = await get_invoice(tenant, draft["id"])
    assert (after["status"], after["number"], after["version"]) == ("draft", None, 1)
    await set_tenant(connection, tenant.tenant_id)
    counter = await connection.execute(
        text("SELECT last_number FROM document_counters WHERE series_id = :series"),
        {"series": uuid.UUID(series["id"])},
    )
    assert counter.scalar_one() == 9999


@pytest.mark.slow
async def test_concurrent_issues_take_consecutive_numbers(live_client: httpx.AsyncClient) -> None:
    owner = await register_tenant(live_client)
    await add_company(owner)
    customer = await add_customer(owner)
    drafts = [await create_invoice(owner, customer) for _ in range(50)]

    responses = await asyncio.gather(
        *(owner.post(f"{INVOICES}/{draft['id']}/issue") for draft in drafts)
    )
    assert [r.status_code for r in responses] == [200] * 50, [
        r.text for r in responses if r.status_code != 200
    ]
    numbers = [r.json()["number"] for r in responses]
    prefix = f"INV/{fy_short(today_ist())}/"
    assert all(number.startswith(prefix) for number in numbers)
    assert sorted(int(number.removeprefix(prefix)) for number in numbers) == list(range(1, 51))
    # What was committed agrees with what was answered.
    stored = (
        await owner.get(INVOICES, params={"status": "issued", "page_size": 100, "sort": "number"})
    ).json()
    assert stored["total"] == 50
    assert [item["number"] for item in stored["items"]] == [
        f"{prefix}{n:04d}" for n in range(1, 51)
    ]
    by_id = {r.json()["id"]: r.json()["number"] for r in responses}
    assert {item["id"]: item["number"] for item in stored["items"]} == by_id


# -- listing: filters, search, sort ---------------------------------------------------------


async def test_list_filters_search_and_sort(tenant: TenantClient) -> None:
    main = await add_company(tenant)
    branch = await add_company(tenant, TN, "Sharma Chennai")
    # Its own prefix, so that no number of the branch equals one of the main company.
    await tenant.create(
        SERIES,
        {
            "company_id": branch["id"],
            "document_type": "invoice",
            "prefix": "CHN",
            "is_default": True,
        },
    )
    rao = await add_customer(tenant, "Rao Textiles")
    mehta = await add_customer(tenant, "Mehta Exports", gstin=MH_BUYER)
    today = today_ist()
    past = today - timedelta(days=40)

    overdue = await create_invoice(
        tenant, rao, [line("10000")], invoice_date=past.isoformat(), issue=True
    )  # 11800, due 25 days ago
    big = await create_invoice(tenant, mehta, [line("50000")], issue=True)  # 59000
    voided = await create_invoice(tenant, rao, [line("3000")], issue=True)  # 3540
    response = await tenant.post(f"{INVOICES}/{voided['id']}/void", json={"reason": "Duplicate"})
    assert response.status_code == 200, response.text
    draft = await create_invoice(
        tenant, rao, [line("1000")], invoice_date=(today - timedelta(days=5)).isoformat()
    )  # 1180
    branch_invoice = await create_invoice(
        tenant,
        mehta,
        [line("20000", "5")],
        company_id=branch["id"],
        invoice_date=(today - timedelta(days=10)).isoformat(),
        issue=True,
    )  # 21000
    assert overdue["due_date"] == (past + timedelta(days=15)).isoformat()

    async def ids(**params: Any) -> list[str]:
        response = await tenant.get(INVOICES, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["total"] == len(page["items"])
        return [item["id"] for item in page["items"]]

    assert await ids(status="draft") == [draft["id"]]
    assert set(await ids(status="issued")) == {overdue["id"], big["id"], branch_invoice["id"]}
    assert await ids(status="overdue") == [overdue["id"]]
    assert await ids(status="void") == [voided["id"]]
    assert await ids(status="paid") == []
    assert set(await ids(customer_id=rao["id"])) == {overdue["id"], voided["id"], draft["id"]}
    assert await ids(company_id=branch["id"]) == [branch_invoice["id"]]
    assert set(await ids(company_id=main["id"])) == {
        overdue["id"],
        big["id"],
        voided["id"],
        draft["id"],
    }
    assert set(
        await ids(
            date_from=(today - timedelta(days=10)).isoformat(),
            date_to=(today - timedelta(days=1)).isoformat(),
        )
    ) == {draft["id"], branch_invoice["id"]}
    assert await ids(date_to=(today - timedelta(days=11)).isoformat()) == [overdue["id"]]
    assert set(await ids(amount_min="11800", amount_max="21000")) == {
        overdue["id"],
        branch_invoice["id"],
    }
    assert await ids(amount_min="59000.01") == []
    assert await ids(search=big["number"]) == [big["id"]]
    assert branch_invoice["number"].startswith("CHN/")
    assert await ids(search="chn/") == [branch_invoice["id"]]
    assert set(await ids(search="mehta")) == {big["id"], branch_invoice["id"]}
    assert await ids(search="MEHTA", status="issued", company_id=main["id"]) == [big["id"]]
    assert await ids(search="%") == []  # a wildcard is matched literally
    assert await ids(sort="-grand_total") == [
        big["id"],
        branch_invoice["id"],
        overdue["id"],
        voided["id"],
        draft["id"],
    ]
    assert (await ids(sort="grand_total"))[0] == draft["id"]

    items = {item["id"]: item for item in (await tenant.get(INVOICES)).json()["items"]}
    assert items[overdue["id"]]["is_overdue"] is True
    assert items[overdue["id"]]["customer_name"] == "Rao Textiles"
    assert items[big["id"]]["is_overdue"] is False
    assert items[big["id"]]["customer_name"] == "Mehta Exports"
    assert items[voided["id"]]["is_overdue"] is False
    assert items[branch_invoice["id"]]["grand_total"] == "21000.00"
    assert "lines" not in items[big["id"]]
    assert (await get_invoice(tenant, overdue["id"]))["is_overdue"] is True

    response = await tenant.get(INVOICES, params={"page_size": 2, "sort": "-grand_total"})
    page = response.json()
    assert (page["total"], page["page_size"], len(page["items"])) == (5, 2, 2)
    page3 = (
        await tenant.get(INVOICES, params={"page_size": 2, "page": 3, "sort": "-grand_total"})
    ).json()
    assert [item["id"] for item in page3["items"]] == [draft["id"]]
    assert (await tenant.get(INVOICES, params={"page_size": 100})).status_code == 200
    assert_problem(await tenant.get(INVOICES, params={"page_size": 101}), 422, "validation-error")
    assert_problem(await tenant.get(INVOICES, params={"status": "late"}), 422, "validation-error")
    assert_problem(await tenant.get(INVOICES, params={"sort": "customer"}), 422)


# -- PDF ------------------------------------------------------------------------------------


async def test_draft_pdf_says_draft_and_etag_follows_the_version(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    draft = await create_invoice(tenant, customer, [line(description="Logo design")])
    url = f"{INVOICES}/{draft['id']}/pdf"
    first = await tenant.get(url)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/pdf"
    content = pdf_text(first.content)
    assert "DRAFT" in content
    assert "Logo design" in content
    etag = first.headers["ETag"]

    unchanged = await tenant.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["ETag"] == etag

    response = await tenant.put(f"{INVOICES}/{draft['id']}", json={"notes": "Deliver by Friday"})
    assert response.status_code == 200, response.text
    changed = await tenant.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "Deliver by Friday" in pdf_text(changed.content)
    assert "Deliver by Friday" not in content

    issued = await issue(tenant, draft)
    after_issue = await tenant.get(url, headers={"If-None-Match": changed.headers["ETag"]})
    assert after_issue.status_code == 200
    text_ = pdf_text(after_issue.content)
    assert issued["number"] in text_
    assert "DRAFT" not in text_


async def test_issued_pdf_shows_number_gstins_total_and_words(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer, [line("100000")], issue=True)
    assert invoice["grand_total"] == "118000.00"
    response = await tenant.get(f"{INVOICES}/{invoice['id']}/pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert invoice["number"].replace("/", "-") + ".pdf" in disposition
    content = pdf_text(response.content)
    for expected in (
        invoice["number"],
        MH,
        KA,
        "1,18,000.00",
        "1,00,000.00",
        "18,000.00",
        "Rupees One Lakh Eighteen Thousand Only",
        "IGST",
    ):
        assert expected in content, expected
    assert "DRAFT" not in content
    again = await tenant.get(
        f"{INVOICES}/{invoice['id']}/pdf", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


async def test_intra_state_pdf_shows_cgst_and_sgst(tenant: TenantClient) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant, gstin=MH_BUYER)
    invoice = await create_invoice(tenant, customer, [line("25000")], issue=True)
    content = pdf_text((await tenant.get(f"{INVOICES}/{invoice['id']}/pdf")).content)
    for expected in ("CGST", "SGST", "2,250.00", "29,500.00", MH_BUYER):
        assert expected in content, expected


# -- sending --------------------------------------------------------------------------------


async def test_send_defaults_to_customer_addresses_and_delivers_the_pdf(
    tenant: TenantClient, smtp: SmtpTestServer, connection: AsyncConnection
) -> None:
    await add_company(tenant)
    address, copy = new_email("AP"), new_email("Accounts")
    customer = await add_customer(tenant, email=address, cc_emails=[copy, address])
    invoice = await create_invoice(tenant, customer, [line("100000")], issue=True)
    await verify_sender(connection, tenant)

    response = await tenant.post(f"{INVOICES}/{invoice['id']}/send", json={})
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["invoice_id"] == invoice["id"]
    assert accepted["recipients"] == [address.lower(), copy.lower()]
    assert accepted["status"] == "queued"
    assert isinstance(accepted["job_id"], int)

    [mail] = await smtp.wait_for_async(addressed_to(address.lower()), timeout=15)
    assert invoice["number"] in mail["Subject"]
    assert copy.lower() in mail["To"]
    envelope = smtp.envelopes[smtp.messages.index(mail)]
    assert sorted(envelope.rcpt_tos) == sorted([address.lower(), copy.lower()])
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == invoice["number"].replace("/", "-") + ".pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    assert invoice["number"] in pdf_text(pdf)

    after = await get_invoice(tenant, invoice["id"])
    assert after["sent_at"] is not None
    assert after["sent_to"] == [address.lower(), copy.lower()]
    listed = (await tenant.get(INVOICES)).json()["items"]
    assert listed[0]["sent_at"] is not None


async def test_send_to_given_addresses_only(
    tenant: TenantClient, smtp: SmtpTestServer, connection: AsyncConnection
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer, issue=True)
    await verify_sender(connection, tenant)
    boss = new_email("Boss")
    response = await tenant.post(
        f"{INVOICES}/{invoice['id']}/send", json={"to": [boss], "message": "As discussed."}
    )
    assert response.status_code == 202, response.text
    assert response.json()["recipients"] == [boss.lower()]
    [mail] = await smtp.wait_for_async(addressed_to(boss.lower()), timeout=15)
    assert invoice["number"] in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and "As discussed." in body.get_content()
    assert not [m for m in smtp.messages if addressed_to(customer["email"])(m)]
    assert (await get_invoice(tenant, invoice["id"]))["sent_to"] == [boss.lower()]


async def test_send_refusals(
    tenant: TenantClient, smtp: SmtpTestServer, connection: AsyncConnection
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    issued = await create_invoice(tenant, customer, issue=True)
    draft = await create_invoice(tenant, customer)
    unverified = await tenant.post(f"{INVOICES}/{issued['id']}/send", json={})
    assert "Verify" in assert_problem(unverified, 403, "forbidden")["detail"]

    await verify_sender(connection, tenant)
    assert_problem(await tenant.post(f"{INVOICES}/{draft['id']}/send", json={}), 409, "conflict")
    silent = await add_customer(tenant, "No Mail Traders", email=None)
    no_address = await create_invoice(tenant, silent, issue=True)
    response = await tenant.post(f"{INVOICES}/{no_address['id']}/send", json={})
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["to"]
    response = await tenant.post(f"{INVOICES}/{issued['id']}/send", json={"to": ["not-an-email"]})
    assert_problem(response, 422, "validation-error")
    response = await tenant.post(
        f"{INVOICES}/{issued['id']}/void", json={"reason": "Wrong customer"}
    )
    assert response.status_code == 200, response.text
    assert_problem(await tenant.post(f"{INVOICES}/{issued['id']}/send", json={}), 409, "conflict")
    assert not [m for m in smtp.messages if addressed_to(customer["email"])(m)]
    assert (await get_invoice(tenant, issued["id"]))["sent_at"] is None


async def verify_through_email(
    http: httpx.AsyncClient, smtp: SmtpTestServer, settings: Settings, owner: TenantClient
) -> None:
    """The real flow: the verification email's link, then POST /auth/verify-email."""
    [message] = await smtp.wait_for_async(
        lambda m: m["To"] == owner.email and "Verify" in str(m["Subject"]), timeout=30
    )
    link = extract_url(message, f"{settings.FRONTEND_URL}/verify-email?token=")
    token = link.split("token=", 1)[1]
    response = await http.post(f"{API}/auth/verify-email", json={"token": token})
    assert response.status_code == 200, response.text
    assert response.json()["email_verified"] is True


async def job_attempts(engine: AsyncEngine, job_id: int) -> int | None:
    async with engine.connect() as conn:
        row = await conn.execute(
            text("SELECT attempts FROM procrastinate_jobs WHERE id = :id"), {"id": job_id}
        )
        value = row.scalar_one_or_none()
        await conn.rollback()
    return None if value is None else int(value)


@pytest.mark.slow
async def test_send_is_retried_through_an_smtp_outage_and_delivered_once(
    live_client: httpx.AsyncClient,
    smtp: SmtpTestServer,
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    owner = await register_tenant(live_client)
    await verify_through_email(live_client, smtp, settings, owner)
    await add_company(owner)
    recipient = new_email("outage")
    customer = await add_customer(owner, email=recipient)
    invoice = await create_invoice(owner, customer, issue=True)

    smtp.stop()
    try:
        response = await owner.post(f"{INVOICES}/{invoice['id']}/send", json={})
        assert response.status_code == 202, response.text
        job_id = response.json()["job_id"]
        await asyncio.sleep(1)
        # The worker has tried (and failed) at least once while the server was down.
        deadline = time.monotonic() + 15
        while (await job_attempts(engine, job_id) or 0) < 1:
            assert time.monotonic() < deadline, "the worker never attempted the send"
            await asyncio.sleep(0.2)
    finally:
        smtp.start()

    matches = addressed_to(recipient)
    [mail] = await smtp.wait_for_async(matches, timeout=30)
    assert invoice["number"] in mail["Subject"]
    await asyncio.sleep(4)  # a duplicate delivery would show up here
    assert len([m for m in smtp.messages if matches(m)]) == 1
    after = await get_invoice(owner, invoice["id"])
    assert after["sent_to"] == [recipient]
    assert after["sent_at"] is not None


# -- tenancy and roles ----------------------------------------------------------------------


async def test_other_tenants_invoice_is_not_found(
    tenant: TenantClient, other_tenant: TenantClient, connection: AsyncConnection
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer, issue=True)
    draft = await create_invoice(tenant, customer)
    await add_company(other_tenant)
    await verify_sender(connection, other_tenant)

    for target in (invoice, draft):
        url = f"{INVOICES}/{target['id']}"
        for response in (
            await other_tenant.get(url),
            await other_tenant.put(url, json={"notes": "mine now"}),
            await other_tenant.delete(url),
            await other_tenant.post(f"{url}/issue"),
            await other_tenant.post(f"{url}/void", json={"reason": "Not yours"}),
            await other_tenant.post(f"{url}/send", json={"to": [new_email("thief")]}),
            await other_tenant.get(f"{url}/pdf"),
        ):
            assert_problem(response, 404, "not-found")
    assert (await other_tenant.get(INVOICES)).json()["total"] == 0
    assert (await other_tenant.get(INVOICES, params={"search": invoice["number"]})).json()[
        "items"
    ] == []

    # Nothing changed for the owner.
    assert (await get_invoice(tenant, invoice["id"]))["status"] == "issued"
    mine = await get_invoice(tenant, draft["id"])
    assert (mine["status"], mine["notes"], mine["version"]) == ("draft", None, 1)


async def test_references_to_another_tenants_records_are_refused(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    foreign_company = await add_company(other_tenant)
    foreign_customer = await add_customer(other_tenant)

    response = await tenant.post(
        INVOICES, json={"customer_id": foreign_customer["id"], "lines": [line()]}
    )
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["customer_id"]
    response = await tenant.post(
        INVOICES,
        json={
            "customer_id": customer["id"],
            "company_id": foreign_company["id"],
            "lines": [line()],
        },
    )
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["company_id"]
    draft = await create_invoice(tenant, customer)
    response = await tenant.put(
        f"{INVOICES}/{draft['id']}", json={"customer_id": foreign_customer["id"]}
    )
    assert field_errors(assert_problem(response, 422, "validation-error")) == ["customer_id"]
    response = await tenant.get(SERIES, params={"company_id": foreign_company["id"]})
    assert response.json()["total"] == 0
    assert (await tenant.get(INVOICES)).json()["total"] == 1


async def test_viewer_reads_but_cannot_write(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    await add_company(tenant)
    customer = await add_customer(tenant)
    invoice = await create_invoice(tenant, customer, issue=True)
    draft = await create_invoice(tenant, customer)
    viewer = await add_member(connection, settings, tenant, "viewer")

    listed = await viewer.get(INVOICES)
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 2
    assert (await viewer.get(f"{INVOICES}/{invoice['id']}")).status_code == 200
    assert (await viewer.get(f"{INVOICES}/{invoice['id']}/pdf")).status_code == 200
    for response in (
        await viewer.post(INVOICES, json={"customer_id": customer["id"], "lines": [line()]}),
        await viewer.put(f"{INVOICES}/{draft['id']}", json={"notes": "x"}),
        await viewer.delete(f"{INVOICES}/{draft['id']}"),
        await viewer.post(f"{INVOICES}/{draft['id']}/issue"),
        await viewer.post(f"{INVOICES}/{invoice['id']}/void", json={"reason": "Viewer"}),
        await viewer.post(f"{INVOICES}/{invoice['id']}/send", json={}),
        await viewer.put(GST_SETTINGS, json={"hsn_digits_required": 6}),
        await viewer.post(COMPANIES, json={"legal_name": "Viewer Co", "gstin": KA}),
    ):
        assert_problem(response, 403, "forbidden")
    assert (await tenant.get(INVOICES)).json()["total"] == 2
    assert (await get_invoice(tenant, draft["id"]))["status"] == "draft"
