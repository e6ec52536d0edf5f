"""Invoice PDFs: built from the frozen invoice, rendered once per version, then cached.

The ETag names the invoice version, so a client holding it gets a 304 without the
server even reading the cache; a changed draft (version bumped) renders afresh.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import Principal, RequestInfo
from app.crud.invoice import InvoiceRepository
from app.models import CreditNote, DocumentRender, Invoice
from app.models.enums import InvoiceKind
from app.services.pdf import (
    DEFAULT_ACCENT_COLOUR,
    Party,
    PdfDocument,
    PdfLine,
    PdfTaxRow,
    render_pdf_async,
)
from app.utils import gst
from app.utils.http import etag_matches

SUMMED = ("taxable_value", "cgst_amount", "sgst_amount", "utgst_amount", "igst_amount")


@dataclass(frozen=True)
class RenderedPdf:
    etag: str
    filename: str
    content: bytes | None  # None: the client's copy (If-None-Match) is current


def etag_for(
    document: Invoice | CreditNote, document_type: str = "invoice", *, branded: bool = True
) -> str:
    """Names the content: the document's version and whether the tenant's logo is on it."""
    plain = "" if branded else "-plain"
    return f'"{document_type}-{document.id}-v{document.version}{plain}"'


def _party(data: dict[str, Any]) -> Party:
    state = str(data.get("state_code") or "")
    return Party(
        name=str(data.get("name") or ""),
        legal_name=data.get("legal_name"),
        gstin=data.get("gstin"),
        pan=data.get("pan"),
        address_lines=tuple(data.get("address_lines") or ()),
        state_code=state,
        state_name=gst.state_name(state) if gst.is_valid_state_code(state) else "",
        email=data.get("email"),
        phone=data.get("phone"),
    )


def _hsn_summary(invoice: Invoice) -> tuple[PdfTaxRow, ...]:
    groups: dict[tuple[str, Decimal], dict[str, Decimal]] = {}
    for line in invoice.lines:
        key = (line.hsn_sac or "", line.gst_rate)
        row = groups.setdefault(key, {name: Decimal("0") for name in (*SUMMED, "cess_amount")})
        for name in row:
            row[name] += getattr(line, name)
    return tuple(
        PdfTaxRow(hsn_sac=hsn or None, gst_rate=rate, **sums)
        for (hsn, rate), sums in sorted(groups.items())
    )


def _bank(supplier: dict[str, Any]) -> dict[str, str] | None:
    details = {k: v for k, v in (supplier.get("bank") or {}).items() if v}
    return details or None


def _place(code: str) -> str:
    return f"{code} - {gst.state_name(code)}" if gst.is_valid_state_code(code) else code


def pdf_document(invoice: Invoice, *, branded: bool = True) -> PdfDocument:
    """Everything printed, from the invoice and its frozen parties."""
    snapshot = invoice.billing_snapshot or {}
    supplier = snapshot.get("supplier", {})
    return PdfDocument(
        title="Bill of Supply" if invoice.kind == InvoiceKind.BILL_OF_SUPPLY else "Tax Invoice",
        copy_label="Original for Recipient",
        number=invoice.number,
        date=invoice.invoice_date,
        due_date=invoice.due_date,
        supplier=_party(supplier),
        buyer=_party(snapshot.get("buyer", {})),
        place_of_supply=_place(invoice.place_of_supply),
        supply_type=invoice.supply_type,
        reverse_charge=invoice.is_reverse_charge,
        lines=tuple(pdf_lines(invoice.lines)),
        tax_summary=_hsn_summary(invoice),
        subtotal=invoice.subtotal,
        discount_total=invoice.discount_total,
        taxable_total=invoice.taxable_total,
        cgst_total=invoice.cgst_total,
        sgst_total=invoice.sgst_total,
        utgst_total=invoice.utgst_total,
        igst_total=invoice.igst_total,
        cess_total=invoice.cess_total,
        round_off=invoice.round_off,
        grand_total=invoice.grand_total,
        amount_due=invoice.amount_due,
        amount_in_words=invoice.amount_in_words or "",
        endorsement=snapshot.get("endorsement"),
        notes=invoice.notes,
        terms=invoice.terms or supplier.get("terms"),
        bank=_bank(supplier),
        upi_vpa=supplier.get("upi_vpa"),
        logo_url=supplier.get("logo_url") if branded else None,
        accent_colour=(branded and supplier.get("accent_colour")) or DEFAULT_ACCENT_COLOUR,
    )


def pdf_lines(lines: Iterable[Any]) -> Iterable[PdfLine]:
    """Invoice or credit-note lines as printed (credit-note lines carry no discount)."""
    for line in lines:
        yield PdfLine(
            position=line.position,
            description=line.description,
            hsn_sac=line.hsn_sac,
            quantity=line.quantity,
            uqc=line.uqc,
            unit_price=line.unit_price,
            discount_amount=getattr(line, "discount_amount", Decimal("0")),
            taxable_value=line.taxable_value,
            gst_rate=line.gst_rate,
            cgst_amount=line.cgst_amount,
            sgst_amount=line.sgst_amount,
            utgst_amount=line.utgst_amount,
            igst_amount=line.igst_amount,
            cess_amount=line.cess_amount,
            line_total=line.line_total,
        )


def filename_for(document: Invoice | CreditNote) -> str:
    label = (document.number or f"draft-{str(document.id)[:8]}").replace("/", "-")
    return f"{label}.pdf"


async def cached_pdf(
    session: AsyncSession,
    document: Invoice | CreditNote,
    document_type: str,
    build: Callable[[], PdfDocument],
    *,
    branded: bool = True,
) -> bytes:
    """The PDF of this version of ``document``: from the cache, else rendered and stored."""
    cached = await session.execute(
        select(DocumentRender.content).where(
            DocumentRender.tenant_id == document.tenant_id,
            DocumentRender.document_type == document_type,
            DocumentRender.document_id == document.id,
            DocumentRender.etag == etag_for(document, document_type, branded=branded),
        )
    )
    content = cached.scalar_one_or_none()
    if content is not None:
        return bytes(content)
    content = await render_pdf_async(build())
    etag = etag_for(document, document_type, branded=branded)
    await session.execute(
        insert(DocumentRender)
        .values(
            tenant_id=document.tenant_id,
            id=uuid.uuid4(),
            document_type=document_type,
            document_id=document.id,
            version=document.version,
            etag=etag,
            content=content,
        )
        .on_conflict_do_update(
            constraint="uq_document_renders_document",
            set_={"version": document.version, "etag": etag, "content": content},
        )
    )
    return content


async def invoice_pdf_bytes(
    session: AsyncSession, invoice: Invoice, *, branded: bool = True
) -> bytes:
    """The invoice's PDF (its lines loaded); the tenant's logo only on paid plans."""
    return await cached_pdf(
        session,
        invoice,
        "invoice",
        lambda: pdf_document(invoice, branded=branded),
        branded=branded,
    )


class InvoicePdfService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.invoices = InvoiceRepository(session)
        self.branded = principal.plan is None or principal.plan.paid_features

    async def pdf(self, invoice_id: uuid.UUID, if_none_match: str | None) -> RenderedPdf:
        invoice = await self.invoices.get_or_404(invoice_id)
        etag = etag_for(invoice, branded=self.branded)
        if etag_matches(if_none_match, etag):
            return RenderedPdf(etag, filename_for(invoice), None)
        invoice = await self.invoices.get_with_lines(invoice_id)
        content = await invoice_pdf_bytes(self.session, invoice, branded=self.branded)
        return RenderedPdf(etag, filename_for(invoice), content)
