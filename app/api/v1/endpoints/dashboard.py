"""Dashboard: metrics of a period, the revenue chart and receivables aging (Indian dates)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Response

from app.api.v1.endpoints.reports import AsOf, CompanyFilter, Periods
from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.permissions import Permission
from app.schemas.reports import AgingOut, DashboardMetricsOut, RevenueChartOut
from app.services.reports import DashboardService

router = ResourceRouter(prefix="/dashboard", tags=["dashboard"])
Reader = Annotated[DashboardService, Depends(service_for(DashboardService, Permission.READ))]


@router.get("/metrics")
async def metrics(
    service: Reader, periods: Periods, company_id: CompanyFilter = None
) -> DashboardMetricsOut:
    """Invoiced (taxable and gross), GST by head, collected (amount + TDS), credit notes,
    refunds, outstanding and overdue today, customers billed, average days to pay, and
    the top 5 customers by revenue and by outstanding. Default period: this month."""
    return await service.metrics(periods.resolve(), company_id)


@router.get("/revenue-chart")
async def revenue_chart(
    service: Reader,
    periods: Periods,
    interval: Literal["month", "week", "day"] = "month",
    company_id: CompanyFilter = None,
) -> RevenueChartOut:
    """Invoiced, collected and credited per month, week (from Monday) or day; periods
    without documents are zeros. Default period: this financial year."""
    return await service.revenue_chart(periods.resolve(default="fy"), interval, company_id)


@router.get("/aging-analysis", response_model=AgingOut)
async def aging_analysis(
    service: Reader, as_of: AsOf = None, company_id: CompanyFilter = None
) -> Response:
    """Amounts due on open invoices by days past due at ``as_of`` (not due, 1-30, 31-60,
    61-90, over 90), with invoice counts, in total and per customer."""
    return Response(await service.aging(as_of, company_id), media_type="application/json")
