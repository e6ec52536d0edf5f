"""The tenant's legal entities (GSTIN holders) and their document number series."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TenantOwned, one_of, tenant_fk
from app.models.enums import DocumentType


class Company(TenantOwned, Base):
    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint("default_due_days BETWEEN 0 AND 365", name="default_due_days_range"),
        CheckConstraint("state_code ~ '^[0-9]{2}$'", name="state_code_format"),
        CheckConstraint(
            "accent_colour IS NULL OR accent_colour ~ '^#[0-9a-fA-F]{6}$'",
            name="accent_colour_format",
        ),
        Index("ix_companies_tenant_id_gstin", "tenant_id", "gstin"),
    )

    legal_name: Mapped[str]
    trade_name: Mapped[str | None]
    gstin: Mapped[str | None]
    pan: Mapped[str | None]
    state_code: Mapped[str]
    address_line1: Mapped[str | None]
    address_line2: Mapped[str | None]
    city: Mapped[str | None]
    pincode: Mapped[str | None]
    email: Mapped[str | None]
    phone: Mapped[str | None]
    bank_name: Mapped[str | None]
    bank_account_name: Mapped[str | None]
    bank_account_number: Mapped[str | None]
    bank_ifsc: Mapped[str | None]
    bank_branch: Mapped[str | None]
    upi_vpa: Mapped[str | None]
    logo_url: Mapped[str | None]
    accent_colour: Mapped[str | None]  # "#rrggbb" on PDFs and invoice emails (paid plans)
    invoice_terms: Mapped[str | None]
    default_due_days: Mapped[int] = mapped_column(Integer, server_default=text("15"))
    is_default: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    deleted_at: Mapped[datetime | None]


class DocumentSeries(TenantOwned, Base):
    """A numbering series of one company for one document type (invoice, credit note, receipt).

    ``number_format`` uses ``{prefix}``, ``{fy}`` (``25-26``), ``{fy_full}`` (``2025-26``) and
    ``{seq}`` / ``{seq:04d}``; its output is validated to at most 16 characters when saved.
    """

    __tablename__ = "document_series"
    __table_args__ = (
        tenant_fk("company_id", "companies", ondelete="CASCADE"),
        one_of("document_type", DocumentType, "document_type_known"),
        UniqueConstraint(
            "tenant_id",
            "company_id",
            "document_type",
            "prefix",
            name="uq_document_series_company_type_prefix",
        ),
        Index("ix_document_series_tenant_id_company_id", "tenant_id", "company_id"),
    )

    company_id: Mapped[uuid.UUID]
    document_type: Mapped[str]
    prefix: Mapped[str]
    number_format: Mapped[str] = mapped_column(server_default="{prefix}/{fy}/{seq:04d}")
    is_default: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class DocumentCounter(TenantOwned, Base):
    """The last number used in a series for one financial year (locked while issuing)."""

    __tablename__ = "document_counters"
    __table_args__ = (
        tenant_fk("series_id", "document_series", ondelete="CASCADE"),
        UniqueConstraint(
            "tenant_id", "series_id", "financial_year", name="uq_document_counters_series_fy"
        ),
        CheckConstraint("last_number >= 0", name="last_number_non_negative"),
        CheckConstraint("financial_year ~ '^[0-9]{4}-[0-9]{2}$'", name="financial_year_format"),
    )

    series_id: Mapped[uuid.UUID]
    financial_year: Mapped[str]
    last_number: Mapped[int] = mapped_column(Integer, server_default=text("0"))
