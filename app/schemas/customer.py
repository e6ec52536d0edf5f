from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import EmailStr, Field, StrictBool

from app.models.enums import GstTreatment
from app.schemas.common import (
    Gstin,
    InputModel,
    LongText,
    Money,
    MoneyOut,
    Name,
    Pan,
    Phone,
    Pincode,
    RequestModel,
    ResponseModel,
    ShortText,
    StateCode,
)


class CustomerFields(RequestModel):
    """Every field a client may set; all optional here, required ones are on Create."""

    code: str | None = Field(
        default=None, min_length=1, max_length=30, pattern=r"^[A-Za-z0-9/_.-]+$"
    )
    legal_name: Name | None = None
    contact_person: Name | None = None
    email: EmailStr | None = None
    cc_emails: list[EmailStr] | None = Field(default=None, max_length=10)
    phone: Phone | None = None
    gst_treatment: GstTreatment | None = None
    gstin: Gstin | None = None
    pan: Pan | None = None
    state_code: StateCode | None = Field(default=None, description="Two-digit GST state code")
    country_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    billing_address_line1: ShortText | None = None
    billing_address_line2: ShortText | None = None
    billing_city: ShortText | None = None
    billing_pincode: Pincode | None = None
    shipping_address_line1: ShortText | None = None
    shipping_address_line2: ShortText | None = None
    shipping_city: ShortText | None = None
    shipping_pincode: Pincode | None = None
    shipping_state_code: StateCode | None = None
    client_type_id: uuid.UUID | None = None
    account_manager_id: uuid.UUID | None = None
    default_due_days: int | None = Field(default=None, ge=0, le=365)
    credit_limit: Money | None = None
    exclude_from_reminders: StrictBool | None = None
    notes: LongText | None = None


class CustomerCreate(CustomerFields):
    name: Name


class CustomerUpdate(CustomerFields):
    name: Name | None = None
    is_active: StrictBool | None = None


class CustomerFilters(InputModel):
    search: str | None = Field(
        default=None, max_length=100, description="Name, email, GSTIN or code"
    )
    client_type_id: uuid.UUID | None = None
    account_manager_id: uuid.UUID | None = None
    state_code: str | None = Field(default=None, pattern=r"^[0-9]{2}$")
    include_archived: bool = False


class CustomerOut(ResponseModel):
    id: uuid.UUID
    code: str
    name: str
    legal_name: str | None
    contact_person: str | None
    email: str | None
    cc_emails: list[str]
    phone: str | None
    gst_treatment: str
    gstin: str | None
    pan: str | None
    state_code: str
    country_code: str
    billing_address_line1: str | None
    billing_address_line2: str | None
    billing_city: str | None
    billing_pincode: str | None
    shipping_address_line1: str | None
    shipping_address_line2: str | None
    shipping_city: str | None
    shipping_pincode: str | None
    shipping_state_code: str | None
    client_type_id: uuid.UUID | None
    account_manager_id: uuid.UUID | None
    default_due_days: int | None
    credit_limit: MoneyOut | None
    exclude_from_reminders: bool
    notes: str | None
    is_active: bool
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    balances: CustomerBalancesOut | None = Field(
        default=None, description="On the detail view: outstanding, overdue and advances"
    )


class CustomerBalancesOut(ResponseModel):
    outstanding: MoneyOut = Field(description="Sum of amounts due on open invoices")
    overdue: MoneyOut
    overdue_count: int
    unallocated_receipts: MoneyOut = Field(description="Advances received, not yet allocated")
    unused_credit: MoneyOut = Field(description="Credit-note balance not yet applied or refunded")
    advance: MoneyOut
    net_receivable: MoneyOut = Field(description="outstanding - advance")


class StatementEntryOut(ResponseModel):
    date: date
    kind: str
    document_id: uuid.UUID
    number: str | None
    debit: MoneyOut
    credit: MoneyOut
    tds: MoneyOut
    balance: MoneyOut


class StatementOut(ResponseModel):
    customer_id: uuid.UUID
    customer_name: str
    date_from: date
    date_to: date
    opening_balance: MoneyOut
    entries: list[StatementEntryOut]
    total_debit: MoneyOut
    total_credit: MoneyOut
    closing_balance: MoneyOut
