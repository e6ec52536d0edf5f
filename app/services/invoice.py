"""Invoices: drafts priced by the GST engine, issued with a gap-free number, then frozen.

Lifecycle: ``draft`` -> ``issued`` -> ``partially_paid`` -> ``paid``; ``issued`` (or
``partially_paid`` with nothing allocated) -> ``void``. ``overdue`` is derived. A draft
has no number; issuing takes the next number of the company's invoice series for the
financial year of the invoice date, with the counter lock taken last and held briefly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import Principal, RequestInfo
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.crud.base import Page, PageParams
from app.crud.catalog import (
    ServiceTypeRepository,
)
from app.crud.customer import CustomerRepository
from app.crud.identity import UserRepository
from app.crud.invoice import OPEN_STATUSES, InvoiceRepository, PricingContext
from app.models import (
    Company,
    Customer,
    DocumentSeries,
    GstSettings,
    Invoice,
    InvoiceLineItem,
    ServiceType,
)
from app.models.enums import (
    DocumentType,
    GstTreatment,
    InvoiceKind,
    InvoiceStatus,
    RegistrationType,
    ZeroRatedMode,
)
from app.schemas.invoice import InvoiceCreate, InvoiceFilters, InvoiceLineIn, InvoiceUpdate
from app.services.audit import AuditService
from app.services.gst_engine import (
    ENDORSEMENT_COMPOSITION,
    HEADER_FIELDS,
    LINE_TAX_FIELDS,
    DocumentResult,
    LineInput,
    SupplyContext,
    compute_document,
)
from app.services.jobs import enqueue
from app.services.numbering import take_number
from app.services.plans import enforce_free_tier
from app.services.tenant_defaults import default_gst_settings
from app.utils import gst
from app.utils.clock import today_ist, utcnow
from app.utils.serialize import snapshot

SEND_INVOICE = "send_invoice_email"
EXPORT_STATE = "96"
NOT_DRAFT = "Issued invoices cannot be changed or deleted; void it or raise a credit note instead."


def is_overdue(invoice: Invoice, today: date | None = None) -> bool:
    return (
        invoice.status in OPEN_STATUSES
        and invoice.due_date is not None
        and invoice.due_date < (today or today_ist())
        and invoice.amount_due > 0
    )


@dataclass(frozen=True)
class PricedLine:
    description: str
    hsn_sac: str | None
    uqc: str
    service_type_id: uuid.UUID | None
    engine: LineInput


class InvoiceService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.principal = principal
        self.invoices = InvoiceRepository(session)
        self.audit = AuditService(session, request, principal.user_id)

    # -- reading ---------------------------------------------------------------------------

    async def get(self, invoice_id: uuid.UUID) -> Invoice:
        return await self.invoices.get_with_lines(invoice_id)

    async def search(self, params: PageParams, filters: InvoiceFilters) -> Page[Invoice]:
        return await self.invoices.paginate(self.invoices.filtered(filters, today_ist()), params)

    # -- drafts ------------------------------------------------------------------------------

    async def create(self, data: InvoiceCreate) -> Invoice:
        invoice = Invoice(created_by=self.principal.user_id, status=InvoiceStatus.DRAFT)
        invoice.lines = []
        context = await self._apply(invoice, data.model_dump(exclude_unset=True), data.lines)
        await self.invoices.add(invoice)
        created = self.audit.created("invoice", invoice)
        if data.issue:
            # Priced a moment ago in this transaction: no re-read, no repricing needed.
            return await self._number(invoice, created, context.series)
        return invoice

    async def update(self, invoice_id: uuid.UUID, data: InvoiceUpdate) -> Invoice:
        invoice = await self.invoices.get_with_lines(invoice_id, for_update=True)
        self._require_draft(invoice)
        before = snapshot(invoice)
        values = data.model_dump(exclude_unset=True)
        await self._apply(invoice, values, data.lines)
        invoice.version += 1
        await self.session.flush()
        self.audit.updated("invoice", invoice, before)
        return invoice

    async def delete(self, invoice_id: uuid.UUID) -> None:
        invoice = await self.invoices.get_with_lines(invoice_id, for_update=True)
        self._require_draft(invoice)
        self.audit.deleted("invoice", invoice)
        await self.invoices.delete(invoice)

    def _require_draft(self, invoice: Invoice) -> None:
        if invoice.status != InvoiceStatus.DRAFT:
            raise Conflict(NOT_DRAFT)

    async def _apply(
        self, invoice: Invoice, values: dict[str, Any], lines: list[InvoiceLineIn] | None
    ) -> PricingContext:
        """Merge the header fields, reprice every line, refresh the parties' snapshot.
        Returns what it read (issuing numbers with its series)."""
        invoice.invoice_date = values.get("invoice_date") or invoice.invoice_date or today_ist()
        company_id = values.get("company_id", invoice.company_id)
        context = await self.invoices.pricing_context(
            values.get("customer_id", invoice.customer_id), company_id, invoice.invoice_date
        )
        customer = context.customer
        if customer is None or customer.archived_at is not None:
            raise ValidationFailed("No active customer with this id.", field="customer_id")
        company = _require_company(context.company, company_id)
        settings = context.settings or default_gst_settings()
        invoice.customer_id, invoice.company_id = customer.id, company.id
        for name in ("notes", "terms", "lut_reference", "is_reverse_charge", "zero_rated_mode"):
            if name in values:
                setattr(invoice, name, values[name])
        if "place_of_supply" in values or invoice.place_of_supply is None:
            invoice.place_of_supply = values.get("place_of_supply") or default_place(customer)
        invoice.due_date = self._due_date(invoice, values, customer, company)
        if lines is not None:
            priced = await self._price_lines(lines, invoice.invoice_date, settings, context.rates)
        else:
            priced = [_from_stored(line) for line in invoice.lines]
        result = self._compute(invoice, priced, company, customer, settings)
        _store_totals(invoice, result, settings)
        rows = [
            _line_row(p, r, i) for i, (p, r) in enumerate(zip(priced, result.lines, strict=True), 1)
        ]
        if lines is None:  # same lines, fresh amounts
            for stored, fresh in zip(invoice.lines, rows, strict=True):
                _copy_amounts(fresh, stored)
        elif invoice not in self.session:  # a new invoice: the lines follow it on insert
            invoice.lines = rows
        else:
            await self.invoices.replace_lines(invoice, rows)
        endorsement = result.endorsement
        if settings.registration_type == RegistrationType.COMPOSITION:
            endorsement = ENDORSEMENT_COMPOSITION
        invoice.billing_snapshot = {
            **parties_snapshot(company, customer),
            "endorsement": endorsement,
        }
        return context

    def _due_date(
        self, invoice: Invoice, values: dict[str, Any], customer: Customer, company: Company
    ) -> date:
        if values.get("due_date"):
            due: date = values["due_date"]
        elif invoice.due_date is not None and "invoice_date" not in values:
            due = invoice.due_date
        else:
            days = customer.default_due_days
            days = company.default_due_days if days is None else days
            due = invoice.invoice_date + timedelta(days=days)
        if due < invoice.invoice_date:
            raise ValidationFailed("The due date is before the invoice date.", field="due_date")
        return due

    async def _price_lines(
        self,
        lines: list[InvoiceLineIn],
        on: date,
        settings: GstSettings,
        rates: frozenset[Decimal],
    ) -> list[PricedLine]:
        """Fill lines from their service types (one query) and check rates and HSN codes."""
        wanted = {line.service_type_id for line in lines if line.service_type_id}
        services: dict[uuid.UUID, ServiceType] = {}
        if wanted:
            repository = ServiceTypeRepository(self.session)
            rows = await self.session.execute(repository.select().where(ServiceType.id.in_(wanted)))
            services = {s.id: s for s in rows.scalars()}
        bill_of_supply = settings.registration_type != RegistrationType.REGULAR
        priced = []
        for index, line in enumerate(lines, 1):
            where = f"body.lines.{index - 1}"
            service = services.get(line.service_type_id) if line.service_type_id else None
            if line.service_type_id and service is None:
                raise ValidationFailed(
                    "No service type with this id.", field=f"{where}.service_type_id"
                )
            gst_rate = _pick(line.gst_rate, service and service.default_gst_rate)
            unit_price = _pick(line.unit_price, service and service.default_unit_price)
            if unit_price is None:
                raise ValidationFailed("Give the unit price.", field=f"{where}.unit_price")
            if gst_rate is None or (not bill_of_supply and gst_rate not in rates):
                raise ValidationFailed(
                    f"{gst_rate}% is not a GST rate in force on {on.isoformat()}.",
                    field=f"{where}.gst_rate",
                )
            hsn = line.hsn_sac or (service.hsn_sac_code if service else None)
            if not bill_of_supply:
                hsn = self._check_hsn(hsn, settings.hsn_digits_required, where)
            priced.append(
                PricedLine(
                    description=line.description or (service.name if service else ""),
                    hsn_sac=hsn,
                    uqc=line.uqc or (service.unit if service else "NOS"),
                    service_type_id=line.service_type_id,
                    engine=LineInput(
                        quantity=line.quantity,
                        unit_price=unit_price,
                        gst_rate=gst_rate,
                        cess_rate=_pick(line.cess_rate, service and service.cess_rate)
                        or Decimal("0"),
                        discount_type=line.discount_type,
                        discount_value=line.discount_value,
                    ),
                )
            )
        return priced

    def _check_hsn(self, code: str | None, digits: int, where: str) -> str:
        if not code:
            raise ValidationFailed("An HSN or SAC code is required.", field=f"{where}.hsn_sac")
        try:
            return gst.validate_hsn_sac(code, min_digits=digits)
        except ValueError as exc:
            raise ValidationFailed(str(exc), field=f"{where}.hsn_sac") from exc

    def _compute(
        self,
        invoice: Invoice,
        priced: list[PricedLine],
        company: Company,
        customer: Customer,
        settings: GstSettings,
    ) -> DocumentResult:
        context = SupplyContext(
            supplier_state=company.state_code,
            place_of_supply=invoice.place_of_supply,
            customer_is_sez=customer.gst_treatment == GstTreatment.SEZ,
            zero_rated_mode=ZeroRatedMode(invoice.zero_rated_mode or ZeroRatedMode.NONE),
            is_export=customer.gst_treatment == GstTreatment.OVERSEAS
            or invoice.place_of_supply == EXPORT_STATE,
            bill_of_supply=settings.registration_type != RegistrationType.REGULAR,
            reverse_charge=bool(invoice.is_reverse_charge),
            apply_round_off=settings.apply_round_off,
        )
        try:
            return compute_document([p.engine for p in priced], context)
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="body.lines") from exc

    # -- issue and void ----------------------------------------------------------------------

    async def issue(self, invoice_id: uuid.UUID) -> Invoice:
        invoice = await self.invoices.get_with_lines(invoice_id, for_update=True)
        self._require_draft(invoice)
        before = snapshot(invoice)
        context = await self._apply(invoice, {}, None)  # reprice: today's customer, company
        return await self._number(invoice, before, context.series)

    async def _number(
        self,
        invoice: Invoice,
        before: dict[str, Any],
        series: DocumentSeries | None,
    ) -> Invoice:
        """Issue a priced draft: the number comes last, so its counter lock is held briefly."""
        await enforce_free_tier(self.session, self.principal.plan, "invoices", today_ist())
        taken = await take_number(
            self.session, invoice.company_id, DocumentType.INVOICE, invoice.invoice_date, series
        )
        invoice.series_id, invoice.financial_year = taken.series_id, taken.financial_year
        invoice.sequence_number, invoice.number = taken.sequence, taken.number
        invoice.status, invoice.issued_at = InvoiceStatus.ISSUED, utcnow()
        invoice.version += 1
        await self.session.flush()
        self.audit.updated("invoice", invoice, before)
        self.audit.record("invoice.issued", "invoice", invoice.id, {"number": invoice.number})
        return invoice

    async def void(self, invoice_id: uuid.UUID, reason: str) -> Invoice:
        invoice = await self.invoices.get_with_lines(invoice_id, for_update=True)
        if invoice.status not in OPEN_STATUSES:
            raise Conflict(f"A {invoice.status} invoice cannot be voided.")
        if invoice.amount_paid > 0 or invoice.amount_credited > 0:
            raise Conflict("Payments or credit notes are applied; reverse them first.")
        before = snapshot(invoice)
        invoice.status, invoice.void_reason, invoice.voided_at = (
            InvoiceStatus.VOID,
            reason,
            utcnow(),
        )
        invoice.amount_due = Decimal("0.00")
        invoice.version += 1
        await self.session.flush()
        self.audit.updated("invoice", invoice, before)
        return invoice

    # -- sending -----------------------------------------------------------------------------

    async def send(
        self, invoice_id: uuid.UUID, to: list[str] | None, message: str | None
    ) -> tuple[list[str], int]:
        """Queue delivery (the job renders the PDF and emails it); returns recipients, job."""
        invoice = await self.invoices.get_or_404(invoice_id)
        if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID):
            raise Conflict(f"A {invoice.status} invoice cannot be sent; issue it first.")
        sender = await UserRepository(self.session).get_or_404(self.principal.user_id)
        if sender.email_verified_at is None:
            raise Forbidden("Verify your email address before sending invoices.")
        customer = await CustomerRepository(self.session).get_or_404(invoice.customer_id)
        recipients = [a.lower() for a in to] if to else _customer_addresses(customer)
        if not recipients:
            raise ValidationFailed("The customer has no email address; give 'to'.", field="to")
        job_id = await enqueue(
            self.session,
            SEND_INVOICE,
            {
                "tenant_id": str(invoice.tenant_id),
                "invoice_id": str(invoice.id),
                "recipients": recipients,
                "message": message,
                "requested_by": str(self.principal.user_id),
            },
            queue="email",
        )
        self.audit.record("invoice.send_requested", "invoice", invoice.id, {"to": recipients})
        return recipients, job_id


def _require_company(company: Company | None, company_id: uuid.UUID | None) -> Company:
    if company is None:
        raise ValidationFailed(
            "Add a company (your GSTIN and address) before invoicing."
            if company_id is None
            else "No company with this id.",
            field="company_id",
        )
    return company


def _pick(given: Any, fallback: Any) -> Any:
    return given if given is not None else fallback


def default_place(customer: Customer) -> str:
    """Registered buyer: the GSTIN's state; otherwise the billing state; export: 96."""
    if customer.gst_treatment == GstTreatment.OVERSEAS:
        return EXPORT_STATE
    if customer.gstin:
        return gst.gstin_state_code(customer.gstin)
    return customer.state_code


