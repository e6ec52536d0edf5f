"""Writes the audit trail, inside the same transaction as the change it records.

The rows a transaction records are queued on its session and written by one Core
``INSERT`` just before COMMIT (no unit of work: audit rows are never read back in the
request that writes them). A rollback drops them with everything else.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.core.database import current_tenant
from app.core.dependencies import RequestInfo
from app.models import AuditLog
from app.utils.ids import uuid7
from app.utils.serialize import diff, json_safe, snapshot

_QUEUED = "rms.audit_rows"  # session.info key: the rows this transaction has recorded
_INSERT = insert(AuditLog)


@event.listens_for(Session, "before_commit")
def _write_queued(session: Session) -> None:
    rows = session.info.pop(_QUEUED, None)
    if rows:
        session.flush()  # rows may name a tenant or user this transaction adds
        session.connection().execute(_INSERT, rows)


@event.listens_for(Session, "after_transaction_end")
def _drop_queued(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # ended without COMMIT (a commit has written them)
        session.info.pop(_QUEUED, None)


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
        """Queue one audit row; it is written just before the transaction commits."""
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
        if not self.session.in_transaction():
            # Like ``session.add``: recording begins the transaction the row belongs to, so
            # a rollback before any statement drops it too.
            self.session.sync_session.begin()
        self.session.info.setdefault(_QUEUED, []).append(
            {
                "tenant_id": tenant_id,
                "id": uuid7(),
                "user_id": user_id or self.user_id,
                "action": action,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "changes": changes,
                "ip_address": self.request.ip_address,
                "user_agent": self.request.user_agent,
                "request_id": self.request.request_id,
            }
        )

    def created(self, entity_type: str, obj: Any) -> dict[str, Any]:
        """Record the new row; returns its snapshot (the "before" of a change that follows)."""
        after = snapshot(obj)
        self._add(f"{entity_type}.created", entity_type, obj.id, {"after": after})
        return after

    def updated(self, entity_type: str, obj: Any, before: dict[str, Any]) -> None:
        changes = diff(before, snapshot(obj))
        if changes["after"]:
            self._add(f"{entity_type}.updated", entity_type, obj.id, changes)

    def deleted(self, entity_type: str, obj: Any, *, action: str = "deleted") -> None:
        self._add(f"{entity_type}.{action}", entity_type, obj.id, {"before": snapshot(obj)})
