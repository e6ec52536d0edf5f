"""Invoice queries: filters (with the derived 'overdue' status) and eager loading of lines."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, literal_column, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.crud.base import Repository
from app.crud.catalog import DEFAULT_COMPANY, RATES_IN_FORCE, TENANT, default_series
from app.models import (
    Company,
    Customer,
    DocumentSeries,
    GstSettings,
    Invoice,
    InvoiceLineItem,
    TaxRate,
)
from app.models.enums import DocumentType, InvoiceStatus
from app.schemas.invoice import InvoiceFilters, InvoiceSummaryOut

OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
WITH_LINES = (selectinload(Invoice.lines),)
# A read takes the lines in the same round trip; a locking read cannot (FOR UPDATE does
# not apply to the nullable side of an outer join), so it takes them in a second one.
READ_WITH_LINES = (joinedload(Invoice.lines),)
# A list reads the columns its items show (InvoiceSummaryOut) as rows, not objects, and
# of the frozen snapshot (supplier, bank, terms, buyer) only the buyer's name.
LISTED = (
    *(getattr(Invoice, name) for name in InvoiceSummaryOut.model_fields if name != "customer_name"),
    func.coalesce(Invoice.billing_snapshot["buyer"]["name"].astext, "").label("customer_name"),
)


@dataclass(frozen=True)
class PricingContext:
    """What pricing and issuing an invoice read: the buyer, the seller (the given company
    or the default one), the tenant's GST settings, the GST rates in force on its date
    and the company's invoice series. Each is None (or empty) when the tenant has none."""

    customer: Customer | None
    company: Company | None
    settings: GstSettings | None
    rates: frozenset[Decimal]
    series: DocumentSeries | None  # the company's invoice series, numbered on issue


def _pricing_context(company_given: bool) -> Select[Any]:
    """One round trip for the five reads: each outer-joined to a one-row anchor, so a
    missing customer, company or series comes back as None instead of losing the row."""
    company_id = (
        bindparam("company_id")
        if company_given
        else DEFAULT_COMPANY.with_only_columns(Company.id).correlate(None).scalar_subquery()
    )
    rates = RATES_IN_FORCE.with_only_columns(func.array_agg(TaxRate.rate))
    candidate = aliased(DocumentSeries)
    series = default_series(candidate, Company.id, DocumentType.INVOICE).with_only_columns(
        candidate.id
    )
    anchor = select(literal_column("1").label("one")).subquery("anchor")
    return (
        select(
            Customer,
            Company,
            GstSettings,
            rates.correlate(None).scalar_subquery(),
            DocumentSeries,
        )
        .select_from(anchor)
        .outerjoin(
            Customer, (Customer.tenant_id == TENANT) & (Customer.id == bindparam("customer_id"))
        )
        .outerjoin(Company, (Company.tenant_id == TENANT) & (Company.id == company_id))
        .outerjoin(GstSettings, GstSettings.tenant_id == TENANT)
        .outerjoin(
            DocumentSeries,
            (DocumentSeries.tenant_id == TENANT)
            & (DocumentSeries.id == series.correlate(Company).scalar_subquery()),
        )
    )


PRICING_CONTEXT = {given: _pricing_context(given) for given in (True, False)}


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

    async def pricing_context(
        self, customer_id: uuid.UUID, company_id: uuid.UUID | None, on: date
    ) -> PricingContext:
        """The customer, the company (``company_id``, else the default), the GST settings,
        the rates in force ``on`` and the company's invoice series, in one statement."""
        params = self.scope(customer_id=customer_id, on=on)
        if company_id is not None:
            params["company_id"] = company_id
        statement = PRICING_CONTEXT[company_id is not None]
        row = (await self.session.execute(statement, params)).one()
        return PricingContext(row[0], row[1], row[2], frozenset(row[3] or ()), row[4])

    def filtered(self, filters: InvoiceFilters, today: date) -> Select[Any]:
        """The list's statement: rows of ``LISTED``, in the tenant, matching ``filters``."""
        stmt: Select[Any] = self.select().with_only_columns(*LISTED)
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
