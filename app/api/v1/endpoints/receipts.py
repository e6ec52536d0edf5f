"""Receipts: payments received (with TDS), allocated to invoices, advances refunded."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, status

from app.api.v1.idempotency import Idempotent
from app.api.v1.pagination import Pagination, page_out
from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.permissions import Permission
from app.schemas.common import Page
from app.schemas.receipt import (
    AllocateRequest,
    ReceiptCreate,
    ReceiptFilters,
    ReceiptOut,
    ReceiptUpdate,
    RefundCreate,
    RefundOut,
)
from app.services.receipt import ReceiptService

router = ResourceRouter(prefix="/receipts", tags=["receipts"])
Reader = Annotated[ReceiptService, Depends(service_for(ReceiptService, Permission.READ))]
Writer = Annotated[ReceiptService, Depends(service_for(ReceiptService, Permission.WRITE_DOCUMENTS))]


@router.get("")
async def list_receipts(
    service: Reader, pagination: Pagination, filters: Annotated[ReceiptFilters, Query()]
) -> Page[ReceiptOut]:
    return page_out(await service.search(pagination, filters), ReceiptOut)


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[Idempotent])
async def create_receipt(body: ReceiptCreate, service: Writer) -> ReceiptOut:
    """Record money received; allocate it now (``allocations`` or ``auto_allocate``) or later.
    The receipt number comes from the company's receipt series for the financial year."""
    return ReceiptOut.model_validate(await service.create(body))


@router.get("/{receipt_id}")
async def get_receipt(receipt_id: uuid.UUID, service: Reader) -> ReceiptOut:
    return ReceiptOut.model_validate(await service.get(receipt_id))


@router.put("/{receipt_id}")
async def update_receipt(receipt_id: uuid.UUID, body: ReceiptUpdate, service: Writer) -> ReceiptOut:
    """Amount, TDS and date are fixed once anything is allocated or refunded (409)."""
    return ReceiptOut.model_validate(await service.update(receipt_id, body))


@router.delete("/{receipt_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_receipt(receipt_id: uuid.UUID, service: Writer) -> None:
    """Reverses every allocation; the receipt number stays used."""
    await service.delete(receipt_id)


@router.post("/{receipt_id}/allocate", dependencies=[Idempotent])
async def allocate_receipt(
    receipt_id: uuid.UUID, body: AllocateRequest, service: Writer
) -> ReceiptOut:
    """Settle invoices of the same customer and company; never more than the receipt has left
    or an invoice has due (409 ``over-allocation``). ``auto`` settles the oldest first."""
    return ReceiptOut.model_validate(
        await service.allocate(receipt_id, body.allocations, auto=body.auto)
    )


@router.delete("/{receipt_id}/allocations/{allocation_id}")
async def remove_allocation(
    receipt_id: uuid.UUID, allocation_id: uuid.UUID, service: Writer
) -> ReceiptOut:
    """Give an allocation back to the receipt (the invoice is due again)."""
    return ReceiptOut.model_validate(await service.remove_allocation(receipt_id, allocation_id))


@router.post("/{receipt_id}/refund", status_code=status.HTTP_201_CREATED, dependencies=[Idempotent])
async def refund_receipt(receipt_id: uuid.UUID, body: RefundCreate, service: Writer) -> RefundOut:
    """Pay back part of the unallocated advance."""
    return RefundOut.model_validate(await service.refund(receipt_id, body))
