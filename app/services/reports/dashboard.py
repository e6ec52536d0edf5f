"""Dashboard figures: metrics for a period, the revenue chart and receivables aging.

Every figure is an SQL aggregate; Python only places the result rows into the response.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import Principal, RequestInfo
from app.core.errors import ValidationFailed
from app.schemas.reports import (
    AmountCountOut,
    ChartPointOut,
    CollectedOut,
    CreditedOut,
    DashboardMetricsOut,
    HeadsOut,
    InvoicedOut,
    RefundedOut,
    RevenueChartOut,
    TopOutstandingOut,
    TopRevenueOut,
)
from app.services.reports.common import (
    INTERVALS,
    MAX_PERIODS,
    Period,
    as_int,
    company_or_404,
    money,
    params,
    period_count,
    scoped,
    splice,
)
from app.utils.clock import today_ist

METRICS: Final = """
SELECT * FROM
  (SELECT count(*) AS invoice_count,
          COALESCE(sum(i.taxable_total), 0) AS invoiced_taxable,
          COALESCE(sum(i.grand_total), 0) AS invoiced_gross,
          COALESCE(sum(i.cgst_total), 0) AS cgst,
          COALESCE(sum(i.sgst_total), 0) AS sgst,
          COALESCE(sum(i.utgst_total), 0) AS utgst,
          COALESCE(sum(i.igst_total), 0) AS igst,
          COALESCE(sum(i.cess_total), 0) AS cess,
          COALESCE(sum(i.cgst_total + i.sgst_total + i.utgst_total + i.igst_total
                       + i.cess_total), 0) AS tax_total,
          count(DISTINCT i.customer_id) AS customers_billed
     FROM invoices i
    WHERE i.tenant_id = app_current_tenant() AND i.status IN ('issued', 'partially_paid', 'paid')
      AND i.invoice_date BETWEEN :start AND :end /*company i*/) inv
CROSS JOIN
  (SELECT count(*) AS receipt_count,
          COALESCE(sum(r.amount), 0) AS collected_amount,
          COALESCE(sum(r.tds_amount), 0) AS collected_tds,
          COALESCE(sum(r.amount + r.tds_amount), 0) AS collected_total
     FROM receipts r
    WHERE r.tenant_id = app_current_tenant() AND r.deleted_at IS NULL
      AND r.receipt_date BETWEEN :start AND :end /*company r*/) rec
CROSS JOIN
  (SELECT count(*) AS credit_count,
          COALESCE(sum(n.taxable_total), 0) AS credited_taxable,
          COALESCE(sum(n.cgst_total + n.sgst_total + n.utgst_total + n.igst_total
                       + n.cess_total), 0) AS credited_tax,
          COALESCE(sum(n.grand_total), 0) AS credited_total
     FROM credit_notes n
    WHERE n.tenant_id = app_current_tenant() AND n.status = 'issued'
      AND n.credit_note_date BETWEEN :start AND :end /*company n*/) cn
CROSS JOIN
  (SELECT count(*) AS refund_count, COALESCE(sum(f.amount), 0) AS refunded
     FROM refunds f
    WHERE f.tenant_id = app_current_tenant() AND f.deleted_at IS NULL
      AND f.refund_date BETWEEN :start AND :end /*company f*/) rf
CROSS JOIN
  (SELECT count(*) AS open_count,
          COALESCE(sum(o.amount_due), 0) AS outstanding,
          count(*) FILTER (WHERE o.due_date < :today) AS overdue_count,
          COALESCE(sum(o.amount_due) FILTER (WHERE o.due_date < :today), 0) AS overdue
     FROM invoices o
    WHERE o.tenant_id = app_current_tenant() AND o.status IN ('issued', 'partially_paid')
      AND o.amount_due > 0 /*company o*/) op
CROSS JOIN
  (SELECT count(*) AS paid_count, round(avg(paid.last_paid - paid.invoice_date), 1) AS avg_days
     FROM (SELECT p.invoice_date, max(r.receipt_date) AS last_paid
             FROM invoices p
             JOIN receipt_allocations a
               ON a.tenant_id = app_current_tenant() AND a.invoice_id = p.id
             JOIN receipts r
               ON r.tenant_id = app_current_tenant() AND r.id = a.receipt_id
              AND r.deleted_at IS NULL
            WHERE p.tenant_id = app_current_tenant() AND p.status = 'paid' /*company p*/
              AND p.id IN (SELECT a2.invoice_id
                             FROM receipts r2
                             JOIN receipt_allocations a2
                               ON a2.tenant_id = app_current_tenant() AND a2.receipt_id = r2.id
                            WHERE r2.tenant_id = app_current_tenant()
                              AND r2.deleted_at IS NULL
                              AND r2.receipt_date BETWEEN :start AND :end)
            GROUP BY p.id, p.invoice_date
           HAVING max(r.receipt_date) BETWEEN :start AND :end) paid) dp
