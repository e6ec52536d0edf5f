"""Data rights: the tenant's export and erasure (owners), a person's own data (anyone)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import StreamingResponse

from app.api.v1.pagination import Pagination, page_out
from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.dependencies import (
    CurrentPrincipal,
    DbSession,
    RequestInfoDep,
    SettingsDep,
)
from app.core.permissions import Permission
from app.models import DataExport
from app.models.data_rights import ExportStatus
from app.schemas.common import Page
from app.schemas.data_rights import (
    ErasureOut,
    ExportOut,
    PersonalDataExport,
    ReauthenticateRequest,
)
from app.schemas.problem import problem_responses
from app.services.data_rights.erasure import TenantErasureService
from app.services.data_rights.exports import DataExportService, SessionFactory, stream_chunks
from app.services.data_rights.personal import PersonalDataService
from app.services.jobs import session_factory_for
from app.utils.clock import utcnow

tenant_data = ResourceRouter(prefix="/tenants", tags=["data rights"])
personal_data = ResourceRouter(prefix="/auth", tags=["data rights"])
router = APIRouter()

Exports = Annotated[
    DataExportService, Depends(service_for(DataExportService, Permission.MANAGE_BILLING))
]
ErasureReader = Annotated[
    TenantErasureService, Depends(service_for(TenantErasureService, Permission.READ))
]
ErasureOwner = Annotated[
    TenantErasureService, Depends(service_for(TenantErasureService, Permission.MANAGE_BILLING))
]


async def personal_service(
    session: DbSession, request: RequestInfoDep, principal: CurrentPrincipal
) -> PersonalDataService:
    """Any signed-in person, about themselves: no permission to hold."""
    return PersonalDataService(session, principal, request)


Personal = Annotated[PersonalDataService, Depends(personal_service)]


async def export_sessions(request: Request) -> SessionFactory:
    """Sessions for streaming a download after the request's own transaction has ended."""
    return session_factory_for(request.app.state.sessionmaker)


def export_out(export: DataExport, request: Request) -> ExportOut:
    ready = export.status == ExportStatus.READY and (
        export.expires_at is None or export.expires_at > utcnow()
    )
    url = str(request.url_for("download_export", export_id=export.id)) if ready else None
    return ExportOut.model_validate(export).model_copy(update={"download_url": url})


# -- tenant export ------------------------------------------------------------------------


@tenant_data.post("/me/exports", status_code=status.HTTP_202_ACCEPTED)
async def request_export(service: Exports, request: Request) -> ExportOut:
    """Start an export of all the organisation's data (owners): a ZIP with every table as
    JSON and CSV, every issued invoice and credit note as a PDF, a manifest and a README.
    It is built in the background; follow ``progress`` on the export, then download it
    from ``download_url`` until ``expires_at``. One export runs at a time (409)."""
    return export_out(await service.request(), request)


@tenant_data.get("/me/exports")
async def list_exports(
    service: Exports, pagination: Pagination, request: Request
) -> Page[ExportOut]:
    found = await service.list(pagination)
    return page_out(found, ExportOut, lambda export: export_out(export, request))


@tenant_data.get("/me/export")
async def latest_export(service: Exports, request: Request) -> ExportOut:
    """The most recent export (404 when there is none): start one with
    ``POST /tenants/me/exports``."""
    return export_out(await service.latest(), request)


@tenant_data.get("/me/exports/{export_id}")
async def get_export(export_id: uuid.UUID, service: Exports, request: Request) -> ExportOut:
    """Status (queued, running, ready, failed, expired), progress in percent, and the
    download link while ready."""
    return export_out(await service.get(export_id), request)


@tenant_data.get(
    "/me/exports/{export_id}/download",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The export as a ZIP archive",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        },
        **problem_responses(409),
        410: {**problem_responses(409)[409], "description": "The export has expired"},
    },
)
async def download_export(
    export_id: uuid.UUID,
    service: Exports,
    sessions: Annotated[SessionFactory, Depends(export_sessions)],
) -> StreamingResponse:
    """The ZIP, streamed from the database chunk by chunk (409 while not ready, 410 once
    expired)."""
    export = await service.for_download(export_id)
    return StreamingResponse(
        stream_chunks(sessions, export.tenant_id, export),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Content-Length": str(export.size_bytes or 0),
            "ETag": f'"{export.sha256}"',
            "Cache-Control": "private, no-store",
        },
    )


# -- tenant erasure -----------------------------------------------------------------------


@tenant_data.delete("/me", status_code=status.HTTP_202_ACCEPTED)
async def schedule_erasure(
    body: ReauthenticateRequest, service: ErasureOwner, settings: SettingsDep
) -> ErasureOut:
    """Schedule the erasure of the whole organisation (owners, with their password again;
    a wrong one is a 401). It runs after the cooling-off period (30 days by default);
    every owner is emailed and any owner can cancel until then. Personal data is erased;
    the financial records GST law requires are kept, pseudonymised where allowed."""
    return await service.schedule(body.password, settings)


@tenant_data.get("/me/erasure")
async def get_erasure(service: ErasureReader, settings: SettingsDep) -> ErasureOut:
    return await service.status(settings)


@tenant_data.delete("/me/erasure")
async def cancel_erasure(service: ErasureOwner, settings: SettingsDep) -> ErasureOut:
    """Cancel a scheduled erasure (owners; 409 when none is scheduled)."""
    return await service.cancel(settings)


# -- a person's own data ------------------------------------------------------------------


@personal_data.get("/me/export")
async def export_my_data(service: Personal) -> PersonalDataExport:
    """Everything held about the signed-in person: profile, sessions, the audit entries of
    what they did."""
    return await service.export()


@personal_data.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def erase_me(body: ReauthenticateRequest, service: Personal, settings: SettingsDep) -> None:
    """Erase the signed-in person's personal data (password again; 401 if wrong): name and
    email become a pseudonym, sessions end, invitations go, API tokens they made are
    revoked; the documents they made stay. Owners get a 409: hand ownership on first,
    or erase the organisation."""
    await service.erase(body.password, settings)


router.include_router(tenant_data)
router.include_router(personal_data)
