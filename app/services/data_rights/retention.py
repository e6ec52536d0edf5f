"""How long GST law makes a tenant keep its books (CGST Act s.36, Rule 56).

Accounts and records are kept for 72 months from the due date of the annual return
(GSTR-9) of the financial year they relate to; that return is due on 31 December after
the year ends (s.44). So a document of FY 2025-26 is kept to 31 December 2032.
"""

from __future__ import annotations

from datetime import date

RETENTION_YEARS = 6  # 72 months


def financial_year_end(day: date) -> int:
    """The calendar year in which the Indian financial year (April-March) of ``day`` ends."""
    return day.year + 1 if day.month >= 4 else day.year


def annual_return_due(day: date) -> date:
    return date(financial_year_end(day), 12, 31)


def retain_until(day: date) -> date:
    """The last day a record dated ``day`` must be kept."""
    due = annual_return_due(day)
    return date(due.year + RETENTION_YEARS, due.month, due.day)
