"""How money moves onto invoices: payments (receipt allocations) and credit (credit notes).

Every change locks the rows it touches in one fixed order: the source document first
(receipt or credit note), then the invoices by id. Two requests racing for the same
receipt or invoice therefore queue instead of deadlocking, and each re-reads the
balances after it holds the locks, so nothing is ever over-allocated.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError
from app.crud.invoice import InvoiceRepository
from app.models import Invoice
from app.models.enums import InvoiceStatus

ZERO = Decimal("0.00")
SETTLEABLE = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)


class OverAllocation(AppError):
    status, slug, title = 409, "over-allocation", "Amount exceeds what is available"


async def lock_invoices(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Invoice]:
    """``SELECT ... FOR UPDATE`` the invoices, in id order (the deadlock-free order)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    repository = InvoiceRepository(session)
    stmt = (
        repository.select()
        .where(Invoice.id.in_(wanted))
        .order_by(Invoice.id)
        .with_for_update()
        # Objects the session already holds would otherwise keep the balances read before
        # the lock; the locked row's current values must win.
        .execution_options(populate_existing=True)
    )
    return {invoice.id: invoice for invoice in (await session.execute(stmt)).scalars()}


def refresh_status(invoice: Invoice) -> None:
    if invoice.status == InvoiceStatus.VOID:
        return
    if invoice.amount_due == 0:
        invoice.status = InvoiceStatus.PAID
    elif invoice.amount_paid + invoice.amount_credited > 0:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    else:
        invoice.status = InvoiceStatus.ISSUED
    invoice.version += 1


def check_settleable(invoice: Invoice, amount: Decimal) -> None:
    if invoice.status not in SETTLEABLE:
        raise OverAllocation(f"Invoice {invoice.number or invoice.id} is {invoice.status}.")
    if amount > invoice.amount_due:
        raise OverAllocation(
            f"{amount} is more than the {invoice.amount_due} due on invoice {invoice.number}.",
            extra={"invoice_id": str(invoice.id), "amount_due": str(invoice.amount_due)},
        )


def apply_payment(invoice: Invoice, amount: Decimal) -> None:
    check_settleable(invoice, amount)
    invoice.amount_paid += amount
    invoice.amount_due -= amount
    refresh_status(invoice)


def reverse_payment(invoice: Invoice, amount: Decimal) -> None:
    invoice.amount_paid -= amount
    invoice.amount_due += amount
    refresh_status(invoice)


def apply_credit(invoice: Invoice, amount: Decimal) -> None:
    check_settleable(invoice, amount)
    invoice.amount_credited += amount
    invoice.amount_due -= amount
    refresh_status(invoice)


def reverse_credit(invoice: Invoice, amount: Decimal) -> None:
    invoice.amount_credited -= amount
    invoice.amount_due += amount
    refresh_status(invoice)
