"""Credit notes (s.34): against one issued invoice; credit applied, then refundable."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Query, Response, status

from app.api.v1.endpoints.invoices import pdf_response
from app.api.v1.idempotency import Idempotent
from app.api.v1.pagination import Pagination, page_out
from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.permissions import Permission
from app.schemas.common import Page
from app.schemas.credit_note import (
    CreditNoteApplyRequest,
    CreditNoteCreate,
    CreditNoteFilters,
    CreditNoteOut,
)
from app.schemas.invoice import VoidRequest
from app.schemas.receipt import RefundCreate, RefundOut
from app.services.credit_note import CreditNoteService
from app.services.credit_note_pdf import CreditNotePdfService

router = ResourceRouter(prefix="/credit-notes", tags=["credit-notes"])
Reader = Annotated[CreditNoteService, Depends(service_for(CreditNoteService, Permission.READ))]
Writer = Annotated[
    CreditNoteService, Depends(service_for(CreditNoteService, Permission.WRITE_DOCUMENTS))
]
PdfReader = Annotated[
    CreditNotePdfService, Depends(service_for(CreditNotePdfService, Permission.READ))
]


@router.get("")
async def list_credit_notes(
    service: Reader, pagination: Pagination, filters: Annotated[CreditNoteFilters, Query()]
) -> Page[CreditNoteOut]:
    return page_out(await service.search(pagination, filters), CreditNoteOut)


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[Idempotent])
async def create_credit_note(body: CreditNoteCreate, service: Writer) -> CreditNoteOut:
    """Credit lines of an issued invoice by quantity or value (never more than is left),
    taxed like the invoice; dated by 30 November after the invoice's financial year."""
    return CreditNoteOut.model_validate(await service.create(body))


@router.get("/{note_id}")
async def get_credit_note(note_id: uuid.UUID, service: Reader) -> CreditNoteOut:
    return CreditNoteOut.model_validate(await service.get(note_id))


@router.post("/{note_id}/issue", dependencies=[Idempotent])
async def issue_credit_note(note_id: uuid.UUID, service: Writer) -> CreditNoteOut:
    """Number it (CN series) and apply it to the invoice; the rest becomes credit balance."""
    return CreditNoteOut.model_validate(await service.issue(note_id))


@router.post("/{note_id}/void", dependencies=[Idempotent])
async def void_credit_note(note_id: uuid.UUID, body: VoidRequest, service: Writer) -> CreditNoteOut:
    return CreditNoteOut.model_validate(await service.void(note_id, body.reason))


@router.post("/{note_id}/apply", dependencies=[Idempotent])
async def apply_credit_note(
    note_id: uuid.UUID, body: CreditNoteApplyRequest, service: Writer
) -> CreditNoteOut:
    """Use the credit balance against another invoice of the same customer."""
    return CreditNoteOut.model_validate(await service.apply(note_id, body.invoice_id, body.amount))


@router.post("/{note_id}/refund", status_code=status.HTTP_201_CREATED, dependencies=[Idempotent])
async def refund_credit_note(note_id: uuid.UUID, body: RefundCreate, service: Writer) -> RefundOut:
    """Pay the credit balance back to the customer."""
    return RefundOut.model_validate(await service.refund(note_id, body))


@router.get(
    "/{note_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 304: {"description": "Unchanged"}},
)
async def credit_note_pdf(
    note_id: uuid.UUID,
    service: PdfReader,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    return pdf_response(await service.pdf(note_id, if_none_match))
