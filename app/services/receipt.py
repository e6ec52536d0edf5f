"""Receipts (payments received, with TDS) and their allocation to invoices.

The value that settles invoices is ``amount + tds_amount``: the customer paid the amount
and deposited the TDS with the government on the supplier's behalf. What is not
allocated stays on the receipt as an advance, to be allocated later or refunded.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import Principal, RequestInfo
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.crud.base import Page, PageParams
from app.crud.catalog import CompanyRepository
from app.crud.customer import CustomerRepository
from app.crud.invoice import OPEN_STATUSES, InvoiceRepository
from app.crud.receipt import ReceiptRepository, RefundRepository
from app.models import CreditNote, Invoice, Receipt, ReceiptAllocation, Refund
from app.models.enums import DocumentType
from app.schemas.receipt import (
    AllocationIn,
    ReceiptCreate,
    ReceiptFilters,
    ReceiptUpdate,
    RefundCreate,
)
from app.services.audit import AuditService
from app.services.numbering import take_number
from app.services.settlement import OverAllocation, apply_payment, lock_invoices, reverse_payment
from app.utils.clock import today_ist, utcnow
from app.utils.gst import financial_year
from app.utils.serialize import snapshot

MONEY_FIELDS = ("amount", "tds_amount", "receipt_date")


def check_refund_date(given: date | None, source_date: date) -> date:
    """Money cannot go back before it came in (the statement would show a debt first)."""
    refund_date = given or today_ist()
    if refund_date < source_date:
        raise ValidationFailed(
            f"A refund cannot be dated before {source_date.isoformat()}.", field="refund_date"
        )
    return refund_date


async def record_refund(
    session: AsyncSession,
    audit: AuditService,
    data: RefundCreate,
    source: Receipt | CreditNote,
    user_id: uuid.UUID,
) -> Refund:
    """A refund of money the customer has with us: an advance (receipt) or credit (note)."""
    source_date = source.receipt_date if isinstance(source, Receipt) else source.credit_note_date
    refund = await RefundRepository(session).add(
        Refund(
            customer_id=source.customer_id,
            company_id=source.company_id,
            receipt_id=source.id if isinstance(source, Receipt) else None,
            credit_note_id=source.id if isinstance(source, CreditNote) else None,
            refund_date=check_refund_date(data.refund_date, source_date),
            amount=data.amount,
            mode=data.mode,
            reference=data.reference,
            notes=data.notes,
            created_by=user_id,
        )
    )
    audit.created("refund", refund)
    return refund


def unallocated(receipt: Receipt) -> Decimal:
    return receipt.amount + receipt.tds_amount - receipt.amount_allocated - receipt.amount_refunded


class ReceiptService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.principal = principal
        self.receipts = ReceiptRepository(session)
        self.audit = AuditService(session, request, principal.user_id)

    async def get(self, receipt_id: uuid.UUID) -> Receipt:
        return await self.receipts.get_full(receipt_id)

    async def search(self, params: PageParams, filters: ReceiptFilters) -> Page[Receipt]:
        return await self.receipts.paginate(self.receipts.filtered(filters), params)

    async def create(self, data: ReceiptCreate) -> Receipt:
        customer = await CustomerRepository(self.session).get(data.customer_id)
        if customer is None:
            raise ValidationFailed("No customer with this id.", field="customer_id")
        companies = CompanyRepository(self.session)
        company = await (companies.get(data.company_id) if data.company_id else companies.default())
        if company is None:
            raise ValidationFailed("No company to receive the payment.", field="company_id")
        on = data.receipt_date or today_ist()
        receipt = Receipt(
            customer_id=customer.id,
            company_id=company.id,
            receipt_date=on,
            amount=data.amount,
            tds_amount=data.tds_amount,
            tds_section=data.tds_section if data.tds_amount > 0 else None,
            mode=data.mode,
            reference=data.reference,
            notes=data.notes,
            created_by=self.principal.user_id,
            amount_allocated=Decimal("0.00"),
            amount_refunded=Decimal("0.00"),
        )
        receipt.allocations = []
        taken = await take_number(self.session, company.id, DocumentType.RECEIPT, on)
        receipt.series_id, receipt.financial_year = taken.series_id, taken.financial_year
        receipt.sequence_number, receipt.number = taken.sequence, taken.number
        await self.receipts.add(receipt)
        self.audit.created("receipt", receipt)
        if data.allocations or data.auto_allocate:
            await self._allocate(receipt, data.allocations, auto=data.auto_allocate)
        return receipt

    async def update(self, receipt_id: uuid.UUID, data: ReceiptUpdate) -> Receipt:
        receipt = await self.receipts.get_full(receipt_id, for_update=True)
        values = data.model_dump(exclude_unset=True)
        changes_money = any(
            name in values and values[name] != getattr(receipt, name) for name in MONEY_FIELDS
        )
        if changes_money and (receipt.amount_allocated > 0 or receipt.amount_refunded > 0):
            raise Conflict(
                "The amount, TDS and date are fixed once money is allocated or refunded."
            )
        new_date = values.get("receipt_date")
        if new_date and financial_year(new_date) != receipt.financial_year:
            raise ValidationFailed(
                "The receipt number belongs to its financial year; record a new receipt "
                "for another year.",
                field="receipt_date",
            )
        proposed = {**snapshot(receipt, ("amount", "tds_amount", "tds_section")), **values}
        if Decimal(str(proposed["tds_amount"])) > 0 and not proposed.get("tds_section"):
            raise ValidationFailed("Give the TDS section.", field="tds_section")
        before = snapshot(receipt)
        await self.receipts.update(receipt, values)
        self.audit.updated("receipt", receipt, before)
        return receipt

    async def allocate(
        self, receipt_id: uuid.UUID, items: list[AllocationIn] | None, *, auto: bool
    ) -> Receipt:
        receipt = await self.receipts.get_full(receipt_id, for_update=True)  # lock 1: receipt
        await self._allocate(receipt, items, auto=auto)
        return receipt

    async def _allocate(
        self, receipt: Receipt, items: list[AllocationIn] | None, *, auto: bool
    ) -> None:
        if auto:
            items = await self._oldest_first(receipt)
        assert items is not None
        wanted: dict[uuid.UUID, Decimal] = {}
        for item in items:
            wanted[item.invoice_id] = wanted.get(item.invoice_id, Decimal("0")) + item.amount
        invoices = await lock_invoices(self.session, wanted)  # lock 2: invoices by id
        total = sum(wanted.values(), Decimal("0"))
        if total > unallocated(receipt):
            raise OverAllocation(
                f"{total} is more than the {unallocated(receipt)} left on receipt "
                f"{receipt.number}.",
                extra={"available": str(unallocated(receipt))},
            )
        existing = {a.invoice_id: a for a in receipt.allocations}
        for invoice_id, amount in wanted.items():
            invoice = invoices.get(invoice_id)
            if invoice is None:
                raise NotFound(f"Invoice {invoice_id} was not found.")
            self._check_parties(receipt, invoice)
            apply_payment(invoice, amount)
            if invoice_id in existing:
                existing[invoice_id].amount += amount
            else:
                allocation = ReceiptAllocation(
                    invoice_id=invoice_id, amount=amount, created_by=self.principal.user_id
                )
                allocation.tenant_id = receipt.tenant_id
                receipt.allocations.append(allocation)
            self.audit.record(
                "receipt.allocated",
                "receipt",
                receipt.id,
                {"invoice_id": str(invoice_id), "amount": str(amount)},
            )
        receipt.amount_allocated += total
        await self.session.flush()

    async def _oldest_first(self, receipt: Receipt) -> list[AllocationIn]:
        """Open invoices of the same customer and company, oldest due date first."""
        repository = InvoiceRepository(self.session)
        stmt = (
            repository.select()
            .where(
                Invoice.customer_id == receipt.customer_id,
                Invoice.company_id == receipt.company_id,
                Invoice.status.in_(OPEN_STATUSES),
                Invoice.amount_due > 0,
            )
            .order_by(Invoice.due_date, Invoice.invoice_date, Invoice.id)
        )
        left = unallocated(receipt)
        plan = []
        for invoice in (await self.session.execute(stmt)).scalars():
            if left <= 0:
                break
            amount = min(left, invoice.amount_due)
            plan.append(AllocationIn(invoice_id=invoice.id, amount=amount))
            left -= amount
        if not plan:
            raise Conflict("The customer has no open invoices with this company to settle.")
        return plan

    def _check_parties(self, receipt: Receipt, invoice: Invoice) -> None:
        if invoice.customer_id != receipt.customer_id or invoice.company_id != receipt.company_id:
            raise ValidationFailed(
                f"Invoice {invoice.number} belongs to another customer or company.",
                field="allocations",
            )

    async def remove_allocation(self, receipt_id: uuid.UUID, allocation_id: uuid.UUID) -> Receipt:
        receipt = await self.receipts.get_full(receipt_id, for_update=True)
        allocation = next((a for a in receipt.allocations if a.id == allocation_id), None)
        if allocation is None:
            raise NotFound(f"Allocation {allocation_id} was not found on this receipt.")
        invoices = await lock_invoices(self.session, [allocation.invoice_id])
        reverse_payment(invoices[allocation.invoice_id], allocation.amount)
        receipt.amount_allocated -= allocation.amount
        receipt.allocations.remove(allocation)
        self.audit.record(
            "receipt.allocation_removed",
            "receipt",
            receipt.id,
            {"invoice_id": str(allocation.invoice_id), "amount": str(allocation.amount)},
        )
        await self.session.flush()
        return receipt

    async def delete(self, receipt_id: uuid.UUID) -> None:
        """Soft delete: the allocations are reversed and the number stays used."""
        receipt = await self.receipts.get_full(receipt_id, for_update=True)
        if receipt.amount_refunded > 0:
            raise Conflict("Part of this receipt was refunded; it cannot be deleted.")
        invoices = await lock_invoices(self.session, [a.invoice_id for a in receipt.allocations])
        for allocation in list(receipt.allocations):
            reverse_payment(invoices[allocation.invoice_id], allocation.amount)
            receipt.allocations.remove(allocation)
        self.audit.deleted("receipt", receipt)
        receipt.amount_allocated = Decimal("0.00")
        receipt.deleted_at = utcnow()
        await self.session.flush()

    async def refund(self, receipt_id: uuid.UUID, data: RefundCreate) -> Refund:
        """Pay back part of an unallocated advance."""
        receipt = await self.receipts.get_full(receipt_id, for_update=True)
        if data.amount > unallocated(receipt):
            raise OverAllocation(f"Only {unallocated(receipt)} is left on this receipt.")
        refund = await record_refund(
            self.session, self.audit, data, receipt, self.principal.user_id
        )
        receipt.amount_refunded += data.amount
        await self.session.flush()
        return refund
