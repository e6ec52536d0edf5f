"""Credit notes (CGST Act s.34) against one issued invoice.

A note credits part or all of the invoice's lines, by quantity or by value, never more
than is left after earlier notes, and is taxed with the invoice's place of supply and
rates. It can be issued until 30 November after the end of the invoice's financial
year. On issue its value first reduces the invoice's amount due; whatever the invoice
no longer owes becomes the customer's credit balance, to apply to another invoice of
the same customer or to refund.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.core.dependencies import Principal, RequestInfo
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.crud.base import Page, PageParams, Repository
from app.crud.catalog import GstSettingsRepository
from app.crud.invoice import InvoiceRepository
from app.crud.receipt import RefundRepository
from app.models import (
    CreditNote,
    CreditNoteApplication,
    CreditNoteLineItem,
    GstSettings,
    Invoice,
    InvoiceLineItem,
    Refund,
)
from app.models.enums import (
    CreditNoteStatus,
    DiscountType,
    DocumentType,
    GstTreatment,
    InvoiceKind,
    ZeroRatedMode,
)
from app.schemas.credit_note import CreditLineIn, CreditNoteCreate, CreditNoteFilters
from app.schemas.receipt import RefundCreate
from app.services.audit import AuditService
from app.services.gst_engine import (
    HEADER_FIELDS,
    LINE_TAX_FIELDS,
    DocumentResult,
    LineInput,
    SupplyContext,
    compute_document,
    round_paise,
)
from app.services.numbering import take_number
from app.services.receipt import record_refund
from app.services.settlement import (
    SETTLEABLE,
    OverAllocation,
    apply_credit,
    lock_invoices,
    reverse_credit,
)
from app.services.tenant_defaults import default_gst_settings
from app.utils.clock import today_ist, utcnow
from app.utils.gst import financial_year, financial_year_bounds
from app.utils.serialize import snapshot

WITH_LINES = (selectinload(CreditNote.lines),)


def last_date_for(invoice_date: date) -> date:
    """s.34(2): 30 November following the end of the invoice's financial year."""
    _, year_end = financial_year_bounds(financial_year(invoice_date))
    return date(year_end.year, 11, 30)


class CreditNoteRepository(Repository[CreditNote]):
    model = CreditNote
    entity = "Credit note"
    sortable = {
        "credit_note_date": "credit_note_date",
        "number": "number",
        "grand_total": "grand_total",
        "created_at": "created_at",
    }
    default_sort = "-credit_note_date"

    async def get_full(self, note_id: uuid.UUID, *, for_update: bool = False) -> CreditNote:
        return await self.get_or_404(note_id, options=WITH_LINES, for_update=for_update)


class ApplicationRepository(Repository[CreditNoteApplication]):
    model = CreditNoteApplication
    entity = "Credit application"


@dataclass(frozen=True)
class Credited:
    quantity: Decimal
    value: Decimal


