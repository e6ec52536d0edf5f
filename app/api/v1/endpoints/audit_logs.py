"""The audit trail, for owners and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.api.v1.pagination import Pagination, page_out
from app.api.v1.routing import ResourceRouter
from app.core.dependencies import DbSession, Principal, require
from app.core.permissions import Permission
from app.crud.audit import AuditLogRepository
from app.schemas.audit import AuditLogFilters, AuditLogOut
from app.schemas.common import Page

router = ResourceRouter(prefix="/audit-logs", tags=["audit-logs"])


@router.get("")
async def list_audit_logs(
    session: DbSession,
    _: Annotated[Principal, Depends(require(Permission.READ_AUDIT))],
    pagination: Pagination,
    filters: Annotated[AuditLogFilters, Query()],
) -> Page[AuditLogOut]:
    """Newest first; filter by entity, user, action and time range."""
    repository = AuditLogRepository(session)
    page = await repository.paginate(repository.filtered(filters), pagination)
    return page_out(page, AuditLogOut)
