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
from app.core.migrations import upgrade
from app.services.reports import dashboard, gstr1, registers
from app.services.reports.common import scoped
from tests import database

BIG = uuid.UUID("00000000-0000-7000-8000-000000000001")
SEED = """
INSERT INTO tenants (id, name, email)
  SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 'T' || n, n || '@t.in'
  FROM generate_series(1, 100) n;
INSERT INTO companies (tenant_id, id, legal_name, state_code, gstin)
  SELECT id, id, 'Co', '27', '27AAPFU0939F1ZV' FROM tenants;
INSERT INTO document_series (tenant_id, id, company_id, document_type, prefix)
  SELECT id, id, id, 'invoice', 'INV' FROM tenants;
INSERT INTO customers (tenant_id, id, code, name, state_code)
  SELECT t.id, gen_random_uuid(), 'C' || n, 'Customer ' || n, '27'
  FROM tenants t, generate_series(1, 50) n WHERE t.id <> :big;
INSERT INTO customers (tenant_id, id, code, name, state_code)
  SELECT :big, gen_random_uuid(), 'C' || n, 'Customer ' || n, '27'
  FROM generate_series(1, 5000) n;
WITH customer_list AS (
  SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS k,
         count(*) OVER (PARTITION BY tenant_id) AS total
  FROM customers
), plan AS (
  SELECT t.id AS tenant_id, n
  FROM tenants t,
       LATERAL generate_series(1, CASE WHEN t.id = :big THEN 100000 ELSE 1000 END) n
)
INSERT INTO invoices (tenant_id, id, company_id, customer_id, series_id, financial_year,
                      sequence_number, number, status, invoice_date, due_date,
                      place_of_supply, supply_type, subtotal, taxable_total, cgst_total,
                      sgst_total, grand_total, amount_paid, amount_due)
SELECT p.tenant_id, gen_random_uuid(), p.tenant_id, c.id, p.tenant_id,
       '2025-26', p.n, 'INV/25-26/' || p.n,
       CASE WHEN p.n % 3 = 0 THEN 'paid' ELSE 'issued' END,
       date '2025-04-01' + (p.n % 360), date '2025-04-01' + (p.n % 360) + 15,
       '27', 'intra_state', 1000, 1000, 90, 90, 1180,
       CASE WHEN p.n % 3 = 0 THEN 1180 ELSE 0 END,
       CASE WHEN p.n % 3 = 0 THEN 0 ELSE 1180 END
FROM plan p
JOIN customer_list c ON c.tenant_id = p.tenant_id AND c.k = 1 + (p.n % c.total);
INSERT INTO invoice_line_items (tenant_id, id, invoice_id, position, description, hsn_sac,
                                quantity, unit_price, taxable_value, gst_rate, cgst_amount,
                                sgst_amount, line_total)
  SELECT tenant_id, gen_random_uuid(), id, 1, 'Service', '998314', 1, 1000, 1000, 18, 90, 90,
         1180
  FROM invoices;
"""
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
    name = f"rms_test_{worker_id_str}_scale"
    urls = database.create_database(admin_url, name)
    upgrade(urls.admin_url)
    owner = create_engine(sync_url(urls.admin_url))
    started = time.perf_counter()
    with owner.begin() as conn:
        for statement in SEED.split(";\n"):
            if statement.strip():
                conn.execute(text(statement), {"big": BIG})
    with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    print(f"\nseeded 199,000 invoices and their lines in {time.perf_counter() - started:.1f} s")
    owner.dispose()
    yield urls
    database.drop_database(admin_url, name)


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
