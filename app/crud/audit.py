"""Audit trail queries (read only: the table is append-only)."""

from __future__ import annotations

from sqlalchemy import Select

from app.crud.base import Repository
from app.models import AuditLog
from app.schemas.audit import AuditLogFilters


class AuditLogRepository(Repository[AuditLog]):
    model = AuditLog
    entity = "Audit log entry"
    sortable = {"created_at": "created_at"}

    def filtered(self, filters: AuditLogFilters) -> Select[AuditLog]:
        stmt = self.where_equal(
            self.select(),
            *(
                (self._column(name), getattr(filters, name))
                for name in ("entity_type", "entity_id", "user_id", "action")
            ),
        )
        if filters.date_from:
            stmt = stmt.where(AuditLog.created_at >= filters.date_from)
        if filters.date_to:  # exclusive: a time range
            stmt = stmt.where(AuditLog.created_at < filters.date_to)
        return stmt
