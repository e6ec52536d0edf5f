"""Dashboard and report responses. Money is a string with two decimals, as everywhere.

Tabular reports share one shape: the period, the company filter, ``rows`` and ``totals``.
Their CSV and XLSX forms hold exactly the ``rows`` (same columns, same order).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from app.schemas.common import MoneyOut, RateOut

DaysOut = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.1f}", return_type=str)]


class ReportModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class HeadsOut(ReportModel):
    """Tax by head."""

    cgst: MoneyOut
    sgst: MoneyOut
    utgst: MoneyOut
    igst: MoneyOut
    cess: MoneyOut
    total: MoneyOut


# --------------------------------------------------------------------------- dashboard


class InvoicedOut(ReportModel):
    count: int
    taxable: MoneyOut
    gross: MoneyOut = Field(description="Grand totals, tax and round-off included")


class CollectedOut(ReportModel):
    count: int
    amount: MoneyOut = Field(description="Money received")
    tds: MoneyOut = Field(description="Tax deducted at source by the customers")
    total: MoneyOut = Field(description="Amount + TDS: what settles invoices")


class CreditedOut(ReportModel):
    count: int
    taxable: MoneyOut
    tax: MoneyOut
    total: MoneyOut


class RefundedOut(ReportModel):
    count: int
    amount: MoneyOut


class AmountCountOut(ReportModel):
    amount: MoneyOut
    count: int


class TopRevenueOut(ReportModel):
    customer_id: uuid.UUID
    name: str
    invoiced: MoneyOut = Field(description="Taxable value invoiced in the period")
    credited: MoneyOut = Field(description="Taxable value of credit notes in the period")
    revenue: MoneyOut = Field(description="Invoiced less credited")


class TopOutstandingOut(ReportModel):
    customer_id: uuid.UUID
    name: str
    amount: MoneyOut
    count: int


class DashboardMetricsOut(ReportModel):
    date_from: date
    date_to: date
    company_id: uuid.UUID | None
    as_of: date = Field(description="Today (IST): the date of outstanding and overdue")
    invoiced: InvoicedOut
    gst: HeadsOut = Field(description="GST on the invoices of the period, by head")
    collected: CollectedOut
    credit_notes: CreditedOut
    refunds: RefundedOut
    outstanding: AmountCountOut = Field(description="Amount due on open invoices, today")
    overdue: AmountCountOut = Field(description="Of which past the due date")
    customers_billed: int
    paid_invoices: int = Field(
        description="Invoices fully paid by a receipt dated in the period (for the average)"
    )
    average_days_to_pay: DaysOut | None = Field(
        description="Invoice date to the date of the receipt that completed the payment"
    )
    top_customers_by_revenue: list[TopRevenueOut]
    top_customers_by_outstanding: list[TopOutstandingOut]


class ChartPointOut(ReportModel):
    period_start: date
    invoiced: MoneyOut = Field(description="Grand totals of invoices")
    collected: MoneyOut = Field(description="Receipts, amount + TDS")
    credited: MoneyOut = Field(description="Grand totals of credit notes")


class RevenueChartOut(ReportModel):
    date_from: date
    date_to: date
    company_id: uuid.UUID | None
    interval: str
    series: list[ChartPointOut]


class BucketOut(ReportModel):
    amount: MoneyOut
    count: int


class AgingBucketsOut(ReportModel):
    not_due: BucketOut
    days_1_30: BucketOut = Field(alias="1_30")
    days_31_60: BucketOut = Field(alias="31_60")
    days_61_90: BucketOut = Field(alias="61_90")
    over_90: BucketOut
    total: BucketOut


class AgingCustomerOut(AgingBucketsOut):
    customer_id: uuid.UUID
    name: str


class AgingOut(ReportModel):
    as_of: date
    company_id: uuid.UUID | None
    total: AgingBucketsOut
    customers: list[AgingCustomerOut]


# --------------------------------------------------------------------------- tabular


class ReportHeader(ReportModel):
    date_from: date
    date_to: date
    company_id: uuid.UUID | None


class TaxColumns(ReportModel):
    taxable_value: MoneyOut
    cgst: MoneyOut
    sgst: MoneyOut
    utgst: MoneyOut
    igst: MoneyOut
    cess: MoneyOut


class SalesRegisterRow(TaxColumns):
    doc_type: str = Field(description="invoice or credit_note (credit notes are negative)")
    document_id: uuid.UUID
    number: str | None
    document_date: date
    against_invoice: str | None = Field(description="For a credit note: the invoice number")
    customer_id: uuid.UUID
    customer_name: str | None
    gstin: str | None
    place_of_supply: str
    place_of_supply_name: str
    supply_type: str
    reverse_charge: bool
    round_off: MoneyOut
    total: MoneyOut


class SalesRegisterTotals(TaxColumns):
    invoices: int
    credit_notes: int
    round_off: MoneyOut
    total: MoneyOut


class SalesRegisterOut(ReportHeader):
    rows: list[SalesRegisterRow]
    totals: SalesRegisterTotals


class GstSummaryRow(TaxColumns):
    gst_rate: RateOut
    supply_type: str
    zero_rated: str = Field(description="none, lut (without tax) or with_payment")
    total_tax: MoneyOut


class GstSummaryTotals(TaxColumns):
    total_tax: MoneyOut


class GstSummaryOut(ReportHeader):
    rows: list[GstSummaryRow]
    totals: GstSummaryTotals


class HsnSummaryRow(TaxColumns):
    hsn_sac: str
    description: str | None
    uqc: str
    gst_rate: RateOut
    quantity: RateOut
    total_value: MoneyOut


class HsnSummaryTotals(TaxColumns):
    total_value: MoneyOut


class HsnSummaryOut(ReportHeader):
    rows: list[HsnSummaryRow]
    totals: HsnSummaryTotals


class ReceivablesColumns(ReportModel):
    not_due: MoneyOut
    days_1_30: MoneyOut = Field(alias="1_30")
    days_31_60: MoneyOut = Field(alias="31_60")
    days_61_90: MoneyOut = Field(alias="61_90")
    over_90: MoneyOut
    outstanding: MoneyOut
    open_invoices: int
    unallocated_receipts: MoneyOut
    unused_credit: MoneyOut
    net_receivable: MoneyOut


class ReceivablesRow(ReceivablesColumns):
    customer_id: uuid.UUID
    customer_code: str
    customer_name: str
    gstin: str | None


class ReceivablesOut(ReportModel):
    as_of: date
    company_id: uuid.UUID | None
    rows: list[ReceivablesRow]
    totals: ReceivablesColumns


class ReceiptsRegisterRow(ReportModel):
    receipt_id: uuid.UUID
    number: str
    receipt_date: date
    customer_id: uuid.UUID
    customer_name: str
    customer_pan: str | None
    customer_gstin: str | None
    mode: str
    reference: str | None
    amount: MoneyOut
    tds_amount: MoneyOut
    tds_section: str | None
    total: MoneyOut
    allocated: MoneyOut
    refunded: MoneyOut
    unallocated: MoneyOut


class ReceiptsRegisterTotals(ReportModel):
    receipts: int
    amount: MoneyOut
    tds_amount: MoneyOut
    total: MoneyOut
    allocated: MoneyOut
    refunded: MoneyOut
    unallocated: MoneyOut


class ReceiptsRegisterOut(ReportHeader):
    rows: list[ReceiptsRegisterRow]
    totals: ReceiptsRegisterTotals


class TdsRow(ReportModel):
    tds_section: str
    customer_id: uuid.UUID
    customer_name: str
    customer_pan: str | None
    receipts: int
    amount_received: MoneyOut
    tds_amount: MoneyOut


class TdsSectionOut(ReportModel):
    tds_section: str
    receipts: int
    amount_received: MoneyOut
    tds_amount: MoneyOut


class TdsTotals(ReportModel):
    receipts: int
    amount_received: MoneyOut
    tds_amount: MoneyOut


class TdsReceivableOut(ReportHeader):
    rows: list[TdsRow]
    sections: list[TdsSectionOut]
    totals: TdsTotals


class GroupColumns(ReportModel):
    customers: int
    invoiced: MoneyOut = Field(description="Taxable value invoiced in the period")
    credited: MoneyOut = Field(description="Taxable value of credit notes in the period")
    revenue: MoneyOut = Field(description="Invoiced less credited")
    outstanding: MoneyOut = Field(description="Amount due on open invoices, today")
    open_invoices: int


class GroupRow(GroupColumns):
    group_id: uuid.UUID | None = Field(description="None: customers without one")
    name: str | None


class GroupReportOut(ReportHeader):
    rows: list[GroupRow]
    totals: GroupColumns
