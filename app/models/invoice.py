"""Invoices and their lines. Totals are stored (and frozen on issue), never recomputed on read."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import (
    QUANTITY,
    RATE,
    UNIT_PRICE,
    Base,
    TenantOwned,
    non_negative,
    one_of,
    tenant_fk,
)
from app.models.enums import DiscountType, InvoiceKind, InvoiceStatus, SupplyType, ZeroRatedMode

TOTAL_COLUMNS = (
    "subtotal",
    "discount_total",
    "taxable_total",
    "cgst_total",
    "sgst_total",
    "utgst_total",
    "igst_total",
    "cess_total",
    "grand_total",
)


class DocumentTotals:
    """Header totals shared by invoices and credit notes."""

    subtotal: Mapped[Decimal] = mapped_column(server_default=text("0"))
    discount_total: Mapped[Decimal] = mapped_column(server_default=text("0"))
    taxable_total: Mapped[Decimal] = mapped_column(server_default=text("0"))
    cgst_total: Mapped[Decimal] = mapped_column(server_default=text("0"))
    sgst_total: Mapped[Decimal] = mapped_column(server_default=text("0"))
    utgst_total: Mapped[Decimal] = mapped_column(server_default=text("0"))
    igst_total: Mapped[Decimal] = mapped_column(server_default=text("0"))
    cess_total: Mapped[Decimal] = mapped_column(server_default=text("0"))
    round_off: Mapped[Decimal] = mapped_column(server_default=text("0"))
    grand_total: Mapped[Decimal] = mapped_column(server_default=text("0"))
    amount_in_words: Mapped[str | None]


class LineTaxes:
    """Per-line tax columns shared by invoice and credit-note lines."""

    description: Mapped[str]
    hsn_sac: Mapped[str | None]
    uqc: Mapped[str] = mapped_column(server_default="NOS")
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit_price: Mapped[Decimal] = mapped_column(UNIT_PRICE)
    taxable_value: Mapped[Decimal]
    gst_rate: Mapped[Decimal] = mapped_column(RATE)
    cess_rate: Mapped[Decimal] = mapped_column(RATE, server_default=text("0"))
    cgst_amount: Mapped[Decimal] = mapped_column(server_default=text("0"))
    sgst_amount: Mapped[Decimal] = mapped_column(server_default=text("0"))
    utgst_amount: Mapped[Decimal] = mapped_column(server_default=text("0"))
    igst_amount: Mapped[Decimal] = mapped_column(server_default=text("0"))
    cess_amount: Mapped[Decimal] = mapped_column(server_default=text("0"))
    line_total: Mapped[Decimal]


def line_checks() -> list[CheckConstraint]:
    return [
        *non_negative(
            "quantity",
            "unit_price",
            "taxable_value",
            "gst_rate",
            "cess_rate",
            "cgst_amount",
            "sgst_amount",
            "utgst_amount",
            "igst_amount",
            "cess_amount",
            "line_total",
        ),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("hsn_sac IS NULL OR hsn_sac ~ '^[0-9]{4,8}$'", name="hsn_sac_format"),
    ]


def document_checks() -> list[CheckConstraint]:
    return [
        *non_negative(*TOTAL_COLUMNS),
        CheckConstraint("round_off > -1 AND round_off < 1", name="round_off_range"),
        CheckConstraint("place_of_supply ~ '^[0-9]{2}$'", name="place_of_supply_format"),
        one_of("supply_type", SupplyType, "supply_type_known"),
    ]


class Invoice(DocumentTotals, TenantOwned, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        tenant_fk("company_id", "companies"),
        tenant_fk("customer_id", "customers"),
        tenant_fk("series_id", "document_series"),
        tenant_fk("created_by", "users"),
        one_of("status", InvoiceStatus, "status_known"),
        one_of("kind", InvoiceKind, "kind_known"),
        one_of("zero_rated_mode", ZeroRatedMode, "zero_rated_mode_known"),
        *document_checks(),
        *non_negative("amount_paid", "amount_credited", "amount_due"),
        CheckConstraint(
            "status = 'draft' OR (number IS NOT NULL AND series_id IS NOT NULL"
            " AND financial_year IS NOT NULL AND sequence_number IS NOT NULL)",
            name="issued_has_number",
        ),
        CheckConstraint("number IS NULL OR length(number) <= 16", name="number_length"),
        CheckConstraint("due_date IS NULL OR due_date >= invoice_date", name="due_after_date"),
        CheckConstraint("status <> 'void' OR void_reason IS NOT NULL", name="void_has_reason"),
        UniqueConstraint(
            "tenant_id",
            "company_id",
            "financial_year",
            "number",
            name="uq_invoices_company_fy_number",
        ),
        UniqueConstraint(
            "tenant_id",
            "series_id",
            "financial_year",
            "sequence_number",
            name="uq_invoices_series_fy_sequence",
        ),
        Index("ix_invoices_tenant_id_customer_id", "tenant_id", "customer_id"),
        Index(
            "ix_invoices_tenant_id_company_id_invoice_date",
            "tenant_id",
            "company_id",
            "invoice_date",
        ),
        # Receivables (aging, outstanding, top customers) read only open invoices.
        Index(
            "ix_invoices_open_by_customer",
            "tenant_id",
            "customer_id",
            postgresql_include=["amount_due", "due_date", "invoice_date", "company_id"],
            postgresql_where=text("status IN ('issued', 'partially_paid') AND amount_due > 0"),
        ),
        Index("ix_invoices_tenant_id_series_id", "tenant_id", "series_id"),
        Index("ix_invoices_tenant_id_created_by", "tenant_id", "created_by"),
        Index("ix_invoices_tenant_id_status_due_date", "tenant_id", "status", "due_date"),
        Index("ix_invoices_tenant_id_invoice_date_id", "tenant_id", "invoice_date", "id"),
        Index(
            "ix_invoices_tenant_id_status_invoice_date_id",
            "tenant_id",
            "status",
            "invoice_date",
            "id",
        ),
        Index("ix_invoices_tenant_id_number", "tenant_id", "number"),
    )

    company_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    series_id: Mapped[uuid.UUID | None]
    financial_year: Mapped[str | None]
    sequence_number: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None]
    kind: Mapped[str] = mapped_column(server_default=InvoiceKind.TAX_INVOICE.value)
    status: Mapped[str] = mapped_column(server_default=InvoiceStatus.DRAFT.value)
    invoice_date: Mapped[date]
    due_date: Mapped[date | None]
    place_of_supply: Mapped[str]
    supply_type: Mapped[str]
    zero_rated_mode: Mapped[str] = mapped_column(server_default=ZeroRatedMode.NONE.value)
    lut_reference: Mapped[str | None]
    is_reverse_charge: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # The buyer as printed on the invoice, frozen on issue (the customer may change later).
    billing_snapshot: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    amount_paid: Mapped[Decimal] = mapped_column(server_default=text("0"))
    amount_credited: Mapped[Decimal] = mapped_column(server_default=text("0"))
    amount_due: Mapped[Decimal] = mapped_column(server_default=text("0"))
    notes: Mapped[str | None]
    terms: Mapped[str | None]
    created_by: Mapped[uuid.UUID | None]
    issued_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None]
    sent_at: Mapped[datetime | None]
    sent_to: Mapped[list[Any] | None]
    # Bumped on every change: the PDF cache and ETag key off it.
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))

    lines: Mapped[list[InvoiceLineItem]] = relationship(
        lazy="raise",
        order_by="InvoiceLineItem.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        overlaps="tenant_id",
    )

    @property
    def customer_name(self) -> str:
        """The buyer's name as printed (lists read it alone, see ``LISTED``)."""
        return str((self.billing_snapshot or {}).get("buyer", {}).get("name", ""))


