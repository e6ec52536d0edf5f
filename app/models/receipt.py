"""Payments received (with TDS) and their allocation to invoices."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TenantOwned, non_negative, one_of, tenant_fk
from app.models.enums import PaymentMode


class Receipt(TenantOwned, Base):
    """Money received. ``amount + tds_amount`` is the value that settles invoices."""

    __tablename__ = "receipts"
    __table_args__ = (
        tenant_fk("company_id", "companies"),
        tenant_fk("customer_id", "customers"),
        tenant_fk("series_id", "document_series"),
        tenant_fk("created_by", "users"),
        one_of("mode", PaymentMode, "mode_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        *non_negative("tds_amount", "amount_allocated", "amount_refunded"),
        CheckConstraint(
            "amount_allocated + amount_refunded <= amount + tds_amount", name="not_over_allocated"
        ),
        CheckConstraint("tds_amount = 0 OR tds_section IS NOT NULL", name="tds_has_section"),
        UniqueConstraint(
            "tenant_id",
            "series_id",
            "financial_year",
            "sequence_number",
            name="uq_receipts_series_fy_sequence",
        ),
        UniqueConstraint(
            "tenant_id",
            "company_id",
            "financial_year",
            "number",
            name="uq_receipts_company_fy_number",
        ),
        Index(
            "ix_receipts_tenant_id_customer_id_receipt_date",
            "tenant_id",
            "customer_id",
            "receipt_date",
        ),
        Index(
            "ix_receipts_tenant_id_company_id_receipt_date",
            "tenant_id",
            "company_id",
            "receipt_date",
        ),
        Index("ix_receipts_tenant_id_series_id", "tenant_id", "series_id"),
        Index("ix_receipts_tenant_id_created_by", "tenant_id", "created_by"),
        Index("ix_receipts_tenant_id_receipt_date_id", "tenant_id", "receipt_date", "id"),
        Index("ix_receipts_tenant_id_reference", "tenant_id", "reference"),
    )

    company_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    series_id: Mapped[uuid.UUID]
    financial_year: Mapped[str]
    sequence_number: Mapped[int] = mapped_column(Integer)
    number: Mapped[str]
    receipt_date: Mapped[date]
    amount: Mapped[Decimal]
    tds_amount: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    tds_section: Mapped[str | None]
    mode: Mapped[str]
    reference: Mapped[str | None]
    notes: Mapped[str | None]
    amount_allocated: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    amount_refunded: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    created_by: Mapped[uuid.UUID | None]
    deleted_at: Mapped[datetime | None]

    allocations: Mapped[list[ReceiptAllocation]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True, overlaps="tenant_id"
    )


class ReceiptAllocation(TenantOwned, Base):
    __tablename__ = "receipt_allocations"
    __table_args__ = (
        tenant_fk("receipt_id", "receipts", ondelete="CASCADE"),
        tenant_fk("invoice_id", "invoices"),
        tenant_fk("created_by", "users"),
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint(
            "tenant_id", "receipt_id", "invoice_id", name="uq_receipt_allocations_receipt_invoice"
        ),
        Index("ix_receipt_allocations_tenant_id_invoice_id", "tenant_id", "invoice_id"),
        Index("ix_receipt_allocations_tenant_id_created_by", "tenant_id", "created_by"),
    )

    receipt_id: Mapped[uuid.UUID]
    invoice_id: Mapped[uuid.UUID]
    amount: Mapped[Decimal]
    created_by: Mapped[uuid.UUID | None]