class CreditNoteService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.principal = principal
        self.notes = CreditNoteRepository(session)
        self.audit = AuditService(session, request, principal.user_id)

    async def get(self, note_id: uuid.UUID) -> CreditNote:
        return await self.notes.get_full(note_id)

    async def search(self, params: PageParams, filters: CreditNoteFilters) -> Page[CreditNote]:
        stmt = self.notes.where_equal(
            self.notes.select().options(*WITH_LINES),
            (CreditNote.status, filters.status),
            (CreditNote.customer_id, filters.customer_id),
            (CreditNote.invoice_id, filters.invoice_id),
            (CreditNote.reason, filters.reason),
        )
        stmt = self.notes.where_between(
            stmt, CreditNote.credit_note_date, filters.date_from, filters.date_to
        )
        return await self.notes.paginate(stmt, params)

    # -- create and issue ------------------------------------------------------------------

    async def create(self, data: CreditNoteCreate) -> CreditNote:
        invoice = await self._invoice(data.invoice_id, lock=False)
        on = data.credit_note_date or today_ist()
        self._check_dates(invoice, on)
        note = CreditNote(
            company_id=invoice.company_id,
            customer_id=invoice.customer_id,
            invoice_id=invoice.id,
            credit_note_date=on,
            reason=data.reason,
            reason_note=data.reason_note,
            place_of_supply=invoice.place_of_supply,
            is_reverse_charge=invoice.is_reverse_charge,
            created_by=self.principal.user_id,
            status=CreditNoteStatus.DRAFT,
            amount_applied=Decimal("0.00"),
            amount_refundable=Decimal("0.00"),
            version=1,
        )
        result, rows = await self._price(invoice, data.lines)
        for name in HEADER_FIELDS:
            setattr(note, name, getattr(result, name))
        note.lines = rows
        await self.notes.add(note)
        self.audit.created("credit_note", note)
        if data.issue:
            return await self.issue(note.id)
        return note

    async def issue(self, note_id: uuid.UUID) -> CreditNote:
        note = await self.notes.get_full(note_id, for_update=True)  # lock 1: the note
        if note.status != CreditNoteStatus.DRAFT:
            raise Conflict(f"This credit note is already {note.status}.")
        invoice = await self._invoice(note.invoice_id, lock=True)  # lock 2: the invoice
        self._check_dates(invoice, note.credit_note_date)
        await self._check_remaining(
            invoice,
            [(line.invoice_line_item_id, line.quantity, line.taxable_value) for line in note.lines],
        )
        before = snapshot(note)
        value = self._credit_value(note)
        taken = await take_number(
            self.session, note.company_id, DocumentType.CREDIT_NOTE, note.credit_note_date
        )
        note.series_id, note.financial_year = taken.series_id, taken.financial_year
        note.sequence_number, note.number = taken.sequence, taken.number
        applied = min(value, invoice.amount_due) if invoice.status in SETTLEABLE else Decimal(0)
        if applied > 0:
            apply_credit(invoice, applied)
            await ApplicationRepository(self.session).add(
                CreditNoteApplication(
                    credit_note_id=note.id,
                    invoice_id=invoice.id,
                    amount=applied,
                    created_by=self.principal.user_id,
                )
            )
        note.amount_applied, note.amount_refundable = applied, value - applied
        note.status, note.issued_at = CreditNoteStatus.ISSUED, utcnow()
        note.version += 1
        await self.session.flush()
        self.audit.updated("credit_note", note, before)
        self.audit.record("credit_note.issued", "credit_note", note.id, {"number": note.number})
        return note

    def _credit_value(self, note: CreditNote) -> Decimal:
        """What the note takes off the customer's balance: without the tax under reverse
        charge (the customer pays that tax to the government, not to the supplier)."""
        if not note.is_reverse_charge:
            return note.grand_total
        return note.grand_total - (
            note.cgst_total + note.sgst_total + note.utgst_total + note.igst_total + note.cess_total
        )

    def _check_dates(self, invoice: Invoice, on: date) -> None:
        if on < invoice.invoice_date:
            raise ValidationFailed(
                "A credit note cannot be dated before its invoice.", field="credit_note_date"
            )
        deadline = last_date_for(invoice.invoice_date)
        if on > deadline:
            raise ValidationFailed(
                f"Under section 34 a credit note for invoice {invoice.number} had to be issued "
                f"by {deadline.strftime('%d-%m-%Y')} (30 November after its financial year).",
                field="credit_note_date",
            )

    async def _invoice(self, invoice_id: uuid.UUID, *, lock: bool) -> Invoice:
        repository = InvoiceRepository(self.session)
        if lock:
            await lock_invoices(self.session, [invoice_id])
        invoice = await repository.get(invoice_id, options=(selectinload(Invoice.lines),))
        if invoice is None:
            raise ValidationFailed("No invoice with this id.", field="invoice_id")
        if invoice.status not in SETTLEABLE:
            raise Conflict(f"A credit note needs an issued invoice; this one is {invoice.status}.")
        return invoice

    async def _price(
        self, invoice: Invoice, requested: list[CreditLineIn]
    ) -> tuple[DocumentResult, list[CreditNoteLineItem]]:
        by_id = {line.id: line for line in invoice.lines}
        inputs: list[LineInput] = []
        for index, item in enumerate(requested):
            original = by_id.get(item.invoice_line_item_id)
            if original is None:
                raise ValidationFailed(
                    "This line is not on the invoice.",
                    field=f"body.lines.{index}.invoice_line_item_id",
                )
            inputs.append(_credit_input(original, item))
        settings = await GstSettingsRepository(self.session).current() or default_gst_settings()
        try:
            result = compute_document(inputs, _context(invoice, settings))
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="body.lines") from exc
        await self._check_remaining(
            invoice,
            [
                (item.invoice_line_item_id, item.quantity or Decimal(0), priced.taxable_value)
                for item, priced in zip(requested, result.lines, strict=True)
            ],
        )
        rows = []
        for position, (item, engine_in, priced) in enumerate(
            zip(requested, inputs, result.lines, strict=True), 1
        ):
            original = by_id[item.invoice_line_item_id]
            rows.append(
                CreditNoteLineItem(
                    position=position,
                    invoice_line_item_id=original.id,
                    description=original.description,
                    hsn_sac=original.hsn_sac,
                    uqc=original.uqc,
                    quantity=engine_in.quantity if item.quantity is not None else Decimal("0"),
                    unit_price=engine_in.unit_price,
                    gst_rate=original.gst_rate,
                    cess_rate=original.cess_rate,
                    **{name: getattr(priced, name) for name in LINE_TAX_FIELDS},
                )
            )
        return result, rows

    async def _check_remaining(
        self, invoice: Invoice, wanted: list[tuple[uuid.UUID, Decimal, Decimal]]
    ) -> None:
        """Never credit more of a line (units or value) than the issued notes left."""
        credited = await self._credited(invoice.id)
        totals: dict[uuid.UUID, Credited] = {}
        for line_id, quantity, value in wanted:
            seen = totals.get(line_id, Credited(Decimal(0), Decimal(0)))
            totals[line_id] = Credited(seen.quantity + quantity, seen.value + value)
        by_id = {line.id: line for line in invoice.lines}
        for line_id, asked in totals.items():
            line = by_id[line_id]
            done = credited.get(line_id, Credited(Decimal(0), Decimal(0)))
            value_left, units_left = line.taxable_value - done.value, line.quantity - done.quantity
            if asked.value > value_left or asked.quantity > units_left:
                raise OverAllocation(
                    f"Line {line.position} has {units_left} units worth {value_left} left to "
                    f"credit; {asked.quantity} units worth {asked.value} were asked.",
                    extra={"invoice_line_item_id": str(line_id), "value_left": str(value_left)},
                )

    async def _credited(self, invoice_id: uuid.UUID) -> dict[uuid.UUID, Credited]:
        stmt = (
            select(
                CreditNoteLineItem.invoice_line_item_id,
                func.sum(CreditNoteLineItem.quantity),
                func.sum(CreditNoteLineItem.taxable_value),
            )
            .join(
                CreditNote,
                (CreditNote.tenant_id == CreditNoteLineItem.tenant_id)
                & (CreditNote.id == CreditNoteLineItem.credit_note_id),
            )
            .where(
                CreditNote.tenant_id == self.notes.tenant_id,
                CreditNote.invoice_id == invoice_id,
                CreditNote.status == CreditNoteStatus.ISSUED,
            )
            .group_by(CreditNoteLineItem.invoice_line_item_id)
        )
        rows = (await self.session.execute(stmt)).all()
        return {row[0]: Credited(row[1] or Decimal(0), row[2] or Decimal(0)) for row in rows}

    # -- after issue -----------------------------------------------------------------------

    async def void(self, note_id: uuid.UUID, reason: str) -> CreditNote:
        note = await self.notes.get_full(note_id, for_update=True)
        if note.status != CreditNoteStatus.ISSUED:
            raise Conflict(f"A {note.status} credit note cannot be voided.")
        applications = await self._applications(note.id)
        if any(a.invoice_id != note.invoice_id for a in applications) or await self._refunded(
            note.id
        ):
            raise Conflict(
                "Credit from this note was applied elsewhere or refunded; undo that first."
            )
        invoices = await lock_invoices(self.session, [a.invoice_id for a in applications])
        before = snapshot(note)
        for application in applications:
            reverse_credit(invoices[application.invoice_id], application.amount)
            await ApplicationRepository(self.session).delete(application)
        note.status, note.void_reason, note.voided_at = CreditNoteStatus.VOID, reason, utcnow()
        note.amount_applied = note.amount_refundable = Decimal("0.00")
        note.version += 1
        await self.session.flush()
        self.audit.updated("credit_note", note, before)
        return note

    async def apply(self, note_id: uuid.UUID, invoice_id: uuid.UUID, amount: Decimal) -> CreditNote:
        """Set part of the customer's credit balance against another of their invoices."""
        note = await self.notes.get_full(note_id, for_update=True)
        self._check_balance(note, amount)
        invoice = (await lock_invoices(self.session, [invoice_id])).get(invoice_id)
        if invoice is None:
            raise NotFound(f"Invoice {invoice_id} was not found.")
        if invoice.customer_id != note.customer_id or invoice.company_id != note.company_id:
            raise ValidationFailed(
                "The invoice belongs to another customer or company (GSTIN).", field="invoice_id"
            )
        apply_credit(invoice, amount)
        applications = ApplicationRepository(self.session)
        existing = next(
            (a for a in await self._applications(note.id) if a.invoice_id == invoice_id), None
        )
        if existing is not None:
            existing.amount += amount
        else:
            await applications.add(
                CreditNoteApplication(
                    credit_note_id=note.id,
                    invoice_id=invoice_id,
                    amount=amount,
                    created_by=self.principal.user_id,
                )
            )
        note.amount_applied += amount
        note.amount_refundable -= amount
        self.audit.record(
            "credit_note.applied",
            "credit_note",
            note.id,
            {"invoice_id": str(invoice_id), "amount": str(amount)},
        )
        await self.session.flush()
        return note

    async def refund(self, note_id: uuid.UUID, data: RefundCreate) -> Refund:
        note = await self.notes.get_full(note_id, for_update=True)
        self._check_balance(note, data.amount)
        refund = await record_refund(self.session, self.audit, data, note, self.principal.user_id)
        note.amount_refundable -= data.amount
        await self.session.flush()
        return refund

    def _check_balance(self, note: CreditNote, amount: Decimal) -> None:
        if note.status != CreditNoteStatus.ISSUED:
            raise Conflict(f"A {note.status} credit note has no credit to use.")
        if amount > note.amount_refundable:
            raise OverAllocation(f"Only {note.amount_refundable} of credit is left on this note.")

    async def _applications(self, note_id: uuid.UUID) -> list[CreditNoteApplication]:
        repository = ApplicationRepository(self.session)
        stmt = repository.select().where(CreditNoteApplication.credit_note_id == note_id)
        return list((await self.session.execute(stmt)).scalars())

    async def _refunded(self, note_id: uuid.UUID) -> bool:
        repository = RefundRepository(self.session)
        stmt = repository.select().where(
            Refund.credit_note_id == note_id, Refund.deleted_at.is_(None)
        )
        return bool((await self.session.execute(select(stmt.exists()))).scalar())


