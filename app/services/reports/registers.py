"""Tabular reports: registers, GST and HSN summaries, receivables, TDS, revenue by group.

Each report is one SQL statement: the rows and, through ``GROUPING SETS (..., ())``, the
totals row of the same aggregation, so the totals are the database's sums of exactly
the rows returned. Credit notes count negative (sales register, GST and HSN summaries).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import Principal, RequestInfo
from app.schemas.reports import (
    GroupColumns,
    GroupReportOut,
    GroupRow,
    GstSummaryOut,
    GstSummaryRow,
    GstSummaryTotals,
    HsnSummaryOut,
    HsnSummaryRow,
    HsnSummaryTotals,
    ReceiptsRegisterOut,
    ReceiptsRegisterRow,
    ReceiptsRegisterTotals,
    ReceivablesColumns,
    ReceivablesOut,
    ReceivablesRow,
    SalesRegisterOut,
    SalesRegisterRow,
    SalesRegisterTotals,
    TdsReceivableOut,
    TdsRow,
    TdsSectionOut,
    TdsTotals,
)
from app.services.reports.common import (
    LINES,
    Period,
    as_int,
    company_or_404,
    mapping,
    money,
    params,
    scoped,
    splice,
)
from app.services.reports.dashboard import BUCKET_COLUMNS, BUCKETED
from app.services.reports.gstr1 import Gstr1, build_gstr1
from app.utils import gst
from app.utils.clock import today_ist

TAX_SUMS: Final = """
       COALESCE(sum(taxable_value), 0) AS taxable_value,
       COALESCE(sum(cgst), 0) AS cgst,
       COALESCE(sum(sgst), 0) AS sgst,
       COALESCE(sum(utgst), 0) AS utgst,
       COALESCE(sum(igst), 0) AS igst,
       COALESCE(sum(cess), 0) AS cess
"""

# A register is long: its rows and its totals are two plain statements over the same
# documents (one GROUPING SETS statement would sort every row on every column).
SALES_REGISTER: Final = """
WITH reg AS (
    SELECT 'invoice' AS doc_type, 1 AS doc_order, i.id AS document_id, i.number,
           i.invoice_date AS document_date, CAST(NULL AS text) AS against_invoice,
           i.customer_id, COALESCE(i.billing_snapshot -> 'buyer' ->> 'name', c.name)
               AS customer_name,
           i.billing_snapshot -> 'buyer' ->> 'gstin' AS gstin,
           i.place_of_supply, i.supply_type, i.is_reverse_charge AS reverse_charge,
           i.taxable_total AS taxable_value, i.cgst_total AS cgst, i.sgst_total AS sgst,
           i.utgst_total AS utgst, i.igst_total AS igst, i.cess_total AS cess,
           i.round_off, i.grand_total AS total
      FROM invoices i
      JOIN customers c ON c.tenant_id = app_current_tenant() AND c.id = i.customer_id
     WHERE i.tenant_id = app_current_tenant() AND i.status IN ('issued', 'partially_paid', 'paid')
       AND i.invoice_date BETWEEN :start AND :end /*company i*/
    UNION ALL
    SELECT 'credit_note', 2, n.id, n.number, n.credit_note_date, i.number, n.customer_id,
           COALESCE(i.billing_snapshot -> 'buyer' ->> 'name', c.name),
           i.billing_snapshot -> 'buyer' ->> 'gstin',
           n.place_of_supply, n.supply_type, n.is_reverse_charge,
           -n.taxable_total, -n.cgst_total, -n.sgst_total, -n.utgst_total, -n.igst_total,
           -n.cess_total, -n.round_off, -n.grand_total
      FROM credit_notes n
      JOIN invoices i ON i.tenant_id = app_current_tenant() AND i.id = n.invoice_id
      JOIN customers c ON c.tenant_id = app_current_tenant() AND c.id = n.customer_id
     WHERE n.tenant_id = app_current_tenant() AND n.status = 'issued'
       AND n.credit_note_date BETWEEN :start AND :end /*company n*/
)
"""

SALES_REGISTER_ROWS: Final = splice(
    "/*reg*/ SELECT * FROM reg ORDER BY document_date, doc_order, number, document_id",
    reg=SALES_REGISTER,
)

SALES_REGISTER_TOTALS: Final = splice(
    """/*reg*/
