"""Reports: registers, GST and HSN summaries, GSTR-1, receivables, TDS, revenue by group.

Tabular reports answer JSON (rows and totals), or the same rows as CSV or XLSX with
``?format=``. Periods are Indian dates: ``from``/``to``, or ``fy`` (2025-26); by default
this month. ``company_id`` narrows to one company (another tenant's id is a 404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, Protocol

from fastapi import Depends, Query, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.permissions import Permission
from app.schemas.common import IsoDate
from app.schemas.reports import (
    GroupReportOut,
    GroupRow,
    GstSummaryOut,
    GstSummaryRow,
    HsnSummaryOut,
    HsnSummaryRow,
    ReceiptsRegisterOut,
    ReceiptsRegisterRow,
    ReceivablesOut,
    ReceivablesRow,
    SalesRegisterOut,
    SalesRegisterRow,
    TdsReceivableOut,
    TdsRow,
)
from app.services.reports import ReportService
from app.services.reports.common import Period, resolve_period, return_period
from app.services.reports.export import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    exact_json,
    table_csv,
    table_xlsx,
)

router = ResourceRouter(prefix="/reports", tags=["reports"])
Reader = Annotated[ReportService, Depends(service_for(ReportService, Permission.READ))]

TableFormat = Literal["json", "csv", "xlsx"]
TABLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}},
        "description": "JSON, or the rows as CSV / XLSX with ?format=",
    }
}
CompanyFilter = Annotated[
    uuid.UUID | None, Query(description="One company (default: all the firm's companies)")
]
AsOf = Annotated[IsoDate | None, Query(description="Ages at this date (default: today, IST)")]


@dataclass(frozen=True)
class PeriodQuery:
    date_from: date | None
    date_to: date | None
    fy: str | None

    def resolve(self, default: str = "month") -> Period:
        return resolve_period(self.date_from, self.date_to, self.fy, default=default)


async def period_query(
    date_from: Annotated[
        IsoDate | None, Query(alias="from", description="First day (YYYY-MM-DD)")
    ] = None,
    date_to: Annotated[
        IsoDate | None, Query(alias="to", description="Last day (YYYY-MM-DD)")
    ] = None,
    fy: Annotated[
        str | None, Query(max_length=20, description="Financial year, e.g. 2025-26")
    ] = None,
) -> PeriodQuery:
    return PeriodQuery(date_from, date_to, fy)


Periods = Annotated[PeriodQuery, Depends(period_query)]


class _Tabular(Protocol):
    @property
    def rows(self) -> Any: ...


async def tabular(
    report: _Tabular, row_model: type[BaseModel], format: TableFormat, name: str, suffix: str
) -> Any:
    """The report as JSON, or its rows as a CSV or XLSX download (``<name>-<suffix>``)."""
    filename = f"{name}-{suffix}"
    if format == "csv":
        content = await run_in_threadpool(table_csv, row_model, report.rows)
        return Response(
            content,
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )
    if format == "xlsx":
        data = await run_in_threadpool(table_xlsx, row_model, report.rows, name)
        return Response(
            data,
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
        )
    return report


def _span(period: Period) -> str:
    return f"{period.start.isoformat()}-{period.end.isoformat()}"


@router.get("/sales-register", response_model=SalesRegisterOut, responses=TABLE_RESPONSES)
async def sales_register(
    service: Reader,
    periods: Periods,
    company_id: CompanyFilter = None,
    format: TableFormat = "json",
) -> Any:
    """Every issued invoice and credit note of the period (credit notes negative), with
    the buyer as printed, place of supply, taxable value and each tax head."""
    period = periods.resolve()
    report = await service.sales_register(period, company_id)
    return await tabular(report, SalesRegisterRow, format, "sales-register", _span(period))


@router.get("/gst-summary", response_model=GstSummaryOut, responses=TABLE_RESPONSES)
async def gst_summary(
    service: Reader,
    periods: Periods,
    company_id: CompanyFilter = None,
    format: TableFormat = "json",
) -> Any:
    """Taxable value and tax by head per GST rate and supply type, credit notes subtracted."""
    period = periods.resolve()
    report = await service.gst_summary(period, company_id)
    return await tabular(report, GstSummaryRow, format, "gst-summary", _span(period))


@router.get("/hsn-summary", response_model=HsnSummaryOut, responses=TABLE_RESPONSES)
async def hsn_summary(
    service: Reader,
    periods: Periods,
    company_id: CompanyFilter = None,
    format: TableFormat = "json",
) -> Any:
    """Per HSN/SAC code, unit and rate: description, quantity, taxable value and taxes,
    credit notes subtracted."""
    period = periods.resolve()
    report = await service.hsn_summary(period, company_id)
    return await tabular(report, HsnSummaryRow, format, "hsn-summary", _span(period))


@router.get(
    "/gstr1",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "GSTR-1 JSON for the GST portal's offline tool",
        }
    },
)
async def gstr1(
    service: Reader,
    period: Annotated[str, Query(max_length=20, description="Return period MMYYYY, e.g. 102025")],
    company_id: Annotated[
        uuid.UUID | None, Query(description="The GSTIN's company (default: the default one)")
    ] = None,
) -> Response:
    """B2B, B2CL, B2CS, CDNR, CDNUR, EXP, HSN and document summaries of one month; amounts
    are JSON numbers with two decimals, written exactly."""
    report = await service.gstr1(return_period(period), company_id)
    return Response(
        exact_json(report.body),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{report.filename}"'},
    )


@router.get("/receivables", response_model=ReceivablesOut, responses=TABLE_RESPONSES)
async def receivables(
    service: Reader,
    as_of: AsOf = None,
    company_id: CompanyFilter = None,
    format: TableFormat = "json",
) -> Any:
    """Outstanding per customer by days past due at ``as_of`` (not due, 1-30, 31-60,
    61-90, over 90), with today's advances (unallocated receipts, unused credit)."""
    report = await service.receivables(as_of, company_id)
    return await tabular(report, ReceivablesRow, format, "receivables", str(report.as_of))


