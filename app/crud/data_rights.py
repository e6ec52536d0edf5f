"""Queries of the data-rights features: exports, whole-table reads, cross-tenant lookups.

Every tenant-scoped statement starts from ``Repository.select`` (or filters on the
session's tenant the same way); the two lookups across tenants go through the
SECURITY DEFINER functions of migration 0012 and return ids only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import current_tenant
from app.crud.base import Repository, TenantNotSet
from app.models import AuditLog, DataExport, DataExportChunk
from app.models.data_rights import ExportStatus

DUE_ERASURES = text("SELECT tenant_id, status FROM due_tenant_erasures(:now)")
EXPIRED_EXPORTS = text("SELECT tenant_id, export_id FROM expired_data_exports(:now)")
REDACT_AUDIT = text("SELECT audit_logs_redact(CAST(:rows AS jsonb))")
ROWS_PER_FETCH = 1000


class DataExportRepository(Repository[DataExport]):
    model = DataExport
    entity = "Export"

    async def active(self) -> DataExport | None:
        stmt = self.select().where(
            DataExport.status.in_((ExportStatus.QUEUED, ExportStatus.RUNNING))
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()


class DataExportChunkRepository(Repository[DataExportChunk]):
    model = DataExportChunk
    entity = "Export chunk"

    async def content(self, export_id: uuid.UUID, seq: int) -> bytes | None:
        stmt = select(DataExportChunk.content).where(
            DataExportChunk.tenant_id == self.tenant_id,
            DataExportChunk.export_id == export_id,
            DataExportChunk.seq == seq,
        )
        value = (await self.session.execute(stmt)).scalar_one_or_none()
        return bytes(value) if value is not None else None

    async def discard(self, export_id: uuid.UUID) -> int:
        return await self.delete_where(DataExportChunk.export_id == export_id)


async def stream_table(
    session: AsyncSession, table: Table, columns: Sequence[str], *, key: str = "tenant_id"
) -> AsyncIterator[Sequence[Any]]:
    """``columns`` of every row of ``table`` belonging to the session's tenant (``key``
    names the tenant column: ``id`` for ``tenants`` itself), in primary-key order, fetched
    in batches."""
    tenant_id = current_tenant(session)
    if tenant_id is None:
        raise TenantNotSet(f"reading {table.name} without a tenant")
    stmt = (
        select(*(table.c[name] for name in columns))
        .where(table.c[key] == tenant_id)
        .order_by(*table.primary_key.columns)
        .execution_options(yield_per=ROWS_PER_FETCH)
    )
    result = await session.stream(stmt)
    async for partition in result.partitions():
        for row in partition:
            yield row


async def count_rows(session: AsyncSession, table: Table, *, key: str = "tenant_id") -> int:
    tenant_id = current_tenant(session)
    if tenant_id is None:
        raise TenantNotSet(f"counting {table.name} without a tenant")
    stmt = select(func.count()).select_from(table).where(table.c[key] == tenant_id)
    return int((await session.execute(stmt)).scalar_one())


async def due_erasures(session: AsyncSession, now: datetime) -> list[tuple[uuid.UUID, str]]:
    """Across tenants, ids and statuses only: ``pending_deletion`` tenants whose cooling-off
    has ended, ``erased`` ones whose records are past their legal retention."""
    rows = (await session.execute(DUE_ERASURES, {"now": now})).all()
    return [(row.tenant_id, row.status) for row in rows]


async def expired_exports(
    session: AsyncSession, now: datetime
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    rows = (await session.execute(EXPIRED_EXPORTS, {"now": now})).all()
    return [(row.tenant_id, row.export_id) for row in rows]


class AuditRedactionRepository(Repository[AuditLog]):
    """Reads audit rows to redact and hands the redactions to ``audit_logs_redact`` (the
    only way to change the append-only trail: removals, checked by the database)."""

    model = AuditLog
    entity = "Audit log entry"

    async def batches(self, *criteria: Any, size: int = 500) -> AsyncIterator[Sequence[AuditLog]]:
        """The matching rows, ``size`` at a time (keyset on id: memory stays flat)."""
        after: uuid.UUID | None = None
        while True:
            stmt = self.select().where(*criteria).order_by(AuditLog.id).limit(size)
            if after is not None:
                stmt = stmt.where(AuditLog.id > after)
            rows = (await self.session.execute(stmt)).scalars().all()
            if not rows:
                return
            yield rows
            after = rows[-1].id

    async def redact(self, redactions: Sequence[dict[str, Any]]) -> int:
        if not redactions:
            return 0
        self.tenant_id  # noqa: B018 - refuse a session without a tenant
        result = await self.session.execute(REDACT_AUDIT, {"rows": json.dumps(redactions)})
        return int(result.scalar_one())