SELECT /*tax_sums*/,
       COALESCE(sum(round_off), 0) AS round_off, COALESCE(sum(total), 0) AS total,
       count(*) FILTER (WHERE doc_type = 'invoice') AS invoices,
       count(*) FILTER (WHERE doc_type = 'credit_note') AS credit_notes
  FROM reg
""",
    reg=SALES_REGISTER,
    tax_sums=TAX_SUMS,
)

GST_SUMMARY: Final = splice(
    """
WITH lines AS (/*lines*/)
SELECT GROUPING(gst_rate) AS is_total, gst_rate, supply_type, zero_rated, /*tax_sums*/,
       COALESCE(sum(cgst + sgst + utgst + igst + cess), 0) AS total_tax
  FROM lines
 GROUP BY GROUPING SETS ((gst_rate, supply_type, zero_rated), ())
 ORDER BY is_total, gst_rate, supply_type, zero_rated
""",
    lines=LINES,
    tax_sums=TAX_SUMS,
)

# Per HSN/SAC code, unit and rate (the GSTR-1 table 12 key); the most common description.
HSN_SUMMARY: Final = splice(
    """
WITH lines AS (/*lines*/)
SELECT GROUPING(hsn_sac) AS is_total, hsn_sac, uqc, gst_rate,
       mode() WITHIN GROUP (ORDER BY description) AS description,
       COALESCE(sum(quantity), 0) AS quantity, /*tax_sums*/,
       COALESCE(sum(taxable_value + cgst + sgst + utgst + igst + cess), 0) AS total_value
  FROM lines
 GROUP BY GROUPING SETS ((hsn_sac, uqc, gst_rate), ())
 ORDER BY is_total, hsn_sac, gst_rate, uqc
""",
    lines=LINES,
    tax_sums=TAX_SUMS,
)

# Amounts due by age (at ``as_of``) per customer, with their advances (today's).
RECEIVABLES: Final = splice(
    """
WITH o AS (/*bucketed*/),
owed AS (SELECT o.customer_id, /*bucket_columns*/ FROM o GROUP BY o.customer_id),
adv AS (
    SELECT r.customer_id,
           sum(r.amount + r.tds_amount - r.amount_allocated - r.amount_refunded) AS unallocated
      FROM receipts r
     WHERE r.tenant_id = app_current_tenant() AND r.deleted_at IS NULL /*company r*/
     GROUP BY r.customer_id
    HAVING sum(r.amount + r.tds_amount - r.amount_allocated - r.amount_refunded) <> 0
),
cred AS (
    SELECT n.customer_id, sum(n.amount_refundable) AS unused
      FROM credit_notes n
     WHERE n.tenant_id = app_current_tenant() AND n.status = 'issued'
       AND n.amount_refundable > 0 /*company n*/
     GROUP BY n.customer_id
),
ids AS (
    SELECT customer_id FROM owed UNION SELECT customer_id FROM adv
    UNION SELECT customer_id FROM cred
)
SELECT GROUPING(c.id) AS is_total, c.id AS customer_id, c.code, c.name, c.gstin,
       COALESCE(sum(owed.not_due), 0) AS not_due,
       COALESCE(sum(owed.d1_30), 0) AS d1_30,
       COALESCE(sum(owed.d31_60), 0) AS d31_60,
       COALESCE(sum(owed.d61_90), 0) AS d61_90,
       COALESCE(sum(owed.over_90), 0) AS over_90,
       COALESCE(sum(owed.total), 0) AS outstanding,
       COALESCE(sum(owed.total_count), 0) AS open_invoices,
       COALESCE(sum(adv.unallocated), 0) AS unallocated_receipts,
       COALESCE(sum(cred.unused), 0) AS unused_credit,
       COALESCE(sum(owed.total), 0) - COALESCE(sum(adv.unallocated), 0)
           - COALESCE(sum(cred.unused), 0) AS net_receivable
  FROM ids
  JOIN customers c ON c.tenant_id = app_current_tenant() AND c.id = ids.customer_id
  LEFT JOIN owed ON owed.customer_id = ids.customer_id
  LEFT JOIN adv ON adv.customer_id = ids.customer_id
  LEFT JOIN cred ON cred.customer_id = ids.customer_id
 GROUP BY GROUPING SETS ((c.id, c.code, c.name, c.gstin), ())
 ORDER BY is_total DESC, outstanding DESC, c.name, c.id
