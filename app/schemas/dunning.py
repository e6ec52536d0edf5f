from __future__ import annotations

from datetime import datetime

from pydantic import Field, StrictBool

from app.schemas.common import RequestModel, ResponseModel


class DunningSettingsOut(ResponseModel):
    enabled: bool
    days_before_due: int
    on_due_date: bool
    repeat_every_days: int
    max_overdue_reminders: int
    updated_at: datetime


class DunningSettingsUpdate(RequestModel):
    enabled: StrictBool | None = None
    days_before_due: int | None = Field(default=None, ge=0, le=60, description="0: none")
    on_due_date: StrictBool | None = None
    repeat_every_days: int | None = Field(default=None, ge=1, le=90)
    max_overdue_reminders: int | None = Field(default=None, ge=0, le=24)
