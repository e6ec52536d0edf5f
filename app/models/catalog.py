"""Per-tenant master data: client types, account managers, service types, GST settings, rates."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import RATE, UNIT_PRICE, Base, TenantOwned, one_of, tenant_fk
from app.models.enums import RegistrationType


class ClientType(TenantOwned, Base):
    __tablename__ = "client_types"
    __table_args__ = (
        Index("uq_client_types_tenant_id_name", "tenant_id", func.lower(text("name")), unique=True),
    )

    name: Mapped[str]
    description: Mapped[str | None]


class AccountManager(TenantOwned, Base):
    __tablename__ = "account_managers"
    __table_args__ = (
        tenant_fk("user_id", "users"),
        Index(
            "uq_account_managers_tenant_id_email",
            "tenant_id",
            func.lower(text("email")),
            unique=True,
        ),
        Index("ix_account_managers_tenant_id_user_id", "tenant_id", "user_id"),
    )

    name: Mapped[str]
    email: Mapped[str | None]
    phone: Mapped[str | None]
    user_id: Mapped[uuid.UUID | None]
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class ServiceType(TenantOwned, Base):
    """A product or service the tenant sells: carries its HSN/SAC code and default GST rate."""

    __tablename__ = "service_types"
    __table_args__ = (
        Index(
            "uq_service_types_tenant_id_name", "tenant_id", func.lower(text("name")), unique=True
        ),
        CheckConstraint("hsn_sac_code ~ '^[0-9]{4,8}$'", name="hsn_sac_code_format"),
        CheckConstraint("default_gst_rate >= 0 AND default_gst_rate <= 100", name="gst_rate_range"),
        CheckConstraint("cess_rate >= 0 AND cess_rate <= 400", name="cess_rate_range"),
        CheckConstraint("default_unit_price IS NULL OR default_unit_price >= 0", name="price_ge_0"),
    )

    name: Mapped[str]
    description: Mapped[str | None]
    hsn_sac_code: Mapped[str]
    is_service: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    default_gst_rate: Mapped[Decimal] = mapped_column(RATE)
    cess_rate: Mapped[Decimal] = mapped_column(RATE, server_default=text("0"))
    unit: Mapped[str] = mapped_column(server_default="NOS")
    default_unit_price: Mapped[Decimal | None] = mapped_column(UNIT_PRICE)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class GstSettings(TenantOwned, Base):
    """One row per tenant: how GST applies to its documents."""

    __tablename__ = "gst_settings"
    __table_args__ = (
        UniqueConstraint("tenant_id", name="uq_gst_settings_tenant_id"),
        one_of("registration_type", RegistrationType, "registration_type_known"),
        CheckConstraint("hsn_digits_required IN (4, 6, 8)", name="hsn_digits_known"),
    )

    registration_type: Mapped[str] = mapped_column(server_default=RegistrationType.REGULAR.value)
    apply_round_off: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    hsn_digits_required: Mapped[int] = mapped_column(Integer, server_default=text("4"))
    e_invoice_applicable: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class TaxRate(TenantOwned, Base):
    """A GST rate (with cess) and the dates it applies; rates are data, never an enum."""

    __tablename__ = "tax_rates"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "rate", "cess_rate", "effective_from", name="uq_tax_rates_rate_from"
        ),
        CheckConstraint("rate >= 0 AND rate <= 100", name="rate_range"),
        CheckConstraint("cess_rate >= 0 AND cess_rate <= 400", name="cess_rate_range"),
        CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from", name="effective_dates_ordered"
        ),
    )

    name: Mapped[str]
    rate: Mapped[Decimal] = mapped_column(RATE)
    cess_rate: Mapped[Decimal] = mapped_column(RATE, server_default=text("0"))
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    archived_at: Mapped[datetime | None]


class DunningSettings(TenantOwned, Base):
    """When customers are reminded of unpaid invoices (one row per tenant)."""

    __tablename__ = "dunning_settings"
    __table_args__ = (
        UniqueConstraint("tenant_id", name="uq_dunning_settings_tenant_id"),
        CheckConstraint("days_before_due BETWEEN 0 AND 60", name="days_before_due_range"),
        CheckConstraint("repeat_every_days BETWEEN 1 AND 90", name="repeat_every_days_range"),
        CheckConstraint("max_overdue_reminders BETWEEN 0 AND 24", name="max_overdue_range"),
    )

    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    days_before_due: Mapped[int] = mapped_column(Integer, server_default=text("3"))
    on_due_date: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    repeat_every_days: Mapped[int] = mapped_column(Integer, server_default=text("7"))
    max_overdue_reminders: Mapped[int] = mapped_column(Integer, server_default=text("3"))
