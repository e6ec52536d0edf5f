"""API tokens: create (shown once), list, revoke."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, status

from app.api.v1.pagination import Pagination, page_out
from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.permissions import Permission
from app.schemas.common import Page
from app.schemas.user import ApiTokenCreate, ApiTokenCreated, ApiTokenOut
from app.services.api_tokens import ApiTokenService

router = ResourceRouter(prefix="/api-tokens", tags=["api-tokens"])
Manager = Annotated[ApiTokenService, Depends(service_for(ApiTokenService, Permission.MANAGE_USERS))]


@router.get("")
async def list_api_tokens(service: Manager, pagination: Pagination) -> Page[ApiTokenOut]:
    return page_out(await service.list(pagination), ApiTokenOut)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_api_token(body: ApiTokenCreate, service: Manager) -> ApiTokenCreated:
    """The secret is returned once; use it as ``Authorization: Bearer rms_...``. Paid plans
    (and the trial) only: the free tier answers 402."""
    token, secret = await service.create(body)
    return ApiTokenCreated.model_validate(
        {**ApiTokenOut.model_validate(token).model_dump(), "token": secret}
    )


@router.delete("/{token_id}")
async def revoke_api_token(token_id: uuid.UUID, service: Manager) -> ApiTokenOut:
    return ApiTokenOut.model_validate(await service.revoke(token_id))