class InvoiceLineItem(LineTaxes, TenantOwned, Base):
    __tablename__ = "invoice_line_items"
    __table_args__ = (
        tenant_fk("invoice_id", "invoices", ondelete="CASCADE"),
        tenant_fk("service_type_id", "service_types"),
        one_of("discount_type", DiscountType, "discount_type_known"),
        *line_checks(),
        *non_negative("discount_value", "discount_amount"),
        UniqueConstraint(
            "tenant_id", "invoice_id", "position", name="uq_invoice_line_items_position"
        ),
        Index("ix_invoice_line_items_tenant_id_service_type_id", "tenant_id", "service_type_id"),
        Index("ix_invoice_line_items_tenant_id_hsn_sac", "tenant_id", "hsn_sac"),
    )

    invoice_id: Mapped[uuid.UUID]
    position: Mapped[int] = mapped_column(Integer)
    service_type_id: Mapped[uuid.UUID | None]
    discount_type: Mapped[str] = mapped_column(server_default=DiscountType.AMOUNT.value)
    discount_value: Mapped[Decimal] = mapped_column(UNIT_PRICE, server_default=text("0"))
    discount_amount: Mapped[Decimal] = mapped_column(server_default=text("0"))


class InvoiceReminder(TenantOwned, Base):
    """A payment reminder sent for an invoice: one row per stage, so each goes out once."""

    __tablename__ = "invoice_reminders"
    __table_args__ = (
        tenant_fk("invoice_id", "invoices", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "invoice_id", "stage", name="uq_invoice_reminders_stage"),
    )

    invoice_id: Mapped[uuid.UUID]
    stage: Mapped[str]
    sent_to: Mapped[list[Any] | None]
