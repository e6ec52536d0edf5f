"""Tax invoice and credit note PDFs: one Jinja2 HTML template laid out on A4 by WeasyPrint.

``render_html`` fills ``templates/pdf/invoice.html`` (autoescaped, ``StrictUndefined``) and
``render_pdf`` turns it into PDF bytes. WeasyPrint is CPU-bound and synchronous, so async code
must call ``render_pdf_async``, which runs it in the renderer process (pdf_renderer.py).

Nothing is ever fetched from the network or the file system while rendering: the only
external resources allowed are ``data:`` URIs (the tenant logo, the UPI QR code), and the
URL fetcher handed to WeasyPrint refuses every other scheme.
"""

from __future__ import annotations

import datetime
import re
import threading
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.services.pdf_renderer import html_to_pdf_in_renderer

__all__ = [
    "DEFAULT_ACCENT_COLOUR",
    "SUPPLY_TYPES",
    "TEMPLATE_DIR",
    "Party",
    "PdfDocument",
    "PdfLine",
    "PdfTaxRow",
    "format_inr",
    "render_html",
    "render_pdf",
    "render_pdf_async",
    "render_template_pdf_async",
    "safe_url_fetcher",
    "upi_payment_uri",
]

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates" / "pdf"

DEFAULT_ACCENT_COLOUR: Final = "#1f4e79"
SUPPLY_TYPES: Final = frozenset({"intra_state", "inter_state", "export", "sez"})
_SUPPLY_TYPE_LABELS: Final = {
    "intra_state": "Intra-state",
    "inter_state": "Inter-state",
    "export": "Export",
    "sez": "Supply to SEZ",
}

_CENT = Decimal("0.01")
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
# Raster or vector images inlined as data: URIs are the only logos rendered.
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|jpg|gif|webp|svg\+xml)[;,]", re.IGNORECASE)


# --------------------------------------------------------------------------- document model


@dataclass(frozen=True)
class Party:
    """The supplier or the buyer as printed on the document."""

    name: str
    legal_name: str | None
    gstin: str | None
    pan: str | None
    address_lines: tuple[str, ...]
    state_code: str
    state_name: str
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class PdfLine:
    """One line item; every amount is already computed (the template does no arithmetic)."""

    position: int
    description: str
    hsn_sac: str | None
    quantity: Decimal
    uqc: str
    unit_price: Decimal
    discount_amount: Decimal
    taxable_value: Decimal
    gst_rate: Decimal
    cgst_amount: Decimal
    sgst_amount: Decimal
    utgst_amount: Decimal
    igst_amount: Decimal
    cess_amount: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class PdfTaxRow:
    """One row of the HSN/SAC-wise tax summary."""

    hsn_sac: str | None
    taxable_value: Decimal
    gst_rate: Decimal
    cgst_amount: Decimal
    sgst_amount: Decimal
    utgst_amount: Decimal
    igst_amount: Decimal
    cess_amount: Decimal


@dataclass(frozen=True)
class PdfDocument:
    """Everything printed on a tax invoice, bill of supply or credit note."""

    title: str  # "Tax Invoice", "Bill of Supply" or "Credit Note"
    copy_label: str  # "Original for Recipient"
    number: str | None  # None for a draft: printed as DRAFT, with a watermark
    date: datetime.date
    due_date: datetime.date | None
    supplier: Party
    buyer: Party
    place_of_supply: str  # "29 - Karnataka"
    supply_type: str  # one of SUPPLY_TYPES
    reverse_charge: bool
    lines: tuple[PdfLine, ...]
    tax_summary: tuple[PdfTaxRow, ...]
    subtotal: Decimal
    discount_total: Decimal
    taxable_total: Decimal
    cgst_total: Decimal
    sgst_total: Decimal
    utgst_total: Decimal
    igst_total: Decimal
    cess_total: Decimal
    round_off: Decimal
    grand_total: Decimal
    amount_due: Decimal
    amount_in_words: str
    endorsement: str | None  # e.g. LUT or reverse-charge declaration
    notes: str | None
    terms: str | None
    bank: dict[str, str] | None  # label -> value, printed in insertion order
    upi_vpa: str | None
    reference: str | None = None  # credit note: "Against invoice INV/25-26/0007 dated ..."
    reason: str | None = None  # credit note reason
    logo_url: str | None = None  # only data:image/... URIs are rendered
    accent_colour: str = DEFAULT_ACCENT_COLOUR

    def __post_init__(self) -> None:
        if self.supply_type not in SUPPLY_TYPES:
            raise ValueError(
                f"supply_type must be one of {sorted(SUPPLY_TYPES)}, got {self.supply_type!r}"
            )

    @property
    def is_credit_note(self) -> bool:
        return self.title.strip().casefold() == "credit note"

    @property
    def is_bill_of_supply(self) -> bool:
        return self.title.strip().casefold() == "bill of supply"