""",
    bucketed=BUCKETED,
    bucket_columns=BUCKET_COLUMNS,
)

RECEIPTS_REGISTER: Final = """
WITH reg AS (
    SELECT r.id AS receipt_id, r.number, r.receipt_date, r.customer_id,
           c.name AS customer_name, COALESCE(c.pan, substr(c.gstin, 3, 10)) AS customer_pan,
           c.gstin AS customer_gstin, r.mode, r.reference, r.amount, r.tds_amount,
           r.tds_section, r.amount + r.tds_amount AS total, r.amount_allocated AS allocated,
           r.amount_refunded AS refunded,
           r.amount + r.tds_amount - r.amount_allocated - r.amount_refunded AS unallocated
      FROM receipts r
      JOIN customers c ON c.tenant_id = app_current_tenant() AND c.id = r.customer_id
     WHERE r.tenant_id = app_current_tenant() AND r.deleted_at IS NULL
       AND r.receipt_date BETWEEN :start AND :end /*company r*/
)
"""

RECEIPTS_REGISTER_ROWS: Final = splice(
    "/*reg*/ SELECT * FROM reg ORDER BY receipt_date, number, receipt_id", reg=RECEIPTS_REGISTER
)

RECEIPTS_REGISTER_TOTALS: Final = splice(
    """/*reg*/
SELECT count(*) AS receipts,
       COALESCE(sum(amount), 0) AS amount, COALESCE(sum(tds_amount), 0) AS tds_amount,
       COALESCE(sum(total), 0) AS total, COALESCE(sum(allocated), 0) AS allocated,
       COALESCE(sum(refunded), 0) AS refunded, COALESCE(sum(unallocated), 0) AS unallocated
  FROM reg
""",
    reg=RECEIPTS_REGISTER,
)

TDS_RECEIVABLE: Final = """
WITH t AS (
    SELECT r.tds_section, r.customer_id, c.name AS customer_name,
           COALESCE(c.pan, substr(c.gstin, 3, 10)) AS customer_pan, r.amount, r.tds_amount
      FROM receipts r
      JOIN customers c ON c.tenant_id = app_current_tenant() AND c.id = r.customer_id
     WHERE r.tenant_id = app_current_tenant() AND r.deleted_at IS NULL AND r.tds_amount > 0
       AND r.receipt_date BETWEEN :start AND :end /*company r*/
)
SELECT GROUPING(tds_section) AS all_sections, GROUPING(customer_id) AS all_customers,
       tds_section, customer_id, customer_name, customer_pan, count(*) AS receipts,
       COALESCE(sum(amount), 0) AS amount_received, COALESCE(sum(tds_amount), 0) AS tds_amount
  FROM t
 GROUP BY GROUPING SETS ((tds_section, customer_id, customer_name, customer_pan),
                         (tds_section), ())
 ORDER BY all_sections, tds_section, all_customers, tds_amount DESC, customer_name, customer_id