"""

# Taxable value per customer: invoices less credit notes of the period.
TOP_REVENUE: Final = """
WITH sales AS (
    SELECT i.customer_id, i.taxable_total AS invoiced, 0 AS credited
      FROM invoices i
     WHERE i.tenant_id = app_current_tenant() AND i.status IN ('issued', 'partially_paid', 'paid')
       AND i.invoice_date BETWEEN :start AND :end /*company i*/
    UNION ALL
    SELECT n.customer_id, 0, n.taxable_total
      FROM credit_notes n
     WHERE n.tenant_id = app_current_tenant() AND n.status = 'issued'
       AND n.credit_note_date BETWEEN :start AND :end /*company n*/
)
SELECT s.customer_id, c.name, sum(s.invoiced) AS invoiced, sum(s.credited) AS credited,
       sum(s.invoiced - s.credited) AS revenue
  FROM sales s
  JOIN customers c ON c.tenant_id = app_current_tenant() AND c.id = s.customer_id
 GROUP BY s.customer_id, c.name
 ORDER BY revenue DESC, c.name, s.customer_id
 LIMIT 5
"""

TOP_OUTSTANDING: Final = """
SELECT o.customer_id, c.name, sum(o.amount_due) AS amount, count(*) AS invoices
  FROM invoices o
  JOIN customers c ON c.tenant_id = app_current_tenant() AND c.id = o.customer_id
 WHERE o.tenant_id = app_current_tenant() AND o.status IN ('issued', 'partially_paid')
   AND o.amount_due > 0 /*company o*/
 GROUP BY o.customer_id, c.name
 ORDER BY amount DESC, c.name, o.customer_id
 LIMIT 5
"""

# One row per bucket of the chart, empty buckets included (generate_series).
CHART: Final = """
WITH buckets AS (
    SELECT CAST(b AS date) AS period_start
      FROM generate_series(
               date_trunc(CAST(:unit AS text), CAST(CAST(:start AS date) AS timestamp)),
               CAST(CAST(:end AS date) AS timestamp),
               CAST('1 ' || CAST(:unit AS text) AS interval)) AS b
),
inv AS (
    SELECT CAST(date_trunc(CAST(:unit AS text), CAST(i.invoice_date AS timestamp)) AS date) AS p,
           sum(i.grand_total) AS amount
      FROM invoices i
     WHERE i.tenant_id = app_current_tenant() AND i.status IN ('issued', 'partially_paid', 'paid')
       AND i.invoice_date BETWEEN :start AND :end /*company i*/
     GROUP BY 1
),
rec AS (
    SELECT CAST(date_trunc(CAST(:unit AS text), CAST(r.receipt_date AS timestamp)) AS date) AS p,
           sum(r.amount + r.tds_amount) AS amount
      FROM receipts r
     WHERE r.tenant_id = app_current_tenant() AND r.deleted_at IS NULL
       AND r.receipt_date BETWEEN :start AND :end /*company r*/
     GROUP BY 1
),
cn AS (
    SELECT CAST(date_trunc(CAST(:unit AS text), CAST(n.credit_note_date AS timestamp)) AS date)
               AS p,
           sum(n.grand_total) AS amount
      FROM credit_notes n
     WHERE n.tenant_id = app_current_tenant() AND n.status = 'issued'
       AND n.credit_note_date BETWEEN :start AND :end /*company n*/
     GROUP BY 1
)
SELECT b.period_start,
       COALESCE(inv.amount, 0) AS invoiced,
       COALESCE(rec.amount, 0) AS collected,
       COALESCE(cn.amount, 0) AS credited
  FROM buckets b
  LEFT JOIN inv ON inv.p = b.period_start
  LEFT JOIN rec ON rec.p = b.period_start
  LEFT JOIN cn ON cn.p = b.period_start
 ORDER BY b.period_start
