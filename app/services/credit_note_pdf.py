"""Credit note PDFs: the invoice template titled "Credit Note", with its reference and reason."""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import Principal, RequestInfo
from app.crud.invoice import InvoiceRepository
from app.models import CreditNote, Invoice
from app.services.credit_note import CreditNoteRepository
from app.services.invoice_pdf import (
    RenderedPdf,
    cached_pdf,
    etag_for,
    filename_for,
    pdf_document,
    pdf_lines,
)
from app.services.pdf import PdfDocument
from app.utils.http import etag_matches

REASONS = {
    "sales_return": "Sales return",
    "post_sale_discount": "Post-sale discount",
    "deficiency_in_service": "Deficiency in service",
    "correction_in_invoice": "Correction in invoice",
    "change_in_place_of_supply": "Change in place of supply",
    "other": "Other",
}


def credit_note_document(
    note: CreditNote, invoice: Invoice, *, branded: bool = True
) -> PdfDocument:
    """The original invoice's parties and context, this note's lines and totals."""
    base = pdf_document(invoice, branded=branded)
    return dataclasses.replace(
        base,
        title="Credit Note",
        number=note.number,
        date=note.credit_note_date,
        due_date=None,
        lines=tuple(pdf_lines(note.lines)),
        tax_summary=(),
        subtotal=note.subtotal,
        discount_total=note.discount_total,
        taxable_total=note.taxable_total,
        cgst_total=note.cgst_total,
        sgst_total=note.sgst_total,
        utgst_total=note.utgst_total,
        igst_total=note.igst_total,
        cess_total=note.cess_total,
        round_off=note.round_off,
        grand_total=note.grand_total,
        amount_due=note.grand_total,
        amount_in_words=note.amount_in_words or "",
        reference=f"Against invoice {invoice.number} dated "
        f"{invoice.invoice_date.strftime('%d-%m-%Y')}",
        reason=REASONS.get(note.reason, note.reason)
        + (f": {note.reason_note}" if note.reason_note else ""),
        notes=None,
        upi_vpa=None,
    )


class CreditNotePdfService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.branded = principal.plan is None or principal.plan.paid_features

    async def pdf(self, note_id: uuid.UUID, if_none_match: str | None) -> RenderedPdf:
        notes = CreditNoteRepository(self.session)
        note = await notes.get_or_404(note_id)
        etag = etag_for(note, "credit_note", branded=self.branded)
        filename = filename_for(note)
        if etag_matches(if_none_match, etag):
            return RenderedPdf(etag, filename, None)
        note = await notes.get_full(note_id)
        invoice = await InvoiceRepository(self.session).get_with_lines(note.invoice_id)
        content = await cached_pdf(
            self.session,
            note,
            "credit_note",
            lambda: credit_note_document(note, invoice, branded=self.branded),
            branded=self.branded,
        )
        return RenderedPdf(etag, filename, content)
