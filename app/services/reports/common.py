"""What every report shares: periods (Indian dates), the company filter, tenant-scoped SQL.

Every statement names ``tenant_id = app_current_tenant()`` for each table it reads, on
top of row-level security, and filters dates on ``(tenant_id, <date>)`` so that the
``(tenant_id, invoice_date)``-style indexes serve it. The optional company filter is
spliced in as a fixed fragment (never a value), so a query without it has no
``(:company IS NULL OR ...)`` branch that would defeat those indexes.
"""

from __future__ import annotations

import calendar
import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import TextClause, text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import ValidationFailed
from app.crud.catalog import CompanyRepository
from app.models import Company
from app.utils.clock import today_ist
from app.utils.gst import financial_year, financial_year_bounds

ZERO: Final = Decimal("0.00")

# Line-level amounts of the period: invoice lines, and credit-note lines negative.
LINES: Final = """
    SELECT l.gst_rate, i.supply_type,
           CASE WHEN i.supply_type IN ('export', 'sez') AND i.zero_rated_mode = 'lut' THEN 'lut'
                WHEN i.supply_type IN ('export', 'sez') THEN 'with_payment'
                ELSE 'none' END AS zero_rated,
           COALESCE(l.hsn_sac, '') AS hsn_sac, l.description,
           CASE WHEN CAST(:portal AS boolean) AND l.hsn_sac LIKE '99%' THEN 'NA'
                ELSE l.uqc END AS uqc,
           CASE WHEN CAST(:portal AS boolean) AND l.hsn_sac LIKE '99%' THEN 0
                ELSE l.quantity END AS quantity,
           l.taxable_value, l.cgst_amount AS cgst, l.sgst_amount AS sgst,
           l.utgst_amount AS utgst, l.igst_amount AS igst, l.cess_amount AS cess
      FROM invoices i
      JOIN invoice_line_items l ON l.tenant_id = app_current_tenant() AND l.invoice_id = i.id
     WHERE i.tenant_id = app_current_tenant() AND i.status IN ('issued', 'partially_paid', 'paid')
       AND i.invoice_date BETWEEN :start AND :end /*company i*/
    UNION ALL
    SELECT l.gst_rate, n.supply_type,
           CASE WHEN i.supply_type IN ('export', 'sez') AND i.zero_rated_mode = 'lut' THEN 'lut'
                WHEN i.supply_type IN ('export', 'sez') THEN 'with_payment'
                ELSE 'none' END,
           COALESCE(l.hsn_sac, ''), l.description,
           CASE WHEN CAST(:portal AS boolean) AND l.hsn_sac LIKE '99%' THEN 'NA'
                ELSE l.uqc END,
           CASE WHEN CAST(:portal AS boolean) AND l.hsn_sac LIKE '99%' THEN 0
                ELSE -l.quantity END,
           -l.taxable_value, -l.cgst_amount, -l.sgst_amount, -l.utgst_amount, -l.igst_amount,
           -l.cess_amount
      FROM credit_notes n
      JOIN invoices i ON i.tenant_id = app_current_tenant() AND i.id = n.invoice_id
      JOIN credit_note_line_items l
        ON l.tenant_id = app_current_tenant() AND l.credit_note_id = n.id
     WHERE n.tenant_id = app_current_tenant() AND n.status = 'issued'
       AND n.credit_note_date BETWEEN :start AND :end /*company n*/
"""

_COMPANY_MARK: Final = re.compile(r"/\*company (\w+)\*/")
_FIRST_GST_YEAR: Final = 2017  # GST began on 1 July 2017


def scoped(sql: str, company_id: uuid.UUID | None) -> TextClause:
    """``/*company i*/`` becomes ``AND i.company_id = :company`` when a company is given."""
    if company_id is None:
        return text(_COMPANY_MARK.sub("", sql))
    return text(_COMPANY_MARK.sub(r"AND \1.company_id = :company", sql))


def splice(sql: str, **parts: str) -> str:
    """Put fixed SQL fragments (never values) where ``/*name*/`` marks them."""
    for name, part in parts.items():
        sql = sql.replace(f"/*{name}*/", part)
    return sql


def params(company_id: uuid.UUID | None, **values: Any) -> dict[str, Any]:
    if company_id is not None:
        values["company"] = company_id
    return values


async def company_or_404(session: AsyncSession, company_id: uuid.UUID | None) -> Company | None:
    """The company asked for (404 when it is not the tenant's), or None for all companies."""
    if company_id is None:
        return None
    return await CompanyRepository(session).get_or_404(company_id)


def money(value: Any) -> Decimal:
    """A NUMERIC from the database as a Decimal with two places (0 when NULL)."""
    return ZERO if value is None else Decimal(value).quantize(ZERO)


def as_int(value: Any) -> int:
    return 0 if value is None else int(value)


def mapping(row: Row[Any]) -> dict[str, Any]:
    return dict(row._mapping)


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    start: date
    end: date


def month_bounds(day: date) -> Period:
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(day.replace(day=1), day.replace(day=last))


def resolve_period(
    date_from: date | None,
    date_to: date | None,
    fy: str | None,
    *,
    default: str = "month",
) -> Period:
    """``fy`` (2025-26), or ``from``/``to``, or the default: this month (IST) or this FY.

    Only ``from``: up to today. Only ``to``: from the first day of its month.
    """
    if fy is not None:
        if date_from is not None or date_to is not None:
            raise ValidationFailed("Give either 'fy' or 'from'/'to', not both.", field="query.fy")
        try:
            start, end = financial_year_bounds(fy)
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="query.fy") from exc
        return Period(start, end)
    today = today_ist()
    if date_from is None and date_to is None:
        if default == "fy":
            start, end = financial_year_bounds(financial_year(today))
            return Period(start, end)
        return month_bounds(today)
    end = date_to or today
    start = date_from or end.replace(day=1)
    if start > end:
        raise ValidationFailed("'from' is after 'to'.", field="query.from")
    return Period(start, end)


_RETURN_PERIOD: Final = re.compile(r"(0[1-9]|1[0-2])([0-9]{4})")


def return_period(value: str) -> Period:
    """A GST return period ``MMYYYY`` (``102025`` is October 2025) as its first and last day."""
    match = _RETURN_PERIOD.fullmatch(value.strip())
    if match is None:
        raise ValidationFailed(
            "The return period must be MMYYYY with a month 01-12, e.g. 102025.",
            field="query.period",
        )
    month, year = int(match.group(1)), int(match.group(2))
    if year < _FIRST_GST_YEAR:
        raise ValidationFailed("GST returns start in July 2017.", field="query.period")
    return month_bounds(date(year, month, 1))


# --------------------------------------------------------------------------- intervals

INTERVALS: Final = ("month", "week", "day")
MAX_PERIODS: Final = 1000


def period_count(period: Period, interval: str) -> int:
    """How many buckets a chart over ``period`` has (refused above ``MAX_PERIODS``)."""
    if interval == "month":
        return (
            (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
        )
    days = (period.end - period.start).days
    if interval == "week":
        return days // 7 + 2
    return days + 1