"""

# Open invoices issued by ``as_of``, by days past due at ``as_of``; per customer and in total.
BUCKETED: Final = """
    SELECT o.customer_id, o.amount_due,
           CASE WHEN o.due_date IS NULL OR o.due_date >= CAST(:as_of AS date) THEN 'not_due'
                WHEN CAST(:as_of AS date) - o.due_date <= 30 THEN '1_30'
                WHEN CAST(:as_of AS date) - o.due_date <= 60 THEN '31_60'
                WHEN CAST(:as_of AS date) - o.due_date <= 90 THEN '61_90'
                ELSE 'over_90' END AS bucket
      FROM invoices o
     WHERE o.tenant_id = app_current_tenant() AND o.status IN ('issued', 'partially_paid')
       AND o.amount_due > 0 AND o.invoice_date <= CAST(:as_of AS date) /*company o*/
"""

BUCKET_COLUMNS: Final = """
       COALESCE(sum(o.amount_due) FILTER (WHERE o.bucket = 'not_due'), 0) AS not_due,
       count(*) FILTER (WHERE o.bucket = 'not_due') AS not_due_count,
       COALESCE(sum(o.amount_due) FILTER (WHERE o.bucket = '1_30'), 0) AS d1_30,
       count(*) FILTER (WHERE o.bucket = '1_30') AS d1_30_count,
       COALESCE(sum(o.amount_due) FILTER (WHERE o.bucket = '31_60'), 0) AS d31_60,
       count(*) FILTER (WHERE o.bucket = '31_60') AS d31_60_count,
       COALESCE(sum(o.amount_due) FILTER (WHERE o.bucket = '61_90'), 0) AS d61_90,
       count(*) FILTER (WHERE o.bucket = '61_90') AS d61_90_count,
       COALESCE(sum(o.amount_due) FILTER (WHERE o.bucket = 'over_90'), 0) AS over_90,
       count(*) FILTER (WHERE o.bucket = 'over_90') AS over_90_count,
       COALESCE(sum(o.amount_due), 0) AS total,
       count(o.customer_id) AS total_count
"""

# (JSON key, amount column, count column) of each aging bucket, in the answer's order.
AGING_BUCKETS: Final = tuple(
    (key, column, f"{column}_count")
    for key, column in (
        ("not_due", "not_due"),
        ("1_30", "d1_30"),
        ("31_60", "d31_60"),
        ("61_90", "d61_90"),
        ("over_90", "over_90"),
        ("total", "total"),
    )
)


def aging_row_json(row: str) -> str:
    """SQL for one aging row (``row`` names the grouped relation) as the JSON text that
    ``AgingBucketsOut`` (the total) or ``AgingCustomerOut`` writes: keys in the model's
    order, money as a string with two places (sums of two-place columns: ``round`` only
    sets the scale, so 0 is written 0.00), no spaces. PostgreSQL writes it while it
    aggregates, so thousands of customers cost the API no per-row decoding or formatting;
    ``to_json`` escapes the name exactly as Python's and pydantic's JSON do."""
    buckets = " || ',' || ".join(
        f"""'"{key}":{{"amount":"' || round({row}.{amount}, 2) || '","count":' """
        f"""|| {row}.{count} || '}}'"""
        for key, amount, count in AGING_BUCKETS
    )
    customer = (
        f"""',"customer_id":"' || {row}.customer_id || '","name":' """
        f"""|| to_json({row}.name)::text"""
    )
    return f"'{{' || {buckets} || CASE WHEN {row}.is_total = 1 THEN '' ELSE {customer} END || '}}'"


# One JSON object per row: the grand total first, then customers by what they owe.
AGING: Final = splice(
    """
WITH o AS (/*bucketed*/),
g AS (
SELECT GROUPING(o.customer_id) AS is_total, o.customer_id, c.name, /*bucket_columns*/
  FROM o
  JOIN customers c ON c.tenant_id = app_current_tenant() AND c.id = o.customer_id
 GROUP BY GROUPING SETS ((o.customer_id, c.name), ())
)
SELECT /*row_json*/ AS json
  FROM g
 ORDER BY g.is_total DESC, g.total DESC, g.name, g.customer_id
