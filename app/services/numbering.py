"""Document numbers: series formats checked when saved, numbers taken gap-free at issue.

A number is ``number_format`` rendered with ``{prefix}``, ``{fy}`` (``25-26``),
``{fy_long}`` (``2025-26``) and ``{seq}`` / ``{seq:04d}``. GST (CGST Rule 46) allows at
most 16 characters of letters, digits, ``-`` and ``/``; the e-invoice schema also
forbids a leading ``0``. A format is accepted only if at least 9,999 numbers a year fit.

The next number comes from ``document_counters`` with one upsert that locks the
series' counter row until the transaction ends: concurrent issues queue on that row,
and a rolled-back issue gives its number back, so numbers have no gaps.
"""

from __future__ import annotations

import re
import string
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict
from app.models import DocumentSeries
from app.utils.gst import financial_year

MAX_LENGTH = 16
MIN_CAPACITY = 9_999
ALLOWED = re.compile(r"^[A-Za-z0-9/-]+$")
FIELDS = {"prefix", "fy", "fy_long", "seq"}
SEQ_SPEC = re.compile(r"^0?([1-8])d$")

NEXT_NUMBER = text(
    """
    INSERT INTO document_counters (tenant_id, id, series_id, financial_year, last_number)
    VALUES (app_current_tenant(), :id, :series_id, :financial_year, 1)
    ON CONFLICT (tenant_id, series_id, financial_year)
    DO UPDATE SET last_number = document_counters.last_number + 1, updated_at = now()
    RETURNING last_number
    """
)


class InvalidFormat(ValueError):
    pass


@dataclass(frozen=True)
class SeriesFormat:
    prefix: str
    number_format: str

    def render(self, financial_year: str, sequence: int) -> str:
        short = f"{financial_year[2:4]}-{financial_year[5:7]}"
        return self.number_format.format(
            prefix=self.prefix, fy=short, fy_long=financial_year, seq=sequence
        )

    def capacity(self) -> int:
        """The highest sequence number whose rendering still fits in 16 characters."""
        padded = len(self._seq_text(0))  # the zero-padding width ({seq:04d} -> 4)
        digits = MAX_LENGTH - (len(self.render("2025-26", 0)) - padded)
        return 10**digits - 1 if digits >= max(padded, 1) else 0

    def _seq_text(self, sequence: int) -> str:
        for _, field, spec, _ in string.Formatter().parse(self.number_format):
            if field == "seq":
                return format(sequence, spec or "")
        return ""

    def validate(self) -> None:
        if not ALLOWED.match(self.prefix) or self.prefix.startswith("0"):
            raise InvalidFormat("Prefix may use only A-Z a-z 0-9 - / and cannot start with 0.")
        seen: set[str] = set()
        for literal, field, spec, conversion in string.Formatter().parse(self.number_format):
            if literal and not ALLOWED.match(literal):
                raise InvalidFormat(f"'{literal}' has characters GST numbers cannot contain.")
            if field is None:
                continue
            if field not in FIELDS or conversion:
                raise InvalidFormat(f"Unknown placeholder {{{field}}}; use {sorted(FIELDS)}.")
            if field != "seq" and spec:
                raise InvalidFormat(f"{{{field}}} takes no format spec.")
            if field == "seq" and spec and not SEQ_SPEC.match(spec):
                raise InvalidFormat("Write the sequence as {seq} or {seq:04d} (1-8 digits).")
            seen.add(field)
        if "seq" not in seen:
            raise InvalidFormat("The format needs a {seq} placeholder.")
        sample = self.render("2025-26", 1)
        if sample.startswith("0"):
            raise InvalidFormat("A document number cannot start with 0.")
        if self.capacity() < MIN_CAPACITY:
            raise InvalidFormat(
                f"Numbers like {self.render('2025-26', MIN_CAPACITY)} would exceed "
                f"{MAX_LENGTH} characters; shorten the prefix or format."
            )


@dataclass(frozen=True)
class TakenNumber:
    series_id: uuid.UUID
    financial_year: str
    sequence: int
    number: str


async def take_number(
    session: AsyncSession,
    company_id: uuid.UUID,
    document_type: str,
    on: date,
    series: DocumentSeries | None = None,
) -> TakenNumber:
    """The next number of the company's default series for ``document_type`` in the financial
    year of ``on`` (``series``, if the caller already read it). Call it last in the
    transaction: the counter stays locked until commit."""
    from app.crud.catalog import DocumentSeriesRepository

    if series is None:
        series = await DocumentSeriesRepository(session).default_for(company_id, document_type)
    label = document_type.replace("_", " ")
    if series is None:
        raise Conflict(f"The company has no active {label} series; add one first.")
    fy = financial_year(on)
    number_format = SeriesFormat(series.prefix, series.number_format)
    await session.flush()  # everything else first, so the lock is held briefly
    sequence = await next_sequence(session, series.id, fy)
    if sequence > number_format.capacity():
        raise Conflict(f"Series {series.prefix} is full for {fy}; add a new {label} series.")
    return TakenNumber(series.id, fy, sequence, number_format.render(fy, sequence))


async def next_sequence(session: AsyncSession, series_id: uuid.UUID, financial_year: str) -> int:
    """Take the next number of the series for the year (row-locked until commit)."""
    result = await session.execute(
        NEXT_NUMBER,
        {"id": uuid.uuid4(), "series_id": series_id, "financial_year": financial_year},
    )
    return int(result.scalar_one())