def _credit_input(original: InvoiceLineItem, item: CreditLineIn) -> LineInput:
    """The credited part of an invoice line, priced like the original line."""
    if item.taxable_value is not None:
        return LineInput(
            quantity=Decimal("1"),
            unit_price=item.taxable_value,
            gst_rate=original.gst_rate,
            cess_rate=original.cess_rate,
        )
    assert item.quantity is not None
    discount_type, discount = DiscountType(original.discount_type), original.discount_value
    if discount_type == DiscountType.AMOUNT and original.discount_amount > 0:
        discount = round_paise(original.discount_amount * item.quantity / original.quantity)
    return LineInput(
        quantity=item.quantity,
        unit_price=original.unit_price,
        gst_rate=original.gst_rate,
        cess_rate=original.cess_rate,
        discount_type=discount_type,
        discount_value=discount,
    )


def _context(invoice: Invoice, settings: GstSettings) -> SupplyContext:
    """The invoice's own tax context: a credit note follows the supply it corrects."""
    snapshot_ = invoice.billing_snapshot or {}
    buyer = snapshot_.get("buyer", {})
    return SupplyContext(
        supplier_state=str(snapshot_.get("supplier", {}).get("state_code") or ""),
        place_of_supply=invoice.place_of_supply,
        customer_is_sez=buyer.get("gst_treatment") == GstTreatment.SEZ,
        zero_rated_mode=ZeroRatedMode(invoice.zero_rated_mode),
        is_export=invoice.supply_type == "export",
        bill_of_supply=invoice.kind == InvoiceKind.BILL_OF_SUPPLY,
        reverse_charge=invoice.is_reverse_charge,
        apply_round_off=settings.apply_round_off,
    )
