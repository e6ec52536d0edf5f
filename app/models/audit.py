"""The append-only audit trail: the runtime role may only INSERT and SELECT it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, func
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.utils.ids import uuid7


class AuditLog(Base):
    """``user_id`` has no foreign key on purpose: the trail outlives erased users."""

    __tablename__ = "audit_logs"
    # Written, never read back in the request that writes it: no RETURNING of created_at.
    __mapper_args__ = {"eager_defaults": False}
    __table_args__ = (
        Index("ix_audit_logs_tenant_id_created_at", "tenant_id", "created_at"),
        Index("ix_audit_logs_tenant_id_entity", "tenant_id", "entity_type", "entity_id"),
        Index("ix_audit_logs_tenant_id_user_id", "tenant_id", "user_id"),
        Index("ix_audit_logs_tenant_id_action", "tenant_id", "action"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID | None]
    action: Mapped[str]
    entity_type: Mapped[str]
    entity_id: Mapped[uuid.UUID | None]
    changes: Mapped[dict[str, Any] | None]
    ip_address: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None]
    request_id: Mapped[str | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
