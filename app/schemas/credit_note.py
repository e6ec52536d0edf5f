from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StrictBool, computed_field, model_validator

from app.models.enums import CreditNoteReason
from app.schemas.common import (
    InputModel,
    IsoDate,
    LongText,
    MoneyOut,
    PriceOut,
    RateOut,
    RequestModel,
    ResponseModel,
)
from app.schemas.invoice import Quantity
from app.schemas.receipt import Amount


class CreditLineIn(RequestModel):
    invoice_line_item_id: uuid.UUID
    quantity: Quantity | None = Field(default=None, description="Credit this many units")
    taxable_value: Amount | None = Field(
        default=None, description="Or credit this value (before tax), e.g. a post-sale discount"
    )

    @model_validator(mode="after")
    def _one_measure(self) -> CreditLineIn:
        if (self.quantity is None) == (self.taxable_value is None):
            raise ValueError("give either quantity or taxable_value")
        return self


class CreditNoteCreate(RequestModel):
    invoice_id: uuid.UUID
    credit_note_date: IsoDate | None = Field(default=None, description="Default: today (IST)")
    reason: CreditNoteReason
    reason_note: LongText | None = None
    lines: list[CreditLineIn] = Field(min_length=1, max_length=1000)
    issue: StrictBool = False


class CreditNoteApplyRequest(RequestModel):
    invoice_id: uuid.UUID
    amount: Amount


class CreditNoteFilters(InputModel):
    status: Annotated[str, Field(pattern="^(draft|issued|void)$")] | None = None
    customer_id: uuid.UUID | None = None
    invoice_id: uuid.UUID | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    reason: CreditNoteReason | None = None


class CreditNoteLineOut(ResponseModel):
    id: uuid.UUID
    position: int
    invoice_line_item_id: uuid.UUID
    description: str
    hsn_sac: str | None
    uqc: str
    quantity: RateOut
    unit_price: PriceOut
    taxable_value: MoneyOut
    gst_rate: RateOut
    cess_rate: RateOut
    cgst_amount: MoneyOut
    sgst_amount: MoneyOut
    utgst_amount: MoneyOut
    igst_amount: MoneyOut
    cess_amount: MoneyOut
    line_total: MoneyOut


class CreditNoteOut(ResponseModel):
    id: uuid.UUID
    number: str | None
    status: str
    company_id: uuid.UUID
    customer_id: uuid.UUID
    invoice_id: uuid.UUID
    credit_note_date: date
    reason: str
    reason_note: str | None
    place_of_supply: str
    supply_type: str
    is_reverse_charge: bool
    subtotal: MoneyOut
    taxable_total: MoneyOut
    cgst_total: MoneyOut
    sgst_total: MoneyOut
    utgst_total: MoneyOut
    igst_total: MoneyOut
    cess_total: MoneyOut
    round_off: MoneyOut
    grand_total: MoneyOut
    amount_applied: MoneyOut
    amount_refundable: MoneyOut
    amount_in_words: str | None
    issued_at: datetime | None
    voided_at: datetime | None
    void_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    lines: list[CreditNoteLineOut]

    @computed_field(description="Credit not yet applied or refunded")  # type: ignore[prop-decorator]
    @property
    def credit_balance(self) -> MoneyOut:
        return self.amount_refundable