# --------------------------------------------------------------------------- number formatting


def _group_indian(digits: str) -> str:
    """Group an unsigned integer string the Indian way: last three digits, then pairs."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.append(head[-2:])
        head = head[:-2]
    if head:
        groups.append(head)
    return ",".join([*reversed(groups), tail])


def _to_decimal(amount: Decimal | int) -> Decimal:
    value = amount if isinstance(amount, Decimal) else Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"cannot format {amount!r} as an amount")
    return value


def _format_fixed(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""  # -0.00 compares equal to 0: no "-0.00"
    whole, _, fraction = f"{abs(rounded):.{places}f}".partition(".")
    grouped = _group_indian(whole)
    return f"{sign}{grouped}.{fraction}" if fraction else f"{sign}{grouped}"


def format_inr(amount: Decimal | int) -> str:
    """Format rupees with Indian digit grouping and 2 decimals: ``1,18,000.00``, ``-500.00``.

    Rounds half up to the paisa; no currency symbol (the template adds ``₹`` where needed).
    """
    return _format_fixed(_to_decimal(amount), 2)


def _format_price(amount: Decimal | int) -> str:
    """A unit price: 2 decimals, or up to 4 when the price really has sub-paisa precision."""
    value = _to_decimal(amount)
    if value == value.quantize(_CENT):
        return _format_fixed(value, 2)
    return _format_fixed(value, 4).rstrip("0")


def _format_quantity(quantity: Decimal | int) -> str:
    """A quantity without trailing zeros: ``2``, ``2.5``, ``1,250``, ``0.125``."""
    value = _to_decimal(quantity)
    whole, _, fraction = f"{abs(value):f}".partition(".")
    fraction = fraction.rstrip("0")
    sign = "-" if value < 0 else ""
    grouped = _group_indian(whole)
    return f"{sign}{grouped}.{fraction}" if fraction else f"{sign}{grouped}"


def _format_rate(rate: Decimal | int) -> str:
    """A tax rate in percent without trailing zeros: ``18%``, ``2.5%``, ``0.25%``."""
    whole, _, fraction = f"{_to_decimal(rate):f}".partition(".")
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}%" if fraction else f"{whole}%"


def _format_date(value: datetime.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value is not None else ""


# --------------------------------------------------------------------------- layout decisions


@dataclass(frozen=True)
class _TaxHead:
    """A tax column: which attribute it reads and what share of the GST rate it carries."""

    key: str  # attribute prefix: "cgst" reads cgst_amount / cgst_total
    label: str
    rate_share: Decimal | None  # None: no rate column (cess is not a share of the GST rate)


_CGST = _TaxHead("cgst", "CGST", Decimal("0.5"))
_SGST = _TaxHead("sgst", "SGST", Decimal("0.5"))
_UTGST = _TaxHead("utgst", "UTGST", Decimal("0.5"))
_IGST = _TaxHead("igst", "IGST", Decimal(1))
_CESS = _TaxHead("cess", "Cess", None)


def _head_used(doc: PdfDocument, key: str) -> bool:
    attribute = f"{key}_amount"
    return (
        getattr(doc, f"{key}_total") != 0
        or any(getattr(line, attribute) != 0 for line in doc.lines)
        or any(getattr(row, attribute) != 0 for row in doc.tax_summary)
    )


def _tax_heads(doc: PdfDocument) -> tuple[_TaxHead, ...]:
    """The tax columns that fit the supply.

    Intra-state: CGST + SGST, or CGST + UTGST when any UTGST is charged. Inter-state, export and
    SEZ: IGST. Cess only when charged. A bill of supply charges no tax, so it shows only heads
    that carry an amount. Any head with a non-zero amount is always shown, whatever the supply
    type says, so the printed columns always add up to the printed totals.
    """
    taxed = not doc.is_bill_of_supply
    intra = taxed and doc.supply_type == "intra_state"
    inter = taxed and doc.supply_type != "intra_state"
    utgst = _head_used(doc, "utgst")
    heads: list[_TaxHead] = []
    if intra or _head_used(doc, "cgst"):
        heads.append(_CGST)
    if (intra and not utgst) or _head_used(doc, "sgst"):
        heads.append(_SGST)
    if utgst:
        heads.append(_UTGST)
    if inter or _head_used(doc, "igst"):
        heads.append(_IGST)
    if _head_used(doc, "cess"):
        heads.append(_CESS)
    return tuple(heads)


def _summary_rows(
    doc: PdfDocument, heads: tuple[_TaxHead, ...]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """HSN summary rows with per-head rate and amount, plus the column totals."""
    rows: list[dict[str, Any]] = []
    for row in doc.tax_summary:
        cells = [
            {
                "rate": None if head.rate_share is None else row.gst_rate * head.rate_share,
                "amount": getattr(row, f"{head.key}_amount"),
            }
            for head in heads
        ]
        rows.append(
            {
                "hsn_sac": row.hsn_sac,
                "taxable_value": row.taxable_value,
                "cells": cells,
                "total_tax": sum((cell["amount"] for cell in cells), Decimal(0)),
            }
        )
    totals = {
        "taxable_value": sum((row.taxable_value for row in doc.tax_summary), Decimal(0)),
        "amounts": [
            sum((getattr(row, f"{head.key}_amount") for row in doc.tax_summary), Decimal(0))
            for head in heads
        ],
        "total_tax": sum((row["total_tax"] for row in rows), Decimal(0)),
    }
    return rows, totals


# Printable width of the lines table on A4 with 12 mm margins, and what the description keeps.
_LINES_WIDTH_MM = 186.0
_DESCRIPTION_MIN_MM = 32.0
_CELL_PADDING_MM = 2.0
_CHAR_EM = 0.56  # average advance of DejaVu Sans Condensed (Bold) digits and separators
_LINES_FONT_SIZES_PT = (7.5, 7.0, 6.5, 6.0, 5.5)


def _lines_font_pt(doc: PdfDocument, heads: tuple[_TaxHead, ...], show_gst_rate: bool) -> float:
    """The largest font size at which every numeric column of the lines table fits on A4.

    Numbers never wrap, so a table with many tax columns and crore-sized amounts would be
    wider than the page; estimate each column's width from its longest text instead.
    """
    columns: list[list[str]] = [
        [str(line.position) for line in doc.lines] + ["#"],
        [line.hsn_sac or "" for line in doc.lines] + ["HSN/SAC"],
        [_format_quantity(line.quantity) for line in doc.lines] + ["Qty"],
        [line.uqc for line in doc.lines] + ["Unit"],
        [_format_price(line.unit_price) for line in doc.lines] + ["Rate"],
        [format_inr(line.discount_amount) for line in doc.lines]
        + [format_inr(doc.discount_total), "Discount"],
        [format_inr(line.taxable_value) for line in doc.lines]
        + [format_inr(doc.taxable_total), "Taxable value"],
        [format_inr(line.line_total) for line in doc.lines]
        + [format_inr(sum((line.line_total for line in doc.lines), Decimal(0))), "Amount"],
    ]
    if show_gst_rate:
        columns.append([_format_rate(line.gst_rate) for line in doc.lines] + ["GST"])
    for head in heads:
        attribute = f"{head.key}_amount"
        columns.append(
            [format_inr(getattr(line, attribute)) for line in doc.lines]
            + [format_inr(getattr(doc, f"{head.key}_total")), head.label]
        )
    longest = [max(len(text) for text in column) for column in columns]
    for size in _LINES_FONT_SIZES_PT:
        char_mm = _CHAR_EM * size * 25.4 / 72
        needed = _DESCRIPTION_MIN_MM + sum(n * char_mm + _CELL_PADDING_MM for n in longest)
        if needed <= _LINES_WIDTH_MM:
            return size
    return _LINES_FONT_SIZES_PT[-1]


def upi_payment_uri(doc: PdfDocument) -> str | None:
    """The UPI deep link encoded in the "scan to pay" QR code, or None when there is none.

    No QR for a credit note, without a VPA, or when nothing is due. Values are percent-encoded
    (``@`` is kept literal in the VPA, as UPI apps expect).
    """
    vpa = (doc.upi_vpa or "").strip()
    if not vpa or doc.is_credit_note or doc.amount_due <= 0:
        return None
    amount = doc.amount_due.quantize(_CENT, rounding=ROUND_HALF_UP)
    params = [("pa", vpa), ("pn", doc.supplier.name), ("am", f"{amount:.2f}"), ("cu", "INR")]
    if doc.number:
        params.append(("tn", doc.number))
    return "upi://pay?" + "&".join(f"{key}={quote(value, safe='@')}" for key, value in params)


def _qr_data_uri(payload: str) -> str:
    import segno

    qr = segno.make(payload, error="m", micro=False)
    data_uri: str = qr.png_data_uri(scale=8, border=2, dark="#000000", light="#ffffff")
    return data_uri


def _accent(colour: str) -> tuple[str, str]:
    """The validated accent colour (tenant input goes into CSS) and a light tint of it."""
    colour = colour.strip()
    if not _HEX_COLOUR.fullmatch(colour):
        colour = DEFAULT_ACCENT_COLOUR
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))

    def tint(channel: int) -> int:
        return round(channel + (255 - channel) * 0.9)

    return colour.lower(), f"#{tint(red):02x}{tint(green):02x}{tint(blue):02x}"


# --------------------------------------------------------------------------- rendering

_env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["inr"] = format_inr
_env.filters["price"] = _format_price
_env.filters["qty"] = _format_quantity
_env.filters["rate"] = _format_rate
_env.filters["ddmmyyyy"] = _format_date


def render_html(doc: PdfDocument) -> str:
    """The HTML that ``render_pdf`` lays out (also handy for previews and tests)."""
    heads = _tax_heads(doc)
    summary_rows, summary_totals = _summary_rows(doc, heads)
    accent, accent_tint = _accent(doc.accent_colour)
    upi_uri = upi_payment_uri(doc)
    logo = doc.logo_url.strip() if doc.logo_url else None
    kind = "Credit Note" if doc.is_credit_note else "Invoice"
    show_gst_rate = any(head.rate_share is not None for head in heads)
    context: dict[str, Any] = {
        "doc": doc,
        "heads": heads,
        "tax_totals": [(head.label, getattr(doc, f"{head.key}_total")) for head in heads],
        "show_gst_rate": show_gst_rate,
        "lines_font_pt": _lines_font_pt(doc, heads, show_gst_rate),
        "summary_rows": summary_rows,
        "summary_totals": summary_totals,
        "summary_has_rates": show_gst_rate,
        "accent": accent,
        "accent_tint": accent_tint,
        "logo_src": logo if logo and _DATA_IMAGE.match(logo) else None,
        "upi_qr": _qr_data_uri(upi_uri) if upi_uri else None,
        "is_draft": doc.number is None,
        "number_label": f"{kind} No.",
        "date_label": f"{kind} Date",
        "supply_type_label": _SUPPLY_TYPE_LABELS[doc.supply_type],
        "show_amount_due": not doc.is_credit_note,
    }
    return _env.get_template("invoice.html").render(context)


def safe_url_fetcher() -> Any:
    """A WeasyPrint URL fetcher that only resolves ``data:`` URIs (no http(s), no file:)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)


# WeasyPrint drives Pango/fontconfig through cffi; concurrent renders in several threads of
# one process have crashed in the past, so renders are serialised (the renderer process
# takes one at a time too).
_render_lock = threading.Lock()


def render_pdf(doc: PdfDocument) -> bytes:
    """Render the document to A4 PDF bytes. Synchronous and CPU-bound: from async code use
    ``render_pdf_async``."""
    return html_to_pdf(render_html(doc))


def html_to_pdf(html: str) -> bytes:
    """Lay out HTML on A4 (nothing fetched but data: URIs); synchronous and CPU-bound."""
    from weasyprint import HTML

    with _render_lock:
        pdf: bytes = HTML(string=html, url_fetcher=safe_url_fetcher()).write_pdf()
    return pdf


async def render_pdf_async(doc: PdfDocument) -> bytes:
    """``render_pdf`` in the renderer process, so the event loop is never blocked and
    WeasyPrint's caches stay out of the worker."""
    return await html_to_pdf_in_renderer(render_html(doc))


async def render_template_pdf_async(template: str, context: dict[str, Any]) -> bytes:
    """Any other document (a customer statement) from a template in ``templates/pdf``."""
    return await html_to_pdf_in_renderer(_env.get_template(template).render(context))
