from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field, StrictBool

from app.schemas.auth import UserOut
from app.schemas.common import Name, Password, RequestModel, ResponseModel

RoleName = Literal["owner", "admin", "accountant", "viewer"]


class InviteRequest(RequestModel):
    email: EmailStr
    role: RoleName = "accountant"
    full_name: Name | None = None


class UserUpdate(RequestModel):
    full_name: Name | None = None
    role: RoleName | None = None
    is_active: StrictBool | None = Field(
        default=None, description="false: every session ends at once"
    )


class AcceptInviteRequest(RequestModel):
    token: str = Field(min_length=16, max_length=256)
    full_name: Name
    password: Password


class MemberOut(UserOut):
    invitation_pending: bool = False


class ApiTokenCreate(RequestModel):
    name: Name
    role: Literal["admin", "accountant", "viewer"] = "viewer"
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, strict=True)


class ApiTokenOut(ResponseModel):
    id: uuid.UUID
    name: str
    token_prefix: str
    role: str
    created_by: uuid.UUID
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="Shown once; only its digest is stored")
