"""Tenant data exports: the job's status row and the ZIP itself, in bytea chunks.

The ZIP lives in PostgreSQL, not on a disk, because the API that serves the download
may run on another machine than the worker that built it.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, LargeBinary, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TenantOwned, one_of, tenant_fk


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"


ACTIVE_EXPORT = "status IN ('queued', 'running')"


class DataExport(TenantOwned, Base):
    """One requested export; at most one is queued or running per tenant."""

    __tablename__ = "data_exports"
    __table_args__ = (
        tenant_fk("requested_by", "users"),
        one_of("status", ExportStatus, "status_known"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        Index(
            "uq_data_exports_one_active",
            "tenant_id",
            unique=True,
            postgresql_where=text(ACTIVE_EXPORT),
        ),
        Index("ix_data_exports_tenant_id_requested_by", "tenant_id", "requested_by"),
        # The purge job looks for ready exports past their expiry, across tenants.
        Index(
            "ix_data_exports_expires_at", "expires_at", postgresql_where=text("status = 'ready'")
        ),
    )

    requested_by: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(server_default=ExportStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    step: Mapped[str | None]
    filename: Mapped[str | None]
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None]
    chunk_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    error: Mapped[str | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


class DataExportChunk(TenantOwned, Base):
    """Piece ``seq`` (from 1) of an export's ZIP; the download streams them in order."""

    __tablename__ = "data_export_chunks"
    __table_args__ = (
        tenant_fk("export_id", "data_exports", ondelete="CASCADE"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        Index("uq_data_export_chunks_export_seq", "tenant_id", "export_id", "seq", unique=True),
    )

    export_id: Mapped[uuid.UUID]
    seq: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
