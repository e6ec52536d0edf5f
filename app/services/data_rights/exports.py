"""Tenant exports: requested by an owner, built by a job, streamed from PostgreSQL.

The request queues ``build_data_export`` in its own transaction. The job records its
progress in short transactions of their own (so the status endpoint sees it move),
writes the ZIP to a temporary file, then stores it as 1 MiB bytea chunks and marks the
export ready with an expiry. A periodic job deletes expired ZIPs.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import set_tenant
from app.core.dependencies import Principal, RequestInfo
from app.core.errors import AppError, Conflict, NotFound
from app.crud.base import Page, PageParams
from app.crud.data_rights import (
    DataExportChunkRepository,
    DataExportRepository,
    expired_exports,
)
from app.crud.identity import SubscriptionRepository, TenantRepository
from app.models import DataExport, DataExportChunk
from app.models.data_rights import ExportStatus
from app.services.audit import AuditService
from app.services.data_rights.archive import ArchiveWriter
from app.services.jobs import JobRuntime, enqueue, task
from app.services.plans import plan_state
from app.utils.clock import today_ist, utcnow

logger = logging.getLogger("app.data_rights")

EXPORT_TASK = "build_data_export"
PURGE_TASK = "purge_expired_exports"
CHUNK_BYTES = 1 << 20
SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class ExportGone(AppError):
    status, slug, title = 410, "export-expired", "Export expired"


class ExportNotReady(Conflict):
    slug = "export-not-ready"


class DataExportService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.principal = principal
        self.exports = DataExportRepository(session)
        self.audit = AuditService(session, request, principal.user_id)

    async def request(self) -> DataExport:
        """Queue a new export; one at a time (a second request while one runs is a 409)."""
        running = await self.exports.active()
        if running is not None:
            raise Conflict(
                "An export is already being prepared; follow its progress.",
                extra={"export_id": str(running.id)},
            )
        export = await self.exports.add(
            DataExport(requested_by=self.principal.user_id, status=ExportStatus.QUEUED)
        )
        await enqueue(
            self.session,
            EXPORT_TASK,
            {"tenant_id": str(self.exports.tenant_id), "export_id": str(export.id)},
        )
        self.audit.record("tenant.export_requested", "data_export", export.id)
        return export

    async def list(self, params: PageParams) -> Page[DataExport]:
        return await self.exports.paginate(self.exports.select(), params)

    async def latest(self) -> DataExport:
        stmt = self.exports.order_by(self.exports.select(), "-created_at").limit(1)
        export = (await self.session.execute(stmt)).scalar_one_or_none()
        if export is None:
            raise NotFound("No export yet; start one with POST /api/v1/tenants/me/exports.")
        return export

    async def get(self, export_id: uuid.UUID) -> DataExport:
        return await self.exports.get_or_404(export_id)

    async def for_download(self, export_id: uuid.UUID) -> DataExport:
        export = await self.exports.get_or_404(export_id)
        if export.status == ExportStatus.EXPIRED or (
            export.expires_at is not None and export.expires_at <= utcnow()
        ):
            raise ExportGone("This export has expired; request a new one.")
        if export.status != ExportStatus.READY:
            raise ExportNotReady(
                f"The export is {export.status}; download it once it is ready.",
                extra={"export_status": export.status, "progress": export.progress},
            )
        self.audit.record("tenant.export_downloaded", "data_export", export.id)
        return export


async def stream_chunks(
    sessions: SessionFactory, tenant_id: uuid.UUID, export: DataExport
) -> AsyncIterator[bytes]:
    """The ZIP, one chunk per short transaction: no connection is held between chunks."""
    for seq in range(1, export.chunk_count + 1):
        async with sessions() as session:
            await set_tenant(session, tenant_id)
            content = await DataExportChunkRepository(session).content(export.id, seq)
        if content is None:  # purged while being downloaded
            return
        yield content


# -- the job --------------------------------------------------------------------------------


class _Job:
    def __init__(self, runtime: JobRuntime, tenant_id: uuid.UUID, export_id: uuid.UUID) -> None:
        self.runtime = runtime
        self.tenant_id = tenant_id
        self.export_id = export_id
        self.percent = -1

    async def _update(self, **values: object) -> DataExport | None:
        async with self.runtime.session_factory() as session:
            await set_tenant(session, self.tenant_id)
            exports = DataExportRepository(session)
            export = await exports.get(self.export_id, for_update=True)
            if export is not None:
                await exports.update(export, values)
            return export

    async def report(self, percent: int, step: str) -> None:
        if percent != self.percent:
            self.percent = percent
            await self._update(progress=percent, step=step)

    async def start(self) -> bool:
        async with self.runtime.session_factory() as session:
            await set_tenant(session, self.tenant_id)
            exports = DataExportRepository(session)
            export = await exports.get(self.export_id, for_update=True)
            if export is None or export.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
                return False
            await DataExportChunkRepository(session).discard(self.export_id)  # a retried run
            await exports.update(
                export,
                {
                    "status": ExportStatus.RUNNING,
                    "progress": 0,
                    "step": "starting",
                    "started_at": utcnow(),
                },
            )
            return True

    async def build(self, target: IO[bytes]) -> str:
        now = utcnow()
        async with self.runtime.session_factory() as session:
            await set_tenant(session, self.tenant_id)
            tenant = await TenantRepository(session).current()
            if tenant is None:
                raise NotFound("Tenant not found.")
            subscription = await SubscriptionRepository(session).current()
            branded = plan_state(subscription, today_ist(), self.runtime.settings).paid_features
            writer = ArchiveWriter(
                session,
                target,
                tenant=tenant,
                generated_at=now,
                branded=branded,
                report=self.report,
            )
            await writer.write()
        return f"rms-billing-export-{now:%Y%m%d-%H%M%S}.zip"

    async def store(self, source: IO[bytes], filename: str) -> None:
        """The chunks and the ready state in one transaction: a download never sees half."""
        size, digest, seq = source.seek(0, 2), hashlib.sha256(), 0
        source.seek(0)
        async with self.runtime.session_factory() as session:
            await set_tenant(session, self.tenant_id)
            chunks = DataExportChunkRepository(session)
            while content := source.read(CHUNK_BYTES):
                seq += 1
                digest.update(content)
                chunk = await chunks.add(
                    DataExportChunk(export_id=self.export_id, seq=seq, content=content)
                )
                session.expunge(chunk)  # keep memory flat
            exports = DataExportRepository(session)
            export = await exports.get_or_404(self.export_id, for_update=True)
            now = utcnow()
            await exports.update(
                export,
                {
                    "status": ExportStatus.READY,
                    "progress": 100,
                    "step": "ready",
                    "filename": filename,
                    "size_bytes": size,
                    "sha256": digest.hexdigest(),
                    "chunk_count": seq,
                    "completed_at": now,
                    "expires_at": now
                    + timedelta(hours=self.runtime.settings.DATA_EXPORT_EXPIRE_HOURS),
                },
            )


async def build_export(runtime: JobRuntime, tenant_id: uuid.UUID, export_id: uuid.UUID) -> None:
    job = _Job(runtime, tenant_id, export_id)
    if not await job.start():
        return
    try:
        with tempfile.TemporaryFile() as spool:
            filename = await job.build(spool)
            await job.store(spool, filename)
    except Exception as exc:
        # A failure is recorded for the owner (who may ask again), not retried for hours.
        logger.exception("data export failed", extra={"export_id": str(export_id)})
        await job._update(
            status=ExportStatus.FAILED,
            step="failed",
            error=f"The export failed ({type(exc).__name__}); request a new one.",
            completed_at=utcnow(),
        )


@task(EXPORT_TASK)
async def build_export_task(runtime: JobRuntime, *, tenant_id: str, export_id: str) -> None:
    await build_export(runtime, uuid.UUID(tenant_id), uuid.UUID(export_id))


async def purge_expired_exports(runtime: JobRuntime, now: datetime | None = None) -> int:
    """Delete the ZIPs of exports past their expiry; the status rows stay, as ``expired``."""
    moment = now or utcnow()
    async with runtime.session_factory() as session:
        expired = await expired_exports(session, moment)
    for tenant_id, export_id in expired:
        async with runtime.session_factory() as session:
            await set_tenant(session, tenant_id)
            await DataExportChunkRepository(session).discard(export_id)
            exports = DataExportRepository(session)
            export = await exports.get(export_id, for_update=True)
            if export is not None:
                await exports.update(
                    export, {"status": ExportStatus.EXPIRED, "step": "expired", "chunk_count": 0}
                )
    return len(expired)


@task(PURGE_TASK)
async def purge_expired_exports_task(runtime: JobRuntime, **_: object) -> None:
    await purge_expired_exports(runtime)
