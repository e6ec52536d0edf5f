"""The tenant's customers (buyers on its invoices)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TenantOwned, one_of, tenant_fk
from app.models.enums import GstTreatment


class Customer(TenantOwned, Base):
    __tablename__ = "customers"
    __table_args__ = (
        tenant_fk("client_type_id", "client_types"),
        tenant_fk("account_manager_id", "account_managers"),
        one_of("gst_treatment", GstTreatment, "gst_treatment_known"),
        UniqueConstraint("tenant_id", "code", name="uq_customers_tenant_id_code"),
        Index(
            "uq_customers_tenant_id_email",
            "tenant_id",
            func.lower(text("email")),
            unique=True,
            postgresql_where=text("archived_at IS NULL"),
        ),
        CheckConstraint("state_code ~ '^[0-9]{2}$'", name="state_code_format"),
        CheckConstraint(
            "gstin IS NULL OR substr(gstin, 1, 2) = state_code"
            " OR (substr(gstin, 1, 2) = '25' AND state_code = '26')",
            name="gstin_matches_state",
        ),
        CheckConstraint("default_due_days BETWEEN 0 AND 365", name="default_due_days_range"),
        CheckConstraint("credit_limit IS NULL OR credit_limit >= 0", name="credit_limit_ge_0"),
        Index("ix_customers_tenant_id_name", "tenant_id", func.lower(text("name"))),
        Index("ix_customers_tenant_id_gstin", "tenant_id", "gstin"),
        Index("ix_customers_tenant_id_client_type_id", "tenant_id", "client_type_id"),
        Index("ix_customers_tenant_id_account_manager_id", "tenant_id", "account_manager_id"),
        Index("ix_customers_tenant_id_state_code", "tenant_id", "state_code"),
    )

    code: Mapped[str]
    name: Mapped[str]
    legal_name: Mapped[str | None]
    contact_person: Mapped[str | None]
    email: Mapped[str | None]
    cc_emails: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"))
    phone: Mapped[str | None]
    gst_treatment: Mapped[str] = mapped_column(server_default=GstTreatment.UNREGISTERED.value)
    gstin: Mapped[str | None]
    pan: Mapped[str | None]
    state_code: Mapped[str]
    country_code: Mapped[str] = mapped_column(server_default="IN")
    billing_address_line1: Mapped[str | None]
    billing_address_line2: Mapped[str | None]
    billing_city: Mapped[str | None]
    billing_pincode: Mapped[str | None]
    shipping_address_line1: Mapped[str | None]
    shipping_address_line2: Mapped[str | None]
    shipping_city: Mapped[str | None]
    shipping_pincode: Mapped[str | None]
    shipping_state_code: Mapped[str | None]
    client_type_id: Mapped[uuid.UUID | None]
    account_manager_id: Mapped[uuid.UUID | None]
    default_due_days: Mapped[int | None] = mapped_column(Integer)
    credit_limit: Mapped[Decimal | None]
    exclude_from_reminders: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    notes: Mapped[str | None]
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    archived_at: Mapped[datetime | None]
