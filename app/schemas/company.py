from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import EmailStr, Field, StrictBool, computed_field

from app.models.enums import DocumentType, RegistrationType
from app.schemas.common import (
    Gstin,
    InputModel,
    IsoDate,
    LongText,
    Name,
    Pan,
    Phone,
    Pincode,
    Rate,
    RequestModel,
    ResponseModel,
    ShortText,
    StateCode,
)
from app.services.numbering import SeriesFormat
from app.utils.clock import today_ist
from app.utils.gst import financial_year

Ifsc = Annotated[str, Field(pattern=r"^[A-Z]{4}0[A-Z0-9]{6}$", description="e.g. HDFC0000123")]
AccountNumber = Annotated[str, Field(pattern=r"^[0-9]{9,18}$")]
UpiVpa = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{2,256}@[A-Za-z]{2,64}$")]
LogoUrl = Annotated[
    str,
    Field(
        max_length=400_000,
        pattern=r"^(data:image/(png|jpeg|svg\+xml);base64,[A-Za-z0-9+/=]+|https://\S+)$",
        description="A data: URI (printed on PDFs) or an https URL (shown by the SPA)",
    ),
]


class CompanyFields(RequestModel):
    trade_name: Name | None = None
    gstin: Gstin | None = None
    pan: Pan | None = None
    state_code: StateCode | None = Field(default=None, description="Taken from the GSTIN if unset")
    address_line1: ShortText | None = None
    address_line2: ShortText | None = None
    city: ShortText | None = None
    pincode: Pincode | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    bank_name: ShortText | None = None
    bank_account_name: ShortText | None = None
    bank_account_number: AccountNumber | None = None
    bank_ifsc: Ifsc | None = None
    bank_branch: ShortText | None = None
    upi_vpa: UpiVpa | None = None
    logo_url: LogoUrl | None = None
    accent_colour: str | None = Field(
        default=None, pattern=r"^#[0-9a-fA-F]{6}$", description="Brand colour, e.g. #1f4e79"
    )
    invoice_terms: LongText | None = None
    default_due_days: int | None = Field(default=None, ge=0, le=365)
    is_default: StrictBool | None = None


class CompanyCreate(CompanyFields):
    legal_name: Name


class CompanyUpdate(CompanyFields):
    legal_name: Name | None = None


class CompanyOut(ResponseModel):
    id: uuid.UUID
    legal_name: str
    trade_name: str | None
    gstin: str | None
    pan: str | None
    state_code: str
    address_line1: str | None
    address_line2: str | None
    city: str | None
    pincode: str | None
    email: str | None
    phone: str | None
    bank_name: str | None
    bank_account_name: str | None
    bank_account_number: str | None
    bank_ifsc: str | None
    bank_branch: str | None
    upi_vpa: str | None
    logo_url: str | None
    accent_colour: str | None
    invoice_terms: str | None
    default_due_days: int
    is_default: bool
    created_at: datetime
    updated_at: datetime


SeriesPrefix = Annotated[
    str, Field(min_length=1, max_length=12, pattern=r"^[A-Za-z1-9][A-Za-z0-9/-]*$")
]
NumberFormat = Annotated[str, Field(min_length=5, max_length=40)]


class DocumentSeriesCreate(RequestModel):
    company_id: uuid.UUID
    document_type: DocumentType
    prefix: SeriesPrefix
    number_format: NumberFormat = "{prefix}/{fy}/{seq:04d}"
    is_default: StrictBool = True


class DocumentSeriesUpdate(RequestModel):
    prefix: SeriesPrefix | None = None
    number_format: NumberFormat | None = None
    is_default: StrictBool | None = None
    is_active: StrictBool | None = None


class DocumentSeriesFilters(InputModel):
    company_id: uuid.UUID | None = None
    document_type: DocumentType | None = None


class DocumentSeriesOut(ResponseModel):
    id: uuid.UUID
    company_id: uuid.UUID
    document_type: str
    prefix: str
    number_format: str
    is_default: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @computed_field(description="The first number of the current financial year")  # type: ignore[prop-decorator]
    @property
    def example(self) -> str:
        return SeriesFormat(self.prefix, self.number_format).render(financial_year(today_ist()), 1)


class GstSettingsOut(ResponseModel):
    registration_type: str
    apply_round_off: bool
    hsn_digits_required: int
    e_invoice_applicable: bool
    updated_at: datetime


class GstSettingsUpdate(RequestModel):
    registration_type: RegistrationType | None = None
    apply_round_off: StrictBool | None = None
    hsn_digits_required: int | None = Field(default=None, description="4, 6 or 8")
    e_invoice_applicable: StrictBool | None = None


class TaxRateCreate(RequestModel):
    name: ShortText | None = None
    rate: Rate
    cess_rate: Rate = Decimal("0")
    effective_from: IsoDate
    effective_to: IsoDate | None = None
