from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import EmailStr, Field, computed_field

from app.schemas.common import Name, Password, Phone, RawSecret, RequestModel, ResponseModel


class RegisterRequest(RequestModel):
    company_name: Name = Field(description="The firm's name (becomes the tenant)")
    full_name: Name
    email: EmailStr
    password: Password
    phone: Phone | None = None


class LoginRequest(RequestModel):
    email: EmailStr
    password: RawSecret


class RefreshRequest(RequestModel):
    refresh_token: str = Field(min_length=16, max_length=256)


class TokenRequest(RequestModel):
    token: str = Field(min_length=16, max_length=256)


class EmailRequest(RequestModel):
    email: EmailStr


class ResetPasswordRequest(RequestModel):
    token: str = Field(min_length=16, max_length=256)
    new_password: Password


class ChangePasswordRequest(RequestModel):
    current_password: RawSecret
    new_password: Password


class TokenPair(ResponseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str
    refresh_expires_at: datetime


class UserOut(ResponseModel):
    id: uuid.UUID
    email: str
    full_name: str
    role: str
    is_active: bool
    email_verified_at: datetime | None
    last_login_at: datetime | None
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class TenantSummary(ResponseModel):
    id: uuid.UUID
    name: str
    trial_start_date: date | None
    trial_end_date: date | None


class MeResponse(ResponseModel):
    user: UserOut
    tenant: TenantSummary
    permissions: list[str]


class RegisterResponse(ResponseModel):
    user: UserOut
    tenant: TenantSummary
    tokens: TokenPair


class SessionOut(ResponseModel):
    """One place the user is signed in."""

    id: uuid.UUID
    device: str = Field(description="Browser and system, from the User-Agent at sign-in")
    user_agent: str | None
    ip_address: str | None
    created_at: datetime = Field(description="When this sign-in happened")
    last_used_at: datetime = Field(description="Last token refresh or request (to ~5 minutes)")
    expires_at: datetime
    current: bool = Field(description="The session of the token making this request")


class SessionsRevoked(ResponseModel):
    revoked: int
