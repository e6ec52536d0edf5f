"""Invoice PDF rendering (app.services.pdf): real WeasyPrint output read back with pypdf.

No database and no network: documents are built in memory here.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import re
import socket
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from app.services.pdf import (
    Party,
    PdfDocument,
    PdfLine,
    PdfTaxRow,
    format_inr,
    render_html,
    render_pdf,
    render_pdf_async,
    safe_url_fetcher,
    upi_payment_uri,
)

CENT = Decimal("0.01")
SUPPLIER_GSTIN = "27AAPFU0939F1ZV"
BUYER_GSTIN = "29AABCR1718E1ZL"
NUMBER = "INV/25-26/0042"
WORDS = "Rupees One Lakh Eighteen Thousand Only"
# A 1x1 transparent PNG.
PNG_DATA_URI = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

SUPPLIER = Party(
    name="Umbrella Office Supplies",
    legal_name="Umbrella Office Supplies LLP",
    gstin=SUPPLIER_GSTIN,
    pan="AAPFU0939F",
    address_lines=("Unit 4, Kamala Mills Compound", "Lower Parel, Mumbai 400013"),
    state_code="27",
    state_name="Maharashtra",
    email="accounts@umbrella.example",
    phone="+91 22 4000 1234",
)
BUYER = Party(
    name="Rao Traders",
    legal_name="Rao Traders Private Limited",
    gstin=BUYER_GSTIN,
    pan=None,
    address_lines=("12, 2nd Cross, Indiranagar", "Bengaluru 560038"),
    state_code="29",
    state_name="Karnataka",
    email=None,
    phone=None,
)
# (description, HSN/SAC, quantity, unit, unit price, discount)
ITEMS: list[tuple[str, str, str, str, str, str]] = [
    ("Laptop stand, aluminium, adjustable", "8473", "10", "NOS", "2500", "0"),
    ("Annual maintenance contract: on-site support", "998713", "1", "OTH", "50000", "5000"),
    ("Wireless keyboard and mouse combo", "8471", "20", "NOS", "1500", "0"),
]
INTER_STATE = "inter_state"


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def make_document(
    supply_type: str = INTER_STATE,
    items: list[tuple[str, str, str, str, str, str]] | None = None,
    *,
    ut: bool = False,
    cess_rate: Decimal = Decimal(0),
    **overrides: Any,
) -> PdfDocument:
    """A consistent document: every amount is computed from the items at 18% GST."""
    rate = Decimal(18)
    lines: list[PdfLine] = []
    summary: dict[str, dict[str, Decimal]] = {}
    heads = ("cgst", "sgst", "utgst", "igst", "cess")
    for position, (description, hsn, qty, uqc, price, discount) in enumerate(
        items if items is not None else ITEMS, start=1
    ):
        quantity, unit_price, discount_amount = Decimal(qty), Decimal(price), Decimal(discount)
        taxable = _money(quantity * unit_price - discount_amount)
        tax = dict.fromkeys(heads, Decimal(0))
        if supply_type == "intra_state":
            half = _money(taxable * rate / 200)
            tax["cgst"] = half
            tax["utgst" if ut else "sgst"] = half
        else:
            tax["igst"] = _money(taxable * rate / 100)
        tax["cess"] = _money(taxable * cess_rate / 100)
        lines.append(
            PdfLine(
                position=position,
                description=description,
                hsn_sac=hsn,
                quantity=quantity,
                uqc=uqc,
                unit_price=unit_price,
                discount_amount=discount_amount,
                taxable_value=taxable,
                gst_rate=rate,
                cgst_amount=tax["cgst"],
                sgst_amount=tax["sgst"],
                utgst_amount=tax["utgst"],
                igst_amount=tax["igst"],
                cess_amount=tax["cess"],
                line_total=taxable + sum(tax.values()),
            )
        )
        row = summary.setdefault(hsn, dict.fromkeys(("taxable", *heads), Decimal(0)))
        row["taxable"] += taxable
        for head in heads:
            row[head] += tax[head]
    totals = {
        head: sum((getattr(li, f"{head}_amount") for li in lines), Decimal(0)) for head in heads
    }
    taxable_total = sum((li.taxable_value for li in lines), Decimal(0))
    exact = taxable_total + sum(totals.values())
    grand_total = exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    fields: dict[str, Any] = {
        "title": "Tax Invoice",
        "copy_label": "Original for Recipient",
        "number": NUMBER,
        "date": date(2025, 6, 1),
        "due_date": date(2025, 6, 16),
        "supplier": SUPPLIER,
        "buyer": BUYER,
        "place_of_supply": "29 - Karnataka",
        "supply_type": supply_type,
        "reverse_charge": False,
        "lines": tuple(lines),
        "tax_summary": tuple(
            PdfTaxRow(
                hsn_sac=hsn,
                taxable_value=row["taxable"],
                gst_rate=rate,
                cgst_amount=row["cgst"],
                sgst_amount=row["sgst"],
                utgst_amount=row["utgst"],
                igst_amount=row["igst"],
                cess_amount=row["cess"],
            )
            for hsn, row in summary.items()
        ),
        "subtotal": sum((li.quantity * li.unit_price for li in lines), Decimal(0)),
        "discount_total": sum((li.discount_amount for li in lines), Decimal(0)),
        "taxable_total": taxable_total,
        **{f"{head}_total": totals[head] for head in heads},
        "round_off": grand_total - exact,
        "grand_total": grand_total,
        "amount_due": grand_total,
        "amount_in_words": WORDS,
        "endorsement": None,
        "notes": "Thank you for your business.",
        "terms": "Payment within 15 days.\nInterest at 18% p.a. on overdue amounts.",
        "bank": {
            "Bank": "HDFC Bank",
            "Account name": "Umbrella Office Supplies LLP",
            "Account no.": "50200012345678",
            "IFSC": "HDFC0000123",
            "Branch": "Lower Parel",
        },
        "upi_vpa": None,
    }
    fields.update(overrides)
    return PdfDocument(**fields)


def pdf_pages(data: bytes) -> list[str]:
    """Text of each page, whitespace collapsed (pypdf breaks lines where the layout does)."""
    reader = PdfReader(io.BytesIO(data))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def pdf_text(data: bytes) -> str:
    return " ".join(pdf_pages(data))


def pdf_image_count(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(scope="module")
def inter_state_pdf() -> bytes:
    return render_pdf(make_document())


# --------------------------------------------------------------------------- format_inr


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal(0), "0.00"),
        (Decimal("1234.5"), "1,234.50"),
        (Decimal(118000), "1,18,000.00"),
        (Decimal("12345678.9"), "1,23,45,678.90"),
        (Decimal(-500), "-500.00"),
        (Decimal("999.999"), "1,000.00"),
        (Decimal("0.005"), "0.01"),
        (Decimal("-0.001"), "0.00"),
        (Decimal("-1234567.891"), "-12,34,567.89"),
        (Decimal("100000"), "1,00,000.00"),
        (Decimal("1000000000"), "1,00,00,00,000.00"),
        (7, "7.00"),
    ],
)
def test_format_inr(amount: Decimal, expected: str) -> None:
    assert format_inr(amount) == expected


def test_format_inr_rejects_nan() -> None:
    with pytest.raises(ValueError):
        format_inr(Decimal("NaN"))


# --------------------------------------------------------------------------- the PDF


def test_inter_state_invoice_pdf(inter_state_pdf: bytes) -> None:
    assert inter_state_pdf.startswith(b"%PDF")
    text = pdf_text(inter_state_pdf)
    for expected in (
        NUMBER,
        SUPPLIER_GSTIN,
        BUYER_GSTIN,
        "1,18,000.00",
        WORDS,
        "Tax Invoice",
        "Original for Recipient",
        "IGST",
        "HSN/SAC",
        "Reverse charge No",
        "29 - Karnataka",
        "Authorised Signatory",
        "For Umbrella Office Supplies",
        "HDFC0000123",
        "Page 1 of 1",
    ):
        assert expected in text, expected
    assert "CGST" not in text
    assert "SGST" not in text
    assert "DRAFT" not in text
    assert "1,05,000.00" in text  # subtotal
    assert "18,000.00" in text  # IGST total
    assert "Scan to pay" not in text
    assert pdf_image_count(inter_state_pdf) == 0


def test_intra_state_invoice_shows_cgst_and_sgst() -> None:
    text = pdf_text(render_pdf(make_document("intra_state", place_of_supply="27 - Maharashtra")))
    assert "CGST" in text
    assert "SGST" in text
    assert "IGST" not in text
    assert "UTGST" not in text
    assert "9,000.00" in text  # each half of 18,000
    assert "1,18,000.00" in text


def test_union_territory_invoice_shows_utgst() -> None:
    doc = make_document("intra_state", ut=True, place_of_supply="04 - Chandigarh")
    text = pdf_text(render_pdf(doc))
    assert "CGST" in text
    assert "UTGST" in text
    assert "SGST" not in text.replace("UTGST", "")
    assert "IGST" not in text


def test_cess_column_only_when_charged(inter_state_pdf: bytes) -> None:
    assert "Cess" not in pdf_text(inter_state_pdf)
    with_cess = pdf_text(render_pdf(make_document(cess_rate=Decimal(12))))
    assert "Cess" in with_cess
    assert "12,000.00" in with_cess  # 12% of 1,00,000


def test_long_invoice_breaks_pages_and_repeats_table_header() -> None:
    items = [
        (f"Catalogue item number {n:03d}", "8471", "2", "NOS", "500", "0") for n in range(1, 121)
    ]
    data = render_pdf(make_document(items=items))
    pages = pdf_pages(data)
    assert len(pages) >= 3
    line_pages = [page for page in pages if "Catalogue item number" in page]
    assert len(line_pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        # The header row repeats on every page holding line items; here the last rows share
        # the final page with the totals, so every page shows it.
        assert "HSN/SAC" in page, f"no table header on page {number}"
        if page in line_pages:
            assert "Taxable value" in page
    text = " ".join(pages)
    for n in (1, 60, 120):  # nothing lost across page breaks
        assert f"Catalogue item number {n:03d}" in text
    assert "1,41,600.00" in text  # 120 x 1,000 + 18%


def test_draft_shows_draft() -> None:
    data = render_pdf(make_document(number=None))
    assert "DRAFT" in pdf_text(data)
    assert "DRAFT" in render_html(make_document(number=None))


def test_upi_qr_only_with_vpa_and_amount_due(inter_state_pdf: bytes) -> None:
    doc = make_document(upi_vpa="umbrella@hdfcbank")
    html = render_html(doc)
    assert "data:image/png;base64," in html
    data = render_pdf(doc)
    assert pdf_image_count(data) == 1
    assert "Scan to pay" in pdf_text(data)

    assert "data:image" not in render_html(make_document())
    assert pdf_image_count(inter_state_pdf) == 0
    paid = make_document(upi_vpa="umbrella@hdfcbank", amount_due=Decimal(0))
    assert "data:image" not in render_html(paid)
    assert upi_payment_uri(paid) is None


def test_upi_payment_uri_is_encoded() -> None:
    doc = make_document(upi_vpa=" umbrella@hdfcbank ", amount_due=Decimal("1234.5"))
    assert upi_payment_uri(doc) == (
        "upi://pay?pa=umbrella@hdfcbank&pn=Umbrella%20Office%20Supplies&am=1234.50&cu=INR"
        "&tn=INV%2F25-26%2F0042"
    )
    draft = replace(doc, number=None)
    assert upi_payment_uri(draft) == (
        "upi://pay?pa=umbrella@hdfcbank&pn=Umbrella%20Office%20Supplies&am=1234.50&cu=INR"
    )


def test_html_escapes_user_input() -> None:
    hostile = "<script>alert(1)</script>"
    doc = make_document(
        buyer=replace(BUYER, name=hostile, address_lines=('"><img src=x>',)),
        notes="</style><b>bold</b>",
        accent_colour="red;} body{display:none",
    )
    html = render_html(doc)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert hostile not in html
    assert "<img src=x>" not in html
    assert "<b>bold</b>" not in html
    assert "display:none" not in html
    assert "#1f4e79" in html  # an invalid accent colour falls back to the default
    assert hostile in pdf_text(render_pdf(doc))  # printed literally, not interpreted


def test_remote_logo_is_never_fetched(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access while rendering a PDF")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    url = "https://logo.example.com/logo.png"
    doc = make_document(logo_url=url)
    assert url not in render_html(doc)
    data = render_pdf(doc)
    assert data.startswith(b"%PDF")
    assert pdf_image_count(data) == 0

    # An inline SVG logo that points elsewhere still reaches WeasyPrint's fetcher: refused.
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="10" height="10"><image href="{url}" width="10" height="10"/>'
        '<image xlink:href="file:///etc/hostname" width="10" height="10"/></svg>'
    )
    svg_logo = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        assert render_pdf(make_document(logo_url=svg_logo)).startswith(b"%PDF")
    assert f"disallowed protocol: {url}" in caplog.text
    assert "disallowed protocol: file:///etc/hostname" in caplog.text


def test_data_uri_logo_is_rendered() -> None:
    data = render_pdf(make_document(logo_url=PNG_DATA_URI))
    assert pdf_image_count(data) == 1


@pytest.mark.parametrize(
    "url", ["https://example.com/a.png", "http://127.0.0.1/x", "file:///etc/passwd"]
)
def test_url_fetcher_refuses_everything_but_data_uris(url: str) -> None:
    fetcher = safe_url_fetcher()
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch(url)
    assert fetcher.fetch(PNG_DATA_URI).read().startswith(b"\x89PNG")


def test_credit_note() -> None:
    doc = make_document(
        title="Credit Note",
        number="CN/25-26/0003",
        due_date=None,
        reference="Against invoice INV/25-26/0007 dated 01-06-2025",
        reason="Goods returned: damaged in transit",
        upi_vpa="umbrella@hdfcbank",
    )
    text = pdf_text(render_pdf(doc))
    assert "Credit Note" in text
    assert "CN/25-26/0003" in text
    assert "Against invoice INV/25-26/0007 dated 01-06-2025" in text
    assert "Goods returned: damaged in transit" in text
    assert "Amount due" not in text
    assert "Scan to pay" not in text  # nothing to pay on a credit note


def test_export_endorsement_and_unregistered_buyer() -> None:
    buyer = replace(BUYER, gstin=None, state_code="96", state_name="Other Country")
    endorsement = "Supply meant for export under LUT without payment of IGST"
    doc = make_document("export", buyer=buyer, endorsement=endorsement)
    text = pdf_text(render_pdf(doc))
    assert endorsement in text
    assert "Unregistered" in text
    assert "Export" in text


def test_bill_of_supply_has_no_tax_columns() -> None:
    base = make_document("intra_state")
    zero = Decimal(0)
    lines = tuple(
        replace(li, gst_rate=zero, cgst_amount=zero, sgst_amount=zero, line_total=li.taxable_value)
        for li in base.lines
    )
    doc = replace(
        base,
        title="Bill of Supply",
        lines=lines,
        tax_summary=(),
        cgst_total=zero,
        sgst_total=zero,
        grand_total=base.taxable_total,
        amount_due=base.taxable_total,
    )
    text = pdf_text(render_pdf(doc))
    assert "Bill of Supply" in text
    assert "CGST" not in text and "SGST" not in text and "IGST" not in text


def test_unknown_supply_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="supply_type"):
        make_document("interstate")


def test_render_pdf_async() -> None:
    data = asyncio.run(render_pdf_async(make_document()))
    assert data.startswith(b"%PDF")
    assert NUMBER in pdf_text(data)
