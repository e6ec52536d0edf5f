from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import EmailStr, Field

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
    erasure_scheduled_for: datetime | None = Field(
        default=None,
        validation_alias="deletion_scheduled_at",
        description="pending_deletion: when the erasure runs (owners can cancel until "
        "then); erased: when the records kept for GST law are deleted",
    )
    created_at: datetime
    updated_at: datetime


class TenantUpdate(RequestModel):
    name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None


class UsageOut(ResponseModel):
    used: int
    limit: int | None = Field(description="None: unlimited on this plan")


class SubscriptionOut(ResponseModel):
    plan: str
    status: str
    access: str = Field(description="trial, paid, free_tier, grace (read-only soon) or locked")
    trial_start_date: date | None
    trial_end_date: date | None
    trial_days_remaining: int
    current_period_start: date | None
    current_period_end: date | None
    cancel_at_period_end: bool
    prompt_upgrade: bool
    upgrade_url: str
    usage: dict[str, UsageOut]


class UpgradeRequest(RequestModel):
    plan: Literal["monthly", "yearly"]
    provider: Literal["manual"] = "manual"
    payment_reference: str = Field(
        min_length=4, max_length=100, description="The owner-confirmed payment's reference"
    )
