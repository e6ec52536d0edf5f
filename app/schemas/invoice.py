from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import EmailStr, Field, StrictBool, computed_field, model_validator

from app.models.enums import DiscountType, ZeroRatedMode
from app.schemas.common import (
    HsnSac,
    InputModel,
    IsoDate,
    LongText,
    MoneyOut,
    PriceOut,
    Rate,
    RateOut,
    RequestModel,
    ResponseModel,
    ShortText,
    StateCode,
    Uqc,
)
from app.utils.clock import today_ist

Quantity = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=3)]
UnitPrice = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
Discount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
MAX_LINES = 1000


class InvoiceLineIn(RequestModel):
    service_type_id: uuid.UUID | None = Field(
        default=None, description="Carries over name, HSN/SAC, unit, price and GST rate"
    )
    description: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    hsn_sac: HsnSac | None = None
    uqc: Uqc | None = None
    quantity: Quantity = Decimal("1")
    unit_price: UnitPrice | None = None
    discount_type: DiscountType = DiscountType.AMOUNT
    discount_value: Discount = Decimal("0")
    gst_rate: Rate | None = None
    cess_rate: Rate | None = None

    @model_validator(mode="after")
    def _described(self) -> InvoiceLineIn:
        if self.service_type_id is None:
            missing = [
                name
                for name in ("description", "unit_price", "gst_rate")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(f"a line without service_type_id needs {', '.join(missing)}")
        if self.discount_type == DiscountType.PERCENT and self.discount_value > 100:
            raise ValueError("a percentage discount is at most 100")
        return self


class InvoiceFields(RequestModel):
    company_id: uuid.UUID | None = Field(default=None, description="Default: the default company")
    invoice_date: IsoDate | None = Field(default=None, description="Default: today (IST)")
    due_date: IsoDate | None = None
    place_of_supply: StateCode | None = Field(
        default=None, description="Default: the customer's GSTIN state, else billing state"
    )
    zero_rated_mode: ZeroRatedMode | None = None
    lut_reference: ShortText | None = None
    is_reverse_charge: StrictBool | None = None
    notes: LongText | None = None
    terms: LongText | None = None


class InvoiceCreate(InvoiceFields):
    customer_id: uuid.UUID
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=MAX_LINES)
    issue: StrictBool = Field(default=False, description="Issue (number) it at once")


class InvoiceUpdate(InvoiceFields):
    customer_id: uuid.UUID | None = None
    lines: list[InvoiceLineIn] | None = Field(default=None, min_length=1, max_length=MAX_LINES)


class VoidRequest(RequestModel):
    reason: Annotated[str, Field(min_length=3, max_length=500)]


class SendRequest(RequestModel):
    to: list[EmailStr] | None = Field(
        default=None, max_length=10, description="Default: the customer's email and CCs"
    )
    message: LongText | None = None


class InvoiceFilters(InputModel):
    status: (
        Annotated[str, Field(pattern="^(draft|issued|partially_paid|paid|void|overdue)$")] | None
    ) = None
    customer_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    due_from: IsoDate | None = None
    due_to: IsoDate | None = None
    amount_min: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    amount_max: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    search: Annotated[str, Field(max_length=100)] | None = Field(
        default=None, description="Invoice number or customer name"
    )


class InvoiceLineOut(ResponseModel):
    id: uuid.UUID
    position: int
    service_type_id: uuid.UUID | None
    description: str
    hsn_sac: str | None
    uqc: str
    quantity: RateOut
    unit_price: PriceOut
    discount_type: str
    discount_value: RateOut
    discount_amount: MoneyOut
    taxable_value: MoneyOut
    gst_rate: RateOut
    cess_rate: RateOut
    cgst_amount: MoneyOut
    sgst_amount: MoneyOut
    utgst_amount: MoneyOut
    igst_amount: MoneyOut
    cess_amount: MoneyOut
    line_total: MoneyOut


class TaxBreakdownOut(ResponseModel):
    gst_rate: RateOut
    cess_rate: RateOut
    taxable_value: MoneyOut
    cgst_amount: MoneyOut
    sgst_amount: MoneyOut
    utgst_amount: MoneyOut
    igst_amount: MoneyOut
    cess_amount: MoneyOut


ZERO = Decimal("0.00")
_SUMMED = (
    "taxable_value",
    "cgst_amount",
    "sgst_amount",
    "utgst_amount",
    "igst_amount",
    "cess_amount",
)


class InvoiceSummaryOut(ResponseModel):
    id: uuid.UUID
    number: str | None
    status: str
    kind: str
    company_id: uuid.UUID
    customer_id: uuid.UUID
    invoice_date: date
    due_date: date | None
    place_of_supply: str
    supply_type: str
    taxable_total: MoneyOut
    grand_total: MoneyOut
    amount_paid: MoneyOut
    amount_credited: MoneyOut
    amount_due: MoneyOut
    issued_at: datetime | None
    sent_at: datetime | None
    created_at: datetime
    updated_at: datetime
    customer_name: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def is_overdue(self) -> bool:
        return (
            self.status in ("issued", "partially_paid")
            and self.due_date is not None
            and self.due_date < today_ist()
            and self.amount_due > 0
        )


class InvoiceOut(InvoiceSummaryOut):
    billing_snapshot: dict[str, Any] = Field(exclude=True)
    financial_year: str | None
    zero_rated_mode: str
    lut_reference: str | None
    is_reverse_charge: bool
    subtotal: MoneyOut
    discount_total: MoneyOut
    cgst_total: MoneyOut
    sgst_total: MoneyOut
    utgst_total: MoneyOut
    igst_total: MoneyOut
    cess_total: MoneyOut
    round_off: MoneyOut
    amount_in_words: str | None
    notes: str | None
    terms: str | None
    voided_at: datetime | None
    void_reason: str | None
    sent_to: list[str] | None
    version: int
    lines: list[InvoiceLineOut]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def parties(self) -> dict[str, Any]:
        """Supplier and buyer as printed (frozen when the invoice was issued)."""
        return {k: v for k, v in self.billing_snapshot.items() if k in ("supplier", "buyer")}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def endorsement(self) -> str | None:
        value = self.billing_snapshot.get("endorsement")
        return str(value) if value else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tax_breakdown(self) -> list[TaxBreakdownOut]:
        """Per (GST rate, cess rate): taxable value and each tax head, summed over lines."""
        groups: dict[tuple[Decimal, Decimal], dict[str, Decimal]] = {}
        for line in self.lines:
            row = groups.setdefault((line.gst_rate, line.cess_rate), dict.fromkeys(_SUMMED, ZERO))
            for name in _SUMMED:
                row[name] += getattr(line, name)
        return [
            TaxBreakdownOut(gst_rate=rate, cess_rate=cess, **sums)
            for (rate, cess), sums in sorted(groups.items())
        ]


class SendAccepted(ResponseModel):
    invoice_id: uuid.UUID
    recipients: list[str]
    job_id: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> str:
        return "queued"
