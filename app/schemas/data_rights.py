from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from app.schemas.auth import UserOut
from app.schemas.common import RawSecret, RequestModel, ResponseModel

# INET columns come back as ipaddress objects.
IpAddress = Annotated[str | None, BeforeValidator(lambda v: None if v is None else str(v))]


class ExportOut(ResponseModel):
    id: uuid.UUID
    status: str = Field(description="queued, running, ready, failed or expired")
    progress: int = Field(description="Percent done, 0-100")
    step: str | None = Field(description="What the job is doing now")
    filename: str | None
    size_bytes: int | None
    sha256: str | None = Field(description="Digest of the ZIP, also its download ETag")
    error: str | None
    requested_by: uuid.UUID | None
    started_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime | None = Field(description="The ZIP is deleted after this moment")
    download_url: str | None = Field(default=None, description="Set while the export is ready")
    created_at: datetime
    updated_at: datetime


class ReauthenticateRequest(RequestModel):
    """Destructive data-rights requests need the caller's current password again."""

    password: RawSecret


class ErasureOut(ResponseModel):
    status: Literal["none", "scheduled", "erased"]
    tenant_status: str
    erasure_scheduled_for: datetime | None = Field(
        description="scheduled: when the erasure runs (owners can cancel until then); "
        "erased: when the records kept for the law are deleted too"
    )
    cooling_off_days: int
    retain_until: date | None = Field(
        description="Financial records are kept to this date (GST: 72 months from the due "
        "date of the annual return of their year), pseudonymised where the law allows"
    )


class PersonalSession(ResponseModel):
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None
    ip_address: IpAddress
    user_agent: str | None


class PersonalAuditEntry(ResponseModel):
    id: uuid.UUID
    created_at: datetime
    action: str
    entity_type: str
    entity_id: uuid.UUID | None
    changes: dict[str, Any] | None
    ip_address: IpAddress
    user_agent: str | None
    request_id: str | None


class PersonalProfile(UserOut):
    """The user as /auth/me shows them, plus what only an export needs."""

    tenant_id: uuid.UUID
    password_changed_at: datetime | None
    updated_at: datetime


class PersonalDataExport(ResponseModel):
    """Everything the service holds about the signed-in person (GDPR art. 15 and 20)."""

    generated_at: datetime
    profile: PersonalProfile
    sessions: list[PersonalSession]
    audit_entries: list[PersonalAuditEntry] = Field(description="Actions this person made")
