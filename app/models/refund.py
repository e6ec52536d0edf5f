"""Money paid back to a customer: an unused advance (receipt) or credit (credit note)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index
from sqlalchemy.orm import Mapped

from app.models.base import Base, TenantOwned, one_of, tenant_fk
from app.models.enums import PaymentMode


class Refund(TenantOwned, Base):
    __tablename__ = "refunds"
    __table_args__ = (
        tenant_fk("customer_id", "customers"),
        tenant_fk("company_id", "companies"),
        tenant_fk("credit_note_id", "credit_notes"),
        tenant_fk("receipt_id", "receipts"),
        tenant_fk("created_by", "users"),
        one_of("mode", PaymentMode, "mode_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "(credit_note_id IS NULL) <> (receipt_id IS NULL)", name="exactly_one_source"
        ),
        Index(
            "ix_refunds_tenant_id_customer_id_refund_date",
            "tenant_id",
            "customer_id",
            "refund_date",
        ),
        Index("ix_refunds_tenant_id_company_id", "tenant_id", "company_id"),
        Index("ix_refunds_tenant_id_refund_date", "tenant_id", "refund_date"),
        Index("ix_refunds_tenant_id_credit_note_id", "tenant_id", "credit_note_id"),
        Index("ix_refunds_tenant_id_receipt_id", "tenant_id", "receipt_id"),
        Index("ix_refunds_tenant_id_created_by", "tenant_id", "created_by"),
    )

    customer_id: Mapped[uuid.UUID]
    company_id: Mapped[uuid.UUID]
    credit_note_id: Mapped[uuid.UUID | None]
    receipt_id: Mapped[uuid.UUID | None]
    refund_date: Mapped[date]
    amount: Mapped[Decimal]
    mode: Mapped[str]
    reference: Mapped[str | None]
    notes: Mapped[str | None]
    created_by: Mapped[uuid.UUID | None]
    deleted_at: Mapped[datetime | None]
