"""Credit notes (GST s.34) against one issued invoice, and their lines."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TenantOwned, non_negative, one_of, tenant_fk
from app.models.enums import CreditNoteReason, CreditNoteStatus
from app.models.invoice import DocumentTotals, LineTaxes, document_checks, line_checks


class CreditNote(DocumentTotals, TenantOwned, Base):
    __tablename__ = "credit_notes"
    __table_args__ = (
        tenant_fk("company_id", "companies"),
        tenant_fk("customer_id", "customers"),
        tenant_fk("invoice_id", "invoices"),
        tenant_fk("series_id", "document_series"),
        tenant_fk("created_by", "users"),
        one_of("status", CreditNoteStatus, "status_known"),
        one_of("reason", CreditNoteReason, "reason_known"),
        *document_checks(),
        *non_negative("amount_applied", "amount_refundable"),
        CheckConstraint(
            "status = 'draft' OR (number IS NOT NULL AND series_id IS NOT NULL"
            " AND financial_year IS NOT NULL AND sequence_number IS NOT NULL)",
            name="issued_has_number",
        ),
        CheckConstraint("number IS NULL OR length(number) <= 16", name="number_length"),
        CheckConstraint("status <> 'void' OR void_reason IS NOT NULL", name="void_has_reason"),
        UniqueConstraint(
            "tenant_id",
            "company_id",
            "financial_year",
            "number",
            name="uq_credit_notes_company_fy_number",
        ),
        UniqueConstraint(
            "tenant_id",
            "series_id",
            "financial_year",
            "sequence_number",
            name="uq_credit_notes_series_fy_sequence",
        ),
        Index("ix_credit_notes_tenant_id_invoice_id", "tenant_id", "invoice_id"),
        Index("ix_credit_notes_tenant_id_customer_id", "tenant_id", "customer_id"),
        Index(
            "ix_credit_notes_tenant_id_company_id_note_date",
            "tenant_id",
            "company_id",
            "credit_note_date",
        ),
        Index("ix_credit_notes_tenant_id_series_id", "tenant_id", "series_id"),
        Index("ix_credit_notes_tenant_id_created_by", "tenant_id", "created_by"),
        Index("ix_credit_notes_tenant_id_note_date_id", "tenant_id", "credit_note_date", "id"),
    )

    company_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    invoice_id: Mapped[uuid.UUID]
    series_id: Mapped[uuid.UUID | None]
    financial_year: Mapped[str | None]
    sequence_number: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None]
    status: Mapped[str] = mapped_column(server_default=CreditNoteStatus.DRAFT.value)
    credit_note_date: Mapped[date]
    reason: Mapped[str]
    reason_note: Mapped[str | None]
    place_of_supply: Mapped[str]
    supply_type: Mapped[str]
    is_reverse_charge: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # How much of the grand total reduced the invoice's amount due, and how much was left
    # over (the invoice was already paid) as the customer's credit balance.
    amount_applied: Mapped[Decimal] = mapped_column(server_default=text("0"))
    amount_refundable: Mapped[Decimal] = mapped_column(server_default=text("0"))
    created_by: Mapped[uuid.UUID | None]
    issued_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None]
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))

    lines: Mapped[list[CreditNoteLineItem]] = relationship(
        lazy="raise",
        order_by="CreditNoteLineItem.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        overlaps="tenant_id",
    )


class CreditNoteLineItem(LineTaxes, TenantOwned, Base):
    __tablename__ = "credit_note_line_items"
    __table_args__ = (
        tenant_fk("credit_note_id", "credit_notes", ondelete="CASCADE"),
        tenant_fk("invoice_line_item_id", "invoice_line_items"),
        *line_checks(),
        UniqueConstraint(
            "tenant_id", "credit_note_id", "position", name="uq_credit_note_line_items_position"
        ),
        Index(
            "ix_credit_note_line_items_tenant_id_invoice_line_item_id",
            "tenant_id",
            "invoice_line_item_id",
        ),
    )

    credit_note_id: Mapped[uuid.UUID]
    invoice_line_item_id: Mapped[uuid.UUID]
    position: Mapped[int] = mapped_column(Integer)


class CreditNoteApplication(TenantOwned, Base):
    """Credit from a note set against an invoice of the same customer (its own invoice at
    issue, another one later); it lowers that invoice's amount due."""

    __tablename__ = "credit_note_applications"
    __table_args__ = (
        tenant_fk("credit_note_id", "credit_notes", ondelete="CASCADE"),
        tenant_fk("invoice_id", "invoices"),
        tenant_fk("created_by", "users"),
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint(
            "tenant_id", "credit_note_id", "invoice_id", name="uq_credit_note_applications_pair"
        ),
        Index("ix_credit_note_applications_tenant_id_invoice_id", "tenant_id", "invoice_id"),
        Index("ix_credit_note_applications_tenant_id_created_by", "tenant_id", "created_by"),
    )

    credit_note_id: Mapped[uuid.UUID]
    invoice_id: Mapped[uuid.UUID]
    amount: Mapped[Decimal]
    created_by: Mapped[uuid.UUID | None]
