"""Invoice queries: filters (with the derived 'overdue' status) and eager loading of lines."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, exists, func, or_
from sqlalchemy.orm import joinedload, load_only, selectinload, with_expression

from app.crud.base import Repository
from app.models import Customer, Invoice, InvoiceLineItem
from app.models.enums import InvoiceStatus
from app.schemas.invoice import InvoiceFilters, InvoiceSummaryOut

OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
WITH_LINES = (selectinload(Invoice.lines),)
# A read takes the lines in the same round trip; a locking read cannot (FOR UPDATE does
# not apply to the nullable side of an outer join), so it takes them in a second one.
READ_WITH_LINES = (joinedload(Invoice.lines),)
# A list loads what its items show (InvoiceSummaryOut), and of the frozen snapshot
# (supplier, bank, terms, buyer) only the buyer's name.
LISTED = (
    load_only(
        *(
            getattr(Invoice, name)
            for name in InvoiceSummaryOut.model_fields
            if name != "customer_name"
        ),
        raiseload=True,
    ),
    with_expression(
        Invoice.listed_buyer_name,
        func.coalesce(Invoice.billing_snapshot["buyer"]["name"].astext, ""),
    ),
)


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class InvoiceRepository(Repository[Invoice]):
    model = Invoice
    entity = "Invoice"
    sortable = {
        "invoice_date": "invoice_date",
        "due_date": "due_date",
        "number": "number",
        "grand_total": "grand_total",
        "amount_due": "amount_due",
        "created_at": "created_at",
    }
    default_sort = "-invoice_date"

    async def get_with_lines(self, id_: uuid.UUID, *, for_update: bool = False) -> Invoice:
        options = WITH_LINES if for_update else READ_WITH_LINES
        return await self.get_or_404(id_, options=options, for_update=for_update)

    def filtered(self, filters: InvoiceFilters, today: date) -> Select[Invoice]:
        stmt = self.select().options(*LISTED)
        if filters.status == "overdue":
            stmt = stmt.where(
                Invoice.status.in_(OPEN_STATUSES),
                Invoice.due_date < today,
                Invoice.amount_due > 0,
            )
        elif filters.status:
            stmt = stmt.where(Invoice.status == filters.status)
        stmt = self.where_equal(
            stmt,
            (Invoice.customer_id, filters.customer_id),
            (Invoice.company_id, filters.company_id),
        )
        stmt = self.where_between(stmt, Invoice.invoice_date, filters.date_from, filters.date_to)
        stmt = self.where_between(stmt, Invoice.due_date, filters.due_from, filters.due_to)
        stmt = self.where_between(stmt, Invoice.grand_total, filters.amount_min, filters.amount_max)
        if filters.search:
            pattern = f"%{escape_like(filters.search)}%"
            by_customer = exists().where(
                Customer.tenant_id == Invoice.tenant_id,
                Customer.id == Invoice.customer_id,
                Customer.name.ilike(pattern, escape="\\"),
            )
            stmt = stmt.where(or_(Invoice.number.ilike(pattern, escape="\\"), by_customer))
        return stmt

    async def replace_lines(self, invoice: Invoice, lines: Sequence[InvoiceLineItem]) -> None:
        """Swap a draft's lines (the old ones go with delete-orphan)."""
        for line in lines:
            line.tenant_id = self.tenant_id
        # Old lines go first: the new ones reuse their positions (a unique key).
        invoice.lines = []
        await self.session.flush()
        invoice.lines = list(lines)
        await self.session.flush()
