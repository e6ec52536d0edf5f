"""Dashboard and reports (Issue 6): every figure is an SQL aggregate over the tenant's
documents that count: invoices issued, partly paid or paid; issued credit notes; receipts
and refunds not deleted."""

from app.services.reports.dashboard import DashboardService
from app.services.reports.registers import ReportService

__all__ = ["DashboardService", "ReportService"]