def _customer_addresses(customer: Customer) -> list[str]:
    addresses = [customer.email] if customer.email else []
    addresses += [a for a in customer.cc_emails or [] if a not in addresses]
    return addresses


def _from_stored(line: InvoiceLineItem) -> PricedLine:
    return PricedLine(
        description=line.description,
        hsn_sac=line.hsn_sac,
        uqc=line.uqc,
        service_type_id=line.service_type_id,
        engine=LineInput(
            quantity=line.quantity,
            unit_price=line.unit_price,
            gst_rate=line.gst_rate,
            cess_rate=line.cess_rate,
            discount_type=line.discount_type,  # type: ignore[arg-type]
            discount_value=line.discount_value,
        ),
    )


# The rates stored on a line are the ones entered (an LUT export computes 0% but keeps
# 18% on the line, for GSTR-1 and for repricing later); the amounts are the engine's.
AMOUNT_FIELDS = (*LINE_TAX_FIELDS, "discount_amount")


def _line_row(priced: PricedLine, result: Any, position: int) -> InvoiceLineItem:
    return InvoiceLineItem(
        position=position,
        service_type_id=priced.service_type_id,
        description=priced.description,
        hsn_sac=priced.hsn_sac,
        uqc=priced.uqc,
        quantity=priced.engine.quantity,
        unit_price=priced.engine.unit_price,
        discount_type=priced.engine.discount_type,
        discount_value=priced.engine.discount_value,
        gst_rate=priced.engine.gst_rate,
        cess_rate=priced.engine.cess_rate,
        **{name: getattr(result, name) for name in AMOUNT_FIELDS},
    )


