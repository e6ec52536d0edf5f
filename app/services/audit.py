"""Writes the audit trail, inside the same transaction as the change it records."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import current_tenant
from app.core.dependencies import RequestInfo
from app.models import AuditLog
from app.utils.serialize import diff, json_safe, snapshot


class AuditService:
    def __init__(
        self, session: AsyncSession, request: RequestInfo, user_id: uuid.UUID | None = None
    ) -> None:
        self.session = session
        self.request = request
        self.user_id = user_id

    def record(
        self,
        action: str,
        entity_type: str,
        entity_id: uuid.UUID | None,
        changes: dict[str, Any] | None = None,
        *,
        user_id: uuid.UUID | None = None,
    ) -> None:
        """Queue one audit row; it is flushed with the rest of the request's writes."""
        safe = json_safe(changes) if changes is not None else None
        self._add(action, entity_type, entity_id, safe, user_id)

    def _add(
        self,
        action: str,
        entity_type: str,
        entity_id: uuid.UUID | None,
        changes: dict[str, Any] | None,
        user_id: uuid.UUID | None = None,
    ) -> None:
        """``changes`` already JSON-safe (snapshots are)."""
        tenant_id = current_tenant(self.session)
        if tenant_id is None:
            raise RuntimeError("audit record without a tenant")
        self.session.add(
            AuditLog(
                tenant_id=tenant_id,
                user_id=user_id or self.user_id,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                changes=changes,
                ip_address=self.request.ip_address,
                user_agent=self.request.user_agent,
                request_id=self.request.request_id,
            )
        )

    def created(self, entity_type: str, obj: Any) -> dict[str, Any]:
        """Record the new row; returns its snapshot (the "before" of a change that follows)."""
        after = snapshot(obj)
        self.created_as(entity_type, obj.id, after)
        return after

    def created_as(self, entity_type: str, entity_id: uuid.UUID, after: dict[str, Any]) -> None:
        """Record a new row from a snapshot taken earlier (``snapshot(obj)``)."""
        self._add(f"{entity_type}.created", entity_type, entity_id, {"after": after})

    def updated(self, entity_type: str, obj: Any, before: dict[str, Any]) -> None:
        changes = diff(before, snapshot(obj))
        if changes["after"]:
            self._add(f"{entity_type}.updated", entity_type, obj.id, changes)

    def deleted(self, entity_type: str, obj: Any, *, action: str = "deleted") -> None:
        self._add(f"{entity_type}.{action}", entity_type, obj.id, {"before": snapshot(obj)})
