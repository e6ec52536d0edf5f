from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import EmailStr, Field, StrictBool

from app.schemas.common import (
    HsnSac,
    LongText,
    Name,
    Phone,
    PriceOut,
    Rate,
    RateOut,
    RequestModel,
    ResponseModel,
    Uqc,
)

UnitPrice = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]


class ClientTypeCreate(RequestModel):
    name: Name
    description: LongText | None = None


class ClientTypeUpdate(RequestModel):
    name: Name | None = None
    description: LongText | None = None


class ClientTypeOut(ResponseModel):
    id: uuid.UUID
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class AccountManagerCreate(RequestModel):
    name: Name
    email: EmailStr | None = None
    phone: Phone | None = None
    user_id: uuid.UUID | None = None
    is_active: StrictBool = True


class AccountManagerUpdate(RequestModel):
    name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    user_id: uuid.UUID | None = None
    is_active: StrictBool | None = None


class AccountManagerOut(ResponseModel):
    id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    user_id: uuid.UUID | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ServiceTypeCreate(RequestModel):
    name: Name
    description: LongText | None = None
    hsn_sac_code: HsnSac = Field(description="HSN (goods) or SAC (services) code")
    is_service: StrictBool = True
    default_gst_rate: Rate
    cess_rate: Rate = Decimal("0")
    unit: Uqc = "NOS"
    default_unit_price: UnitPrice | None = None
    is_active: StrictBool = True


class ServiceTypeUpdate(RequestModel):
    name: Name | None = None
    description: LongText | None = None
    hsn_sac_code: HsnSac | None = None
    is_service: StrictBool | None = None
    default_gst_rate: Rate | None = None
    cess_rate: Rate | None = None
    unit: Uqc | None = None
    default_unit_price: UnitPrice | None = None
    is_active: StrictBool | None = None


class ServiceTypeOut(ResponseModel):
    id: uuid.UUID
    name: str
    description: str | None
    hsn_sac_code: str
    is_service: bool
    default_gst_rate: RateOut
    cess_rate: RateOut
    unit: str
    default_unit_price: PriceOut | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class TaxRateOut(ResponseModel):
    id: uuid.UUID
    name: str
    rate: RateOut
    cess_rate: RateOut
    effective_from: date
    effective_to: date | None
    is_active: bool
