from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StrictBool, computed_field, model_validator

from app.models.enums import PaymentMode
from app.schemas.common import InputModel, IsoDate, LongText, MoneyOut, RequestModel, ResponseModel

Amount = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2)]
TdsAmount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Reference = Annotated[str, Field(max_length=100)]
TdsSection = Annotated[str, Field(pattern=r"^[0-9]{3}[A-Z]{0,3}(\([0-9a-z]+\))?$", max_length=12)]


class AllocationIn(RequestModel):
    invoice_id: uuid.UUID
    amount: Amount


class ReceiptCreate(RequestModel):
    customer_id: uuid.UUID
    company_id: uuid.UUID | None = Field(default=None, description="Default: the default company")
    receipt_date: IsoDate | None = Field(default=None, description="Default: today (IST)")
    amount: Amount = Field(description="Money received")
    tds_amount: TdsAmount = Field(default=Decimal("0"), description="Tax deducted at source")
    tds_section: TdsSection | None = Field(default=None, description="e.g. 194J, 194C")
    mode: PaymentMode
    reference: Reference | None = Field(default=None, description="UTR, cheque number, ...")
    notes: LongText | None = None
    allocations: list[AllocationIn] | None = Field(default=None, max_length=500)
    auto_allocate: StrictBool = Field(
        default=False, description="Settle the customer's oldest open invoices first"
    )

    @model_validator(mode="after")
    def _consistent(self) -> ReceiptCreate:
        if self.tds_amount > 0 and not self.tds_section:
            raise ValueError("tds_section is required when tds_amount is given")
        if self.allocations and self.auto_allocate:
            raise ValueError("give allocations or auto_allocate, not both")
        return self


class ReceiptUpdate(RequestModel):
    receipt_date: IsoDate | None = None
    amount: Amount | None = None
    tds_amount: TdsAmount | None = None
    tds_section: TdsSection | None = None
    mode: PaymentMode | None = None
    reference: Reference | None = None
    notes: LongText | None = None


class AllocateRequest(RequestModel):
    allocations: list[AllocationIn] | None = Field(default=None, min_length=1, max_length=500)
    auto: StrictBool = False

    @model_validator(mode="after")
    def _one_way(self) -> AllocateRequest:
        if bool(self.allocations) == self.auto:
            raise ValueError("give either allocations or auto: true")
        return self


class RefundCreate(RequestModel):
    amount: Amount
    refund_date: IsoDate | None = None
    mode: PaymentMode
    reference: Reference | None = None
    notes: LongText | None = None


class ReceiptFilters(InputModel):
    customer_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    mode: PaymentMode | None = None
    unallocated: bool | None = Field(default=None, description="Only receipts with money left")
    search: Annotated[str, Field(max_length=100)] | None = Field(
        default=None, description="Reference (UTR / cheque) or receipt number"
    )


class AllocationOut(ResponseModel):
    id: uuid.UUID
    invoice_id: uuid.UUID
    amount: MoneyOut
    created_at: datetime


class RefundOut(ResponseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    credit_note_id: uuid.UUID | None
    receipt_id: uuid.UUID | None
    refund_date: date
    amount: MoneyOut
    mode: str
    reference: str | None
    created_at: datetime


class ReceiptOut(ResponseModel):
    id: uuid.UUID
    number: str
    financial_year: str
    customer_id: uuid.UUID
    company_id: uuid.UUID
    receipt_date: date
    amount: MoneyOut
    tds_amount: MoneyOut
    tds_section: str | None
    mode: str
    reference: str | None
    notes: str | None
    amount_allocated: MoneyOut
    amount_refunded: MoneyOut
    created_at: datetime
    updated_at: datetime
    allocations: list[AllocationOut]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def settled_value(self) -> MoneyOut:
        """Amount received plus TDS: what settles invoices."""
        return self.amount + self.tds_amount

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unallocated(self) -> MoneyOut:
        """Left as an advance: can be allocated later or refunded."""
        return self.amount + self.tds_amount - self.amount_allocated - self.amount_refunded
