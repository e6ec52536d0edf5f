"""The reports at scale: a tenant with 100,000 invoices, seeded in seconds with
set-based SQL, among 99 small tenants. Each report query is EXPLAINed as the runtime
role under RLS: it must read invoices through an index, never a sequential scan of the
whole table. Timings (EXPLAIN ANALYZE) are printed for the record, not asserted: they
swing on shared machines; the benchmark harness holds them to account."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from app.core.database import sync_url
from app.core.embedded_db import DatabaseUrls
from app.services.reports import dashboard, gstr1, registers
from app.services.reports.common import scoped
from bench.documents import Shape, seed_documents
from tests import database

BIG = uuid.UUID("00000000-0000-7000-8000-000000000001")
# Tenants with a default company and number series; bench.documents fills them.
TENANTS = """
INSERT INTO tenants (id, name, email)
  SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 'T' || n, n || '@t.in'
  FROM generate_series(1, 100) n;
INSERT INTO companies (tenant_id, id, legal_name, state_code, gstin, is_default)
  SELECT id, id, 'Co', '27', '27AAPFU0939F1ZV', true FROM tenants;
INSERT INTO document_series (tenant_id, id, company_id, document_type, prefix, is_default)
  SELECT t.id, gen_random_uuid(), t.id, kind, prefix, true
  FROM tenants t,
       (VALUES ('invoice', 'INV'), ('receipt', 'RCT'), ('credit_note', 'CN')) k(kind, prefix)
"""
# One line per invoice keeps the seeding to seconds; the benchmark seeds 1-10.
SHAPE = Shape(big_tenant=BIG, max_lines=1)
SEEDED_UP_TO = date(2026, 4, 1)  # a year of invoices: financial year 2025-26
PARAMS: dict[str, Any] = {
    "start": date(2025, 10, 1),
    "end": date(2025, 10, 31),
    "as_of": date(2026, 3, 31),
    "today": date(2026, 3, 31),
    "unit": "month",
    "company": BIG,
    "gstin": "27AAPFU0939F1ZV",
}
QUERIES = {
    "dashboard metrics": dashboard.METRICS,
    "top customers by outstanding": dashboard.TOP_OUTSTANDING,
    "aging": dashboard.AGING,
    "sales register": registers.SALES_REGISTER_ROWS,
    "receivables": registers.RECEIVABLES,
    "gstr-1 documents": gstr1.DOCS,
}


@pytest.fixture(scope="module")
def big_database(admin_url: str, worker_id_str: str) -> Iterator[DatabaseUrls]:
    with database.migrated_database(admin_url, f"rms_test_{worker_id_str}_scale") as urls:
        owner = create_engine(sync_url(urls.admin_url))
        started = time.perf_counter()
        with owner.begin() as conn:
            for statement in TENANTS.split(";\n"):
                conn.execute(text(statement))
            seed_documents(conn, SHAPE, SEEDED_UP_TO)
        with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        elapsed = time.perf_counter() - started
        seeded = "199,000 invoices, their lines, receipts and credit notes"
        print(f"\nseeded {seeded} in {elapsed:.1f} s")
        owner.dispose()
        yield urls


def _plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _explain(engine: Engine, sql: str, company: bool) -> dict[str, Any]:
    clause = scoped(sql, BIG if company else None)
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(BIG)})
        raw = conn.execute(
            text("EXPLAIN (ANALYZE, FORMAT JSON) " + clause.text), PARAMS
        ).scalar_one()
    result: dict[str, Any] = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    return result


@pytest.mark.slow
@pytest.mark.parametrize("company", [False, True], ids=["all companies", "one company"])
@pytest.mark.parametrize("name", list(QUERIES))
def test_reports_read_invoices_through_indexes(
    big_database: DatabaseUrls, name: str, company: bool
) -> None:
    if name == "gstr-1 documents" and not company:
        pytest.skip("GSTR-1 is always for one company")
    engine = create_engine(sync_url(big_database.app_url))
    try:
        explained = _explain(engine, QUERIES[name], company)
    finally:
        engine.dispose()
    scans = [
        node["Node Type"]
        for node in _plan_nodes(explained["Plan"])
        if node.get("Relation Name") == "invoices"
    ]
    print(
        f"{name} ({'one company' if company else 'all'}): "
        f"{explained['Execution Time']:.1f} ms, invoices via {scans}"
    )
    assert scans, f"{name} does not read invoices?"
    assert "Seq Scan" not in scans, f"{name} scans all invoices: {scans}"