@router.get("/receipts-register", response_model=ReceiptsRegisterOut, responses=TABLE_RESPONSES)
async def receipts_register(
    service: Reader,
    periods: Periods,
    company_id: CompanyFilter = None,
    format: TableFormat = "json",
) -> Any:
    """Receipts of the period with TDS amount and section, for matching TDS certificates."""
    period = periods.resolve()
    report = await service.receipts_register(period, company_id)
    return await tabular(report, ReceiptsRegisterRow, format, "receipts-register", _span(period))


@router.get("/tds-receivable", response_model=TdsReceivableOut, responses=TABLE_RESPONSES)
async def tds_receivable(
    service: Reader,
    periods: Periods,
    company_id: CompanyFilter = None,
    format: TableFormat = "json",
) -> Any:
    """TDS deducted by customers in the period, per section and customer, with section
    subtotals (the CSV/XLSX hold the per-customer rows)."""
    period = periods.resolve()
    report = await service.tds_receivable(period, company_id)
    return await tabular(report, TdsRow, format, "tds-receivable", _span(period))


@router.get("/by-client-type", response_model=GroupReportOut, responses=TABLE_RESPONSES)
async def by_client_type(
    service: Reader,
    periods: Periods,
    company_id: CompanyFilter = None,
    format: TableFormat = "json",
) -> Any:
    """Revenue (taxable, less credit notes) of the period and today's outstanding, per
    client type (customers without one together)."""
    period = periods.resolve()
    report = await service.by_client_type(period, company_id)
    return await tabular(report, GroupRow, format, "by-client-type", _span(period))


@router.get("/by-account-manager", response_model=GroupReportOut, responses=TABLE_RESPONSES)
async def by_account_manager(
    service: Reader,
    periods: Periods,
    company_id: CompanyFilter = None,
    format: TableFormat = "json",
) -> Any:
    """Revenue (taxable, less credit notes) of the period and today's outstanding, per
    account manager (customers without one together)."""
    period = periods.resolve()
    report = await service.by_account_manager(period, company_id)
    return await tabular(report, GroupRow, format, "by-account-manager", _span(period))
