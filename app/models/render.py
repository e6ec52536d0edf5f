"""Rendered documents (PDFs), cached by document version so a repeat download is a read."""

from __future__ import annotations

import uuid

from sqlalchemy import Integer, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TenantOwned, one_of

RENDERABLE = ("invoice", "credit_note")


class DocumentRender(TenantOwned, Base):
    """``document_id`` names an invoice or credit note (by ``document_type``), so it has no
    foreign key; rows are scoped and protected by tenant like every other table."""

    __tablename__ = "document_renders"
    __table_args__ = (
        one_of("document_type", RENDERABLE, "document_type_known"),
        UniqueConstraint(
            "tenant_id", "document_type", "document_id", name="uq_document_renders_document"
        ),
    )

    document_type: Mapped[str]
    document_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(Integer)
    etag: Mapped[str]
    content: Mapped[bytes] = mapped_column(LargeBinary)
