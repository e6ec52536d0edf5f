"""Receipts, their allocations and refunds."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, or_
from sqlalchemy.orm import selectinload

from app.crud.base import Repository
from app.crud.invoice import escape_like
from app.models import Receipt, ReceiptAllocation, Refund
from app.schemas.receipt import ReceiptFilters

WITH_ALLOCATIONS = (selectinload(Receipt.allocations),)


class ReceiptRepository(Repository[Receipt]):
    model = Receipt
    entity = "Receipt"
    sortable = {
        "receipt_date": "receipt_date",
        "amount": "amount",
        "number": "number",
        "created_at": "created_at",
    }
    default_sort = "-receipt_date"

    @classmethod
    def visible(cls) -> tuple[ColumnElement[bool], ...]:
        """Deleted receipts keep their number but leave every list and lookup."""
        return (Receipt.deleted_at.is_(None),)

    async def get_full(self, receipt_id: uuid.UUID, *, for_update: bool = False) -> Receipt:
        return await self.get_or_404(receipt_id, options=WITH_ALLOCATIONS, for_update=for_update)

    def filtered(self, filters: ReceiptFilters) -> Select[Receipt]:
        stmt = self.select().options(*WITH_ALLOCATIONS)
        stmt = self.where_equal(
            stmt,
            (Receipt.customer_id, filters.customer_id),
            (Receipt.company_id, filters.company_id),
            (Receipt.mode, filters.mode),
        )
        stmt = self.where_between(stmt, Receipt.receipt_date, filters.date_from, filters.date_to)
        left = (
            Receipt.amount + Receipt.tds_amount - Receipt.amount_allocated - Receipt.amount_refunded
        )
        if filters.unallocated is True:
            stmt = stmt.where(left > 0)
        elif filters.unallocated is False:
            stmt = stmt.where(left == 0)
        if filters.search:
            pattern = f"%{escape_like(filters.search)}%"
            stmt = stmt.where(
                or_(
                    Receipt.reference.ilike(pattern, escape="\\"),
                    Receipt.number.ilike(pattern, escape="\\"),
                )
            )
        return stmt


class AllocationRepository(Repository[ReceiptAllocation]):
    model = ReceiptAllocation
    entity = "Allocation"


class RefundRepository(Repository[Refund]):
    model = Refund
    entity = "Refund"
    sortable = {"refund_date": "refund_date", "created_at": "created_at"}
    default_sort = "-refund_date"
