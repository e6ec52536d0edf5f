"""References measured outside HTTP: the bare SQL of each report and the bcrypt rate."""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import bcrypt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.database import SET_TENANT_SQL, async_url
from app.services.reports import dashboard, gstr1
from app.services.reports.common import month_bounds, scoped


@dataclass(frozen=True)
class Aggregate:
    """The statements one report endpoint runs, with the parameters it binds."""

    name: str
    statements: list[tuple[Any, dict[str, Any]]]


def report_aggregates(company: uuid.UUID, today: date, month: date) -> list[Aggregate]:
    this_month = month_bounds(today)
    gstr = month_bounds(month)
    values = {"start": this_month.start, "end": this_month.end, "today": today}
    period = {"company": company, "start": gstr.start, "end": gstr.end}
    return [
        Aggregate(
            "dashboard",
            [
                (scoped(dashboard.METRICS, None), values),
                (scoped(dashboard.TOP_REVENUE, None), values),
                (scoped(dashboard.TOP_OUTSTANDING, None), values),
            ],
        ),
        Aggregate("aging", [(scoped(dashboard.AGING, None), {"as_of": today})]),
        Aggregate(
            "gstr1",
            [
                (text(gstr1.DOCS), period),
                (text(gstr1.HSN), {**period, "portal": True}),
                (text(gstr1.DOC_ISSUE), period),
            ],
        ),
    ]


async def time_aggregates(
    app_url: str, tenant: uuid.UUID, aggregates: list[Aggregate], repeats: int
) -> dict[str, float]:
    """Median seconds of each aggregate's statements in one transaction, as the runtime
    role under RLS, on one warm connection (the database's own cost, no HTTP, no ORM)."""
    engine = create_async_engine(async_url(app_url), pool_size=1)
    medians: dict[str, float] = {}
    try:
        async with engine.connect() as conn:
            for aggregate in aggregates:
                samples = []
                for attempt in range(repeats + 1):
                    started = time.perf_counter()
                    async with conn.begin():
                        await conn.execute(SET_TENANT_SQL, {"tenant_id": str(tenant)})
                        for statement, values in aggregate.statements:
                            (await conn.execute(statement, values)).all()
                    if attempt:  # the first run warms the plan cache
                        samples.append(time.perf_counter() - started)
                medians[aggregate.name] = statistics.median(samples)
    finally:
        await engine.dispose()
    return medians


def bare_sql(
    app_url: str, tenant: uuid.UUID, aggregates: list[Aggregate], repeats: int
) -> dict[str, float]:
    return asyncio.run(time_aggregates(app_url, tenant, aggregates, repeats))


def _verify_for(seconds: float, hashed: bytes) -> int:
    deadline, count = time.perf_counter() + seconds, 0
    while True:
        bcrypt.checkpw(b"bench-password-2026", hashed)
        count += 1
        if time.perf_counter() >= deadline:
            return count


def bcrypt_rate(processes: int, seconds: float) -> float:
    """Cost-12 verifications per second with ``processes`` busy processes."""
    hashed = bcrypt.hashpw(b"bench-password-2026", bcrypt.gensalt(12))
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        started = time.perf_counter()
        counts = pool.starmap(_verify_for, [(seconds, hashed)] * processes)
        elapsed = time.perf_counter() - started
    return sum(counts) / elapsed
