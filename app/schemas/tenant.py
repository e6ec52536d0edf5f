from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import EmailStr

from app.schemas.common import Name, Phone, RequestModel, ResponseModel


class TenantOut(ResponseModel):
    id: uuid.UUID
    name: str
    email: str
    phone: str | None
    status: str
    trial_start_date: date | None
    trial_end_date: date | None
    is_trial_used: bool
    created_at: datetime
    updated_at: datetime


class TenantUpdate(RequestModel):
    name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None


class SubscriptionOut(ResponseModel):
    plan: str
    status: str
    trial_start_date: date | None
    trial_end_date: date | None
    trial_days_remaining: int
    current_period_start: date | None
    current_period_end: date | None
    cancel_at_period_end: bool
