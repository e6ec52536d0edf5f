"""Invoices: drafts, issue (gap-free numbering), void, PDF and email delivery."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Query, Response, status

from app.api.v1.idempotency import Idempotent
from app.api.v1.pagination import Pagination, page_out
from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.permissions import Permission
from app.schemas.common import Page
from app.schemas.invoice import (
    InvoiceCreate,
    InvoiceFilters,
    InvoiceOut,
    InvoiceSummaryOut,
    InvoiceUpdate,
    SendAccepted,
    SendRequest,
    VoidRequest,
)
from app.services.invoice import InvoiceService
from app.services.invoice_pdf import InvoicePdfService, RenderedPdf

router = ResourceRouter(prefix="/invoices", tags=["invoices"])
Reader = Annotated[InvoiceService, Depends(service_for(InvoiceService, Permission.READ))]
Writer = Annotated[InvoiceService, Depends(service_for(InvoiceService, Permission.WRITE_DOCUMENTS))]
PdfReader = Annotated[InvoicePdfService, Depends(service_for(InvoicePdfService, Permission.READ))]


@router.get("")
async def list_invoices(
    service: Reader, pagination: Pagination, filters: Annotated[InvoiceFilters, Query()]
) -> Page[InvoiceSummaryOut]:
    """Filter by status (``overdue`` is derived), customer, company, dates, due dates and
    amounts; search by number or customer name."""
    return page_out(await service.search(pagination, filters), InvoiceSummaryOut)


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[Idempotent])
async def create_invoice(body: InvoiceCreate, service: Writer) -> InvoiceOut:
    """Create a draft (priced with GST); ``issue: true`` numbers it at once."""
    return InvoiceOut.model_validate(await service.create(body))


@router.get("/{invoice_id}")
async def get_invoice(invoice_id: uuid.UUID, service: Reader) -> InvoiceOut:
    return InvoiceOut.model_validate(await service.get(invoice_id))


@router.put("/{invoice_id}")
async def update_invoice(invoice_id: uuid.UUID, body: InvoiceUpdate, service: Writer) -> InvoiceOut:
    """Drafts only: an issued invoice answers 409 (void it or raise a credit note)."""
    return InvoiceOut.model_validate(await service.update(invoice_id, body))


@router.delete("/{invoice_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_invoice(invoice_id: uuid.UUID, service: Writer) -> None:
    await service.delete(invoice_id)


@router.post("/{invoice_id}/issue", dependencies=[Idempotent])
async def issue_invoice(invoice_id: uuid.UUID, service: Writer) -> InvoiceOut:
    """Assign the next number of the company's series for the financial year; freeze it."""
    return InvoiceOut.model_validate(await service.issue(invoice_id))


@router.post("/{invoice_id}/void", dependencies=[Idempotent])
async def void_invoice(invoice_id: uuid.UUID, body: VoidRequest, service: Writer) -> InvoiceOut:
    """Cancel an issued invoice with no payments; its number stays used."""
    return InvoiceOut.model_validate(await service.void(invoice_id, body.reason))


@router.post("/{invoice_id}/send", status_code=status.HTTP_202_ACCEPTED, dependencies=[Idempotent])
async def send_invoice(invoice_id: uuid.UUID, body: SendRequest, service: Writer) -> SendAccepted:
    """Queue an email with the PDF to the customer (or ``to``); delivery is retried."""
    recipients, job_id = await service.send(invoice_id, body.to, body.message)
    return SendAccepted(invoice_id=invoice_id, recipients=recipients, job_id=job_id)


@router.get(
    "/{invoice_id}/pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The invoice as a PDF"},
        304: {"description": "Unchanged since the ETag given in If-None-Match"},
    },
)
async def invoice_pdf(
    invoice_id: uuid.UUID,
    service: PdfReader,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Rendered once per version and served again from the cache while unchanged."""
    return pdf_response(await service.pdf(invoice_id, if_none_match))


def pdf_response(pdf: RenderedPdf) -> Response:
    """The PDF with its ETag, or 304 when the client's copy is current."""
    headers = {"ETag": pdf.etag, "Cache-Control": "private, no-cache"}
    if pdf.content is None:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{pdf.filename}"'
    return Response(pdf.content, media_type="application/pdf", headers=headers)
