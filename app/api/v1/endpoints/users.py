"""Team members: invite, list, change role, deactivate, remove."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, status

from app.api.v1.pagination import Pagination, page_out
from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.dependencies import SettingsDep
from app.core.permissions import Permission
from app.schemas.auth import UserOut
from app.schemas.common import Page
from app.schemas.user import InviteRequest, UserUpdate
from app.services.users import UserService

router = ResourceRouter(prefix="/users", tags=["users"])
Reader = Annotated[UserService, Depends(service_for(UserService, Permission.READ))]
Manager = Annotated[UserService, Depends(service_for(UserService, Permission.MANAGE_USERS))]


@router.get("")
async def list_users(service: Reader, pagination: Pagination) -> Page[UserOut]:
    return page_out(await service.list(pagination), UserOut)


@router.post("", status_code=status.HTTP_201_CREATED)
async def invite_user(body: InviteRequest, service: Manager, settings: SettingsDep) -> UserOut:
    """Email a single-use invitation; the free plan has one active user (402 beyond)."""
    return UserOut.model_validate(await service.invite(body, settings))


@router.get("/{user_id}")
async def get_user(user_id: uuid.UUID, service: Reader) -> UserOut:
    return UserOut.model_validate(await service.get(user_id))


@router.put("/{user_id}")
async def update_user(user_id: uuid.UUID, body: UserUpdate, service: Manager) -> UserOut:
    """Change the role or deactivate (every session of the user ends at once). Only an
    owner grants or removes ownership; the last active owner stays an owner (409)."""
    return UserOut.model_validate(await service.update(user_id, body))


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_user(user_id: uuid.UUID, service: Manager) -> None:
    await service.remove(user_id)