def _copy_amounts(source: InvoiceLineItem, target: InvoiceLineItem) -> None:
    for name in AMOUNT_FIELDS:
        setattr(target, name, getattr(source, name))


def _store_totals(invoice: Invoice, result: DocumentResult, settings: GstSettings) -> None:
    for name in HEADER_FIELDS:
        setattr(invoice, name, getattr(result, name))
    invoice.kind = (
        InvoiceKind.BILL_OF_SUPPLY
        if settings.registration_type != RegistrationType.REGULAR
        else InvoiceKind.TAX_INVOICE
    )
    invoice.amount_paid = invoice.amount_paid or Decimal("0.00")
    invoice.amount_credited = invoice.amount_credited or Decimal("0.00")
    settled = invoice.amount_paid + invoice.amount_credited
    invoice.amount_due = max(result.amount_payable - settled, Decimal("0.00"))


def parties_snapshot(company: Company, customer: Customer) -> dict[str, Any]:
    """Supplier and buyer as printed: frozen on issue, whatever changes later."""
    return {
        "supplier": {
            "name": company.trade_name or company.legal_name,
            "legal_name": company.legal_name,
            "gstin": company.gstin,
            "pan": company.pan,
            "state_code": company.state_code,
            "address_lines": _lines(
                company.address_line1, company.address_line2, company.city, company.pincode
            ),
            "email": company.email,
            "phone": company.phone,
            "bank": {
                "Bank": company.bank_name,
                "Account name": company.bank_account_name,
                "Account no.": company.bank_account_number,
                "IFSC": company.bank_ifsc,
                "Branch": company.bank_branch,
            },
            "upi_vpa": company.upi_vpa,
            "logo_url": company.logo_url,
            "accent_colour": company.accent_colour,
            "terms": company.invoice_terms,
        },
        "buyer": {
            "name": customer.name,
            "legal_name": customer.legal_name,
            "gstin": customer.gstin,
            "pan": customer.pan,
            "state_code": customer.state_code,
            "address_lines": _lines(
                customer.billing_address_line1,
                customer.billing_address_line2,
                customer.billing_city,
                customer.billing_pincode,
            ),
            "email": customer.email,
            "phone": customer.phone,
            "gst_treatment": customer.gst_treatment,
        },
    }


def _lines(*parts: str | None) -> list[str]:
    return [part for part in parts if part]
