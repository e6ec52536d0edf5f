"""Customer statements and balances, computed in SQL.

The statement is a ledger of what the customer owes: invoices and refunds are debits;
receipts (amount + TDS) and credit notes are credits. Its closing balance equals the
sum of the customer's amounts due minus their advances (unallocated receipts and
unused credit), which a test checks to the paisa.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import Principal, RequestInfo
from app.core.errors import ValidationFailed
from app.crud.customer import CustomerRepository
from app.models import Customer
from app.services.pdf import render_template_pdf_async
from app.utils.clock import today_ist

ZERO = Decimal("0.00")

# One row per document, in date order, with the running balance from a window function.
LEDGER = text(
    """
    WITH entries AS (
        SELECT invoice_date AS entry_date, 1 AS kind_order, created_at, 'invoice' AS kind,
               id, number, amount_due + amount_paid + amount_credited AS debit, 0 AS credit,
               0 AS tds
        FROM invoices
        WHERE tenant_id = app_current_tenant() AND customer_id = :customer
          AND status IN ('issued', 'partially_paid', 'paid')
        UNION ALL
        SELECT receipt_date, 2, created_at, 'receipt', id, number, 0, amount + tds_amount,
               tds_amount
        FROM receipts
        WHERE tenant_id = app_current_tenant() AND customer_id = :customer
          AND deleted_at IS NULL
        UNION ALL
        SELECT credit_note_date, 3, created_at, 'credit_note', id, number, 0,
               CASE WHEN is_reverse_charge
                    THEN grand_total - cgst_total - sgst_total - utgst_total - igst_total
                         - cess_total
                    ELSE grand_total END,
               0
        FROM credit_notes
        WHERE tenant_id = app_current_tenant() AND customer_id = :customer
          AND status = 'issued'
        UNION ALL
        SELECT refund_date, 4, created_at, 'refund', id, NULL, amount, 0, 0
        FROM refunds
        WHERE tenant_id = app_current_tenant() AND customer_id = :customer
          AND deleted_at IS NULL
    ),
    ledger AS (
        SELECT *, SUM(debit - credit) OVER (
                    ORDER BY entry_date, kind_order, created_at, id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS balance
        FROM entries
    )
    SELECT * FROM ledger
    WHERE entry_date <= :to
    ORDER BY entry_date, kind_order, created_at, id
    """
)

BALANCES = text(
    """
    SELECT
      (SELECT COALESCE(SUM(amount_due), 0) FROM invoices
        WHERE tenant_id = app_current_tenant() AND customer_id = :customer
          AND status IN ('issued', 'partially_paid')) AS outstanding,
      (SELECT COALESCE(SUM(amount_due), 0) FROM invoices
        WHERE tenant_id = app_current_tenant() AND customer_id = :customer
          AND status IN ('issued', 'partially_paid') AND due_date < :today) AS overdue,
      (SELECT COUNT(*) FROM invoices
        WHERE tenant_id = app_current_tenant() AND customer_id = :customer
          AND status IN ('issued', 'partially_paid') AND due_date < :today
          AND amount_due > 0) AS overdue_count,
      (SELECT COALESCE(SUM(amount + tds_amount - amount_allocated - amount_refunded), 0)
         FROM receipts
        WHERE tenant_id = app_current_tenant() AND customer_id = :customer
          AND deleted_at IS NULL) AS unallocated_receipts,
      (SELECT COALESCE(SUM(amount_refundable), 0) FROM credit_notes
        WHERE tenant_id = app_current_tenant() AND customer_id = :customer
          AND status = 'issued') AS unused_credit
    """
)


@dataclass(frozen=True)
class Balances:
    outstanding: Decimal
    overdue: Decimal
    overdue_count: int
    unallocated_receipts: Decimal
    unused_credit: Decimal

    @property
    def advance(self) -> Decimal:
        return self.unallocated_receipts + self.unused_credit

    @property
    def net_receivable(self) -> Decimal:
        return self.outstanding - self.advance


@dataclass(frozen=True)
class StatementEntry:
    date: date
    kind: str
    document_id: uuid.UUID
    number: str | None
    debit: Decimal
    credit: Decimal
    tds: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Statement:
    customer: Customer
    date_from: date
    date_to: date
    opening_balance: Decimal
    entries: tuple[StatementEntry, ...]
    closing_balance: Decimal
    total_debit: Decimal
    total_credit: Decimal


async def customer_balances(session: AsyncSession, customer_id: uuid.UUID) -> Balances:
    row = (await session.execute(BALANCES, {"customer": customer_id, "today": today_ist()})).one()
    return Balances(
        outstanding=Decimal(row.outstanding),
        overdue=Decimal(row.overdue),
        overdue_count=int(row.overdue_count),
        unallocated_receipts=Decimal(row.unallocated_receipts),
        unused_credit=Decimal(row.unused_credit),
    )


class StatementService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.customers = CustomerRepository(session)

    async def statement(
        self, customer_id: uuid.UUID, date_from: date | None, date_to: date | None
    ) -> Statement:
        customer = await self.customers.get_or_404(customer_id)
        end = date_to or today_ist()
        start = date_from or date(end.year if end.month >= 4 else end.year - 1, 4, 1)
        if start > end:
            raise ValidationFailed("'from' is after 'to'.", field="query.from")
        rows = (await self.session.execute(LEDGER, {"customer": customer.id, "to": end})).all()
        before = [row for row in rows if row.entry_date < start]
        opening = Decimal(before[-1].balance) if before else ZERO
        entries = tuple(
            StatementEntry(
                date=row.entry_date,
                kind=row.kind,
                document_id=row.id,
                number=row.number,
                debit=Decimal(row.debit),
                credit=Decimal(row.credit),
                tds=Decimal(row.tds),
                balance=Decimal(row.balance),
            )
            for row in rows
            if row.entry_date >= start
        )
        closing = entries[-1].balance if entries else opening
        return Statement(
            customer=customer,
            date_from=start,
            date_to=end,
            opening_balance=opening.quantize(ZERO),
            entries=entries,
            closing_balance=closing.quantize(ZERO),
            total_debit=sum((e.debit for e in entries), ZERO),
            total_credit=sum((e.credit for e in entries), ZERO),
        )


def statement_csv(statement: Statement) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["date", "type", "number", "debit", "credit", "tds", "balance"])
    writer.writerow(
        [
            statement.date_from.isoformat(),
            "opening_balance",
            "",
            "",
            "",
            "",
            f"{statement.opening_balance:.2f}",
        ]
    )
    for entry in statement.entries:
        writer.writerow(
            [
                entry.date.isoformat(),
                entry.kind,
                entry.number or "",
                f"{entry.debit:.2f}",
                f"{entry.credit:.2f}",
                f"{entry.tds:.2f}",
                f"{entry.balance:.2f}",
            ]
        )
    writer.writerow(
        [
            statement.date_to.isoformat(),
            "closing_balance",
            "",
            "",
            "",
            "",
            f"{statement.closing_balance:.2f}",
        ]
    )
    return buffer.getvalue()


KIND_LABELS = {
    "invoice": "Invoice",
    "receipt": "Receipt",
    "credit_note": "Credit note",
    "refund": "Refund",
}


async def statement_pdf(
    statement: Statement, supplier_name: str, supplier_gstin: str | None
) -> bytes:
    return await render_template_pdf_async(
        "statement.html",
        {
            "customer": statement.customer,
            "supplier_name": supplier_name,
            "supplier_gstin": supplier_gstin,
            "date_from": statement.date_from,
            "date_to": statement.date_to,
            "opening": statement.opening_balance,
            "entries": statement.entries,
            "closing": statement.closing_balance,
            "kinds": KIND_LABELS,
        },
    )