""",
    bucketed=BUCKETED,
    bucket_columns=BUCKET_COLUMNS,
    row_json=aging_row_json("g"),
)


class DashboardService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session

    async def metrics(self, period: Period, company_id: uuid.UUID | None) -> DashboardMetricsOut:
        await company_or_404(self.session, company_id)
        today = today_ist()
        values = params(company_id, start=period.start, end=period.end, today=today)
        row = (await self.session.execute(scoped(METRICS, company_id), values)).one()._mapping
        top_revenue = (await self.session.execute(scoped(TOP_REVENUE, company_id), values)).all()
        top_owing = (await self.session.execute(scoped(TOP_OUTSTANDING, company_id), values)).all()
        heads = [money(row[h]) for h in ("cgst", "sgst", "utgst", "igst", "cess")]
        collected_amount, collected_tds = (
            money(row["collected_amount"]),
            money(row["collected_tds"]),
        )
        return DashboardMetricsOut(
            date_from=period.start,
            date_to=period.end,
            company_id=company_id,
            as_of=today,
            invoiced=InvoicedOut(
                count=as_int(row["invoice_count"]),
                taxable=money(row["invoiced_taxable"]),
                gross=money(row["invoiced_gross"]),
            ),
            gst=HeadsOut(
                cgst=heads[0],
                sgst=heads[1],
                utgst=heads[2],
                igst=heads[3],
                cess=heads[4],
                total=money(row["tax_total"]),
            ),
            collected=CollectedOut(
                count=as_int(row["receipt_count"]),
                amount=collected_amount,
                tds=collected_tds,
                total=money(row["collected_total"]),
            ),
            credit_notes=CreditedOut(
                count=as_int(row["credit_count"]),
                taxable=money(row["credited_taxable"]),
                tax=money(row["credited_tax"]),
                total=money(row["credited_total"]),
            ),
            refunds=RefundedOut(count=as_int(row["refund_count"]), amount=money(row["refunded"])),
            outstanding=AmountCountOut(
                amount=money(row["outstanding"]), count=as_int(row["open_count"])
            ),
            overdue=AmountCountOut(
                amount=money(row["overdue"]), count=as_int(row["overdue_count"])
            ),
            customers_billed=as_int(row["customers_billed"]),
            paid_invoices=as_int(row["paid_count"]),
            average_days_to_pay=None if row["avg_days"] is None else Decimal(row["avg_days"]),
            top_customers_by_revenue=[
                TopRevenueOut(
                    customer_id=r.customer_id,
                    name=r.name,
                    invoiced=money(r.invoiced),
                    credited=money(r.credited),
                    revenue=money(r.revenue),
                )
                for r in top_revenue
            ],
            top_customers_by_outstanding=[
                TopOutstandingOut(
                    customer_id=r.customer_id, name=r.name, amount=money(r.amount), count=r.invoices
                )
                for r in top_owing
            ],
        )

    async def revenue_chart(
        self, period: Period, interval: str, company_id: uuid.UUID | None
    ) -> RevenueChartOut:
        if interval not in INTERVALS:
            raise ValidationFailed("interval must be month, week or day.", field="query.interval")
        if period_count(period, interval) > MAX_PERIODS:
            raise ValidationFailed(
                f"A chart has at most {MAX_PERIODS} points; shorten the period or use a "
                "longer interval.",
                field="query.interval",
            )
        await company_or_404(self.session, company_id)
        values = params(company_id, start=period.start, end=period.end, unit=interval)
        rows = (await self.session.execute(scoped(CHART, company_id), values)).all()
        return RevenueChartOut(
            date_from=period.start,
            date_to=period.end,
            company_id=company_id,
            interval=interval,
            series=[
                ChartPointOut(
                    period_start=r.period_start,
                    invoiced=money(r.invoiced),
                    collected=money(r.collected),
                    credited=money(r.credited),
                )
                for r in rows
            ],
        )

    async def aging(self, as_of: date | None, company_id: uuid.UUID | None) -> bytes:
        """``AgingOut`` as JSON, its rows written by the database (see ``AGING``): with
        thousands of customers, decoding and formatting tens of thousands of values here
        cost most of the request. A test holds it byte for byte to what ``AgingOut``
        itself would write."""
        await company_or_404(self.session, company_id)
        on = as_of or today_ist()
        rows = (
            await self.session.execute(scoped(AGING, company_id), params(company_id, as_of=on))
        ).scalars()
        # GROUPING SETS always yields the grand-total row first, even over no invoices.
        total, *customers = rows
        head = {"as_of": on.isoformat(), "company_id": str(company_id) if company_id else None}
        opening = json.dumps(head, separators=(",", ":"))[:-1]
        return f'{opening},"total":{total},"customers":[{",".join(customers)}]}}'.encode()
