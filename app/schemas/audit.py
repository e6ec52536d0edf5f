from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field, IPvAnyAddress

from app.schemas.common import InputModel, IsoDateTime, ResponseModel


class AuditLogOut(ResponseModel):
    id: uuid.UUID
    user_id: uuid.UUID | None
    action: str
    entity_type: str
    entity_id: uuid.UUID | None
    changes: dict[str, Any] | None
    ip_address: IPvAnyAddress | None
    user_agent: str | None
    request_id: str | None
    created_at: datetime


class AuditLogFilters(InputModel):
    entity_type: str | None = Field(default=None, max_length=50)
    entity_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    action: str | None = Field(default=None, max_length=80)
    date_from: IsoDateTime | None = Field(default=None, description="Inclusive (ISO 8601)")
    date_to: IsoDateTime | None = Field(default=None, description="Exclusive (ISO 8601)")