"""

# Revenue of the period and today's receivables, per client type or account manager.
GROUP_REVENUE: Final = """
WITH sales AS (
    SELECT i.customer_id, i.taxable_total AS invoiced, 0 AS credited, 0 AS outstanding,
           0 AS open_invoices
      FROM invoices i
     WHERE i.tenant_id = app_current_tenant() AND i.status IN ('issued', 'partially_paid', 'paid')
       AND i.invoice_date BETWEEN :start AND :end /*company i*/
    UNION ALL
    SELECT n.customer_id, 0, n.taxable_total, 0, 0
      FROM credit_notes n
     WHERE n.tenant_id = app_current_tenant() AND n.status = 'issued'
       AND n.credit_note_date BETWEEN :start AND :end /*company n*/
    UNION ALL
    SELECT o.customer_id, 0, 0, o.amount_due, 1
      FROM invoices o
     WHERE o.tenant_id = app_current_tenant() AND o.status IN ('issued', 'partially_paid')
       AND o.amount_due > 0 /*company o*/
)
SELECT GROUPING(g.id) AS is_total, g.id AS group_id, g.name,
       count(DISTINCT s.customer_id) AS customers,
       COALESCE(sum(s.invoiced), 0) AS invoiced, COALESCE(sum(s.credited), 0) AS credited,
       COALESCE(sum(s.invoiced - s.credited), 0) AS revenue,
       COALESCE(sum(s.outstanding), 0) AS outstanding,
       COALESCE(sum(s.open_invoices), 0) AS open_invoices
  FROM sales s
  JOIN customers c ON c.tenant_id = app_current_tenant() AND c.id = s.customer_id
  LEFT JOIN /*group_table*/ g ON g.tenant_id = app_current_tenant() AND g.id = c./*group_key*/
 GROUP BY GROUPING SETS ((g.id, g.name), ())
 ORDER BY is_total, revenue DESC, g.name NULLS LAST, g.id
"""

BY_CLIENT_TYPE: Final = splice(
    GROUP_REVENUE, group_table="client_types", group_key="client_type_id"
)
BY_ACCOUNT_MANAGER: Final = splice(
    GROUP_REVENUE, group_table="account_managers", group_key="account_manager_id"
)


def _taxes(row: dict[str, Any]) -> dict[str, Any]:
    return {
        name: money(row[name])
        for name in ("taxable_value", "cgst", "sgst", "utgst", "igst", "cess")
    }


def _split(rows: list[dict[str, Any]], flag: str = "is_total") -> tuple[list[dict[str, Any]], Any]:
    """Detail rows, and the one grand-total row that ``GROUPING SETS (..., ())`` adds."""
    details = [row for row in rows if not row[flag]]
    totals = [row for row in rows if row[flag]]
    return details, totals[0]


class ReportService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session

    async def _rows(
        self, sql: str, company_id: uuid.UUID | None, **values: Any
    ) -> list[dict[str, Any]]:
        result = await self.session.execute(scoped(sql, company_id), params(company_id, **values))
        return [mapping(row) for row in result]

    async def sales_register(
        self, period: Period, company_id: uuid.UUID | None
    ) -> SalesRegisterOut:
        await company_or_404(self.session, company_id)
        values = {"start": period.start, "end": period.end}
        rows = await self._rows(SALES_REGISTER_ROWS, company_id, **values)
        (total,) = await self._rows(SALES_REGISTER_TOTALS, company_id, **values)
        return SalesRegisterOut(
            date_from=period.start,
            date_to=period.end,
            company_id=company_id,
            rows=[
                SalesRegisterRow(
                    doc_type=r["doc_type"],
                    document_id=r["document_id"],
                    number=r["number"],
                    document_date=r["document_date"],
                    against_invoice=r["against_invoice"],
                    customer_id=r["customer_id"],
                    customer_name=r["customer_name"],
                    gstin=r["gstin"],
                    place_of_supply=r["place_of_supply"],
                    place_of_supply_name=_state_name(r["place_of_supply"]),
                    supply_type=r["supply_type"],
                    reverse_charge=r["reverse_charge"],
                    round_off=money(r["round_off"]),
                    total=money(r["total"]),
                    **_taxes(r),
                )
                for r in rows
            ],
            totals=SalesRegisterTotals(
                invoices=as_int(total["invoices"]),
                credit_notes=as_int(total["credit_notes"]),
                round_off=money(total["round_off"]),
                total=money(total["total"]),
                **_taxes(total),
            ),
        )

    async def gst_summary(self, period: Period, company_id: uuid.UUID | None) -> GstSummaryOut:
        await company_or_404(self.session, company_id)
        rows, total = _split(
            await self._rows(
                GST_SUMMARY, company_id, start=period.start, end=period.end, portal=False
            )
        )
        return GstSummaryOut(
            date_from=period.start,
            date_to=period.end,
            company_id=company_id,
            rows=[
                GstSummaryRow(
                    gst_rate=r["gst_rate"],
                    supply_type=r["supply_type"],
                    zero_rated=r["zero_rated"],
                    total_tax=money(r["total_tax"]),
                    **_taxes(r),
                )
                for r in rows
            ],
            totals=GstSummaryTotals(total_tax=money(total["total_tax"]), **_taxes(total)),
        )

    async def hsn_summary(self, period: Period, company_id: uuid.UUID | None) -> HsnSummaryOut:
        await company_or_404(self.session, company_id)
        rows, total = _split(
            await self._rows(
                HSN_SUMMARY, company_id, start=period.start, end=period.end, portal=False
            )
        )
        return HsnSummaryOut(
            date_from=period.start,
            date_to=period.end,
            company_id=company_id,
            rows=[
                HsnSummaryRow(
                    hsn_sac=r["hsn_sac"],
                    description=r["description"],
                    uqc=r["uqc"],
                    gst_rate=r["gst_rate"],
                    quantity=r["quantity"],
                    total_value=money(r["total_value"]),
                    **_taxes(r),
                )
                for r in rows
            ],
            totals=HsnSummaryTotals(total_value=money(total["total_value"]), **_taxes(total)),
        )

    async def receivables(self, as_of: date | None, company_id: uuid.UUID | None) -> ReceivablesOut:
        await company_or_404(self.session, company_id)
        on = as_of or today_ist()
        rows, total = _split(await self._rows(RECEIVABLES, company_id, as_of=on))
        return ReceivablesOut(
            as_of=on,
            company_id=company_id,
            rows=[
                ReceivablesRow.model_validate(
                    {
                        "customer_id": r["customer_id"],
                        "customer_code": r["code"],
                        "customer_name": r["name"],
                        "gstin": r["gstin"],
                        **_receivable_columns(r),
                    }
                )
                for r in rows
            ],
            totals=ReceivablesColumns.model_validate(_receivable_columns(total)),
        )

    async def receipts_register(
        self, period: Period, company_id: uuid.UUID | None
    ) -> ReceiptsRegisterOut:
        await company_or_404(self.session, company_id)
        values = {"start": period.start, "end": period.end}
        rows = await self._rows(RECEIPTS_REGISTER_ROWS, company_id, **values)
        (total,) = await self._rows(RECEIPTS_REGISTER_TOTALS, company_id, **values)
        amounts = ("amount", "tds_amount", "total", "allocated", "refunded", "unallocated")
        return ReceiptsRegisterOut(
            date_from=period.start,
            date_to=period.end,
            company_id=company_id,
            rows=[
                ReceiptsRegisterRow(
                    receipt_id=r["receipt_id"],
                    number=r["number"],
                    receipt_date=r["receipt_date"],
                    customer_id=r["customer_id"],
                    customer_name=r["customer_name"],
                    customer_pan=r["customer_pan"],
                    customer_gstin=r["customer_gstin"],
                    mode=r["mode"],
                    reference=r["reference"],
                    tds_section=r["tds_section"],
                    **{name: money(r[name]) for name in amounts},
                )
                for r in rows
            ],
            totals=ReceiptsRegisterTotals(
                receipts=as_int(total["receipts"]),
                **{name: money(total[name]) for name in amounts},
            ),
        )

    async def tds_receivable(
        self, period: Period, company_id: uuid.UUID | None
    ) -> TdsReceivableOut:
        await company_or_404(self.session, company_id)
        rows = await self._rows(TDS_RECEIVABLE, company_id, start=period.start, end=period.end)
        details = [r for r in rows if not r["all_sections"] and not r["all_customers"]]
        sections = [r for r in rows if not r["all_sections"] and r["all_customers"]]
        total = next(r for r in rows if r["all_sections"])
        return TdsReceivableOut(
            date_from=period.start,
            date_to=period.end,
            company_id=company_id,
            rows=[
                TdsRow(
                    tds_section=r["tds_section"],
                    customer_id=r["customer_id"],
                    customer_name=r["customer_name"],
                    customer_pan=r["customer_pan"],
                    receipts=as_int(r["receipts"]),
                    amount_received=money(r["amount_received"]),
                    tds_amount=money(r["tds_amount"]),
                )
                for r in details
            ],
            sections=[
                TdsSectionOut(
                    tds_section=r["tds_section"],
                    receipts=as_int(r["receipts"]),
                    amount_received=money(r["amount_received"]),
                    tds_amount=money(r["tds_amount"]),
                )
                for r in sections
            ],
            totals=TdsTotals(
                receipts=as_int(total["receipts"]),
                amount_received=money(total["amount_received"]),
                tds_amount=money(total["tds_amount"]),
            ),
        )

    async def by_client_type(self, period: Period, company_id: uuid.UUID | None) -> GroupReportOut:
        return await self._by_group(BY_CLIENT_TYPE, period, company_id)

    async def by_account_manager(
        self, period: Period, company_id: uuid.UUID | None
    ) -> GroupReportOut:
        return await self._by_group(BY_ACCOUNT_MANAGER, period, company_id)

    async def _by_group(
        self, sql: str, period: Period, company_id: uuid.UUID | None
    ) -> GroupReportOut:
        await company_or_404(self.session, company_id)
        rows, total = _split(await self._rows(sql, company_id, start=period.start, end=period.end))
        return GroupReportOut(
            date_from=period.start,
            date_to=period.end,
            company_id=company_id,
            rows=[
                GroupRow(group_id=r["group_id"], name=r["name"], **_group_columns(r)) for r in rows
            ],
            totals=GroupColumns(**_group_columns(total)),
        )

    async def gstr1(self, period: Period, company_id: uuid.UUID | None) -> Gstr1:
        return await build_gstr1(self.session, period, company_id)


def _state_name(code: str) -> str:
    try:
        return gst.state_name(code)
    except ValueError:
        return code


def _receivable_columns(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "not_due": money(row["not_due"]),
        "1_30": money(row["d1_30"]),
        "31_60": money(row["d31_60"]),
        "61_90": money(row["d61_90"]),
        "over_90": money(row["over_90"]),
        "outstanding": money(row["outstanding"]),
        "open_invoices": as_int(row["open_invoices"]),
        "unallocated_receipts": money(row["unallocated_receipts"]),
        "unused_credit": money(row["unused_credit"]),
        "net_receivable": money(row["net_receivable"]),
    }


def _group_columns(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "customers": as_int(row["customers"]),
        "invoiced": money(row["invoiced"]),
        "credited": money(row["credited"]),
        "revenue": money(row["revenue"]),
        "outstanding": money(row["outstanding"]),
        "open_invoices": as_int(row["open_invoices"]),
    }
