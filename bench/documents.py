"""Set-based SQL that fills existing tenants with customers and a year of documents.

Shared by ``python -m bench seed`` and ``tests/db/test_report_scale.py``. Every tenant
needs a default company with its default invoice, receipt and credit-note series. The
amounts are consistent the way the service writes them: line sums equal the header, CGST
and SGST are each half the GST (intra-state, whole rupees so round-off is zero), receipts
and credit notes are allocated and applied, amounts due and the document counters agree.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.utils.gst import amount_in_words, gstin_check_character


@dataclass(frozen=True)
class Shape:
    """How much data: the big tenant and every other tenant."""

    big_tenant: uuid.UUID
    big_invoices: int = 100_000
    big_customers: int = 5_000
    small_invoices: int = 1_000
    small_customers: int = 50
    max_lines: int = 10
    days: int = 360  # invoices are spread over the days before ``today``

    def params(self, today: date) -> dict[str, Any]:
        return {
            "big": self.big_tenant,
            "big_invoices": self.big_invoices,
            "big_customers": self.big_customers,
            "small_invoices": self.small_invoices,
            "small_customers": self.small_customers,
            "max_lines": self.max_lines,
            "days": self.days,
            "today": today,
            "gstins": buyer_gstins(97),
        }


def buyer_gstins(count: int) -> list[str]:
    """Valid Maharashtra GSTINs (check character included) for registered buyers."""
    return [
        first + gstin_check_character(first)
        for first in (f"27AABCR{n:04d}E1Z" for n in range(1, count + 1))
    ]


FY = "(extract(year FROM {d})::int - CASE WHEN extract(month FROM {d}) < 4 THEN 1 ELSE 0 END)"


def _fy(column: str) -> str:
    """The financial year of a date column as '2025-26'."""
    start = FY.format(d=column)
    return f"({start}::text || '-' || lpad((({start} + 1) % 100)::text, 2, '0'))"


def _number(prefix: str, fy: str, seq: str) -> str:
    """``{prefix}/{fy}/{seq:04d}`` rendered in SQL (the default series format)."""
    return (
        f"{prefix} || '/' || substr({fy}, 3, 2) || '-' || substr({fy}, 6, 2) || '/' || "
        f"CASE WHEN {seq} < 10000 THEN lpad({seq}::text, 4, '0') ELSE {seq}::text END"
    )


STEPS: list[tuple[str, str]] = [
    (
        "customers",
        """
        INSERT INTO customers (tenant_id, id, code, name, email, gst_treatment, gstin, state_code,
                               billing_address_line1, billing_city, billing_pincode)
        SELECT c.tenant_id, gen_random_uuid(), 'C' || lpad(n::text, 5, '0'),
               'Customer ' || n || ' Pvt Ltd', 'ap' || n || '@customer.example.in',
               CASE WHEN n % 2 = 0 THEN 'registered' ELSE 'unregistered' END,
               CASE WHEN n % 2 = 0
                    THEN (CAST(:gstins AS text[]))[1 + n % cardinality(CAST(:gstins AS text[]))]
               END,
               '27', n || ' MG Road', 'Pune', '411001'
        FROM companies c,
             generate_series(1, CASE WHEN c.tenant_id = :big THEN :big_customers
                                     ELSE :small_customers END) n
        WHERE c.is_default;
        ANALYZE customers
        """,
    ),
    (
        "plan",
        """
        CREATE TEMP TABLE seed_plan ON COMMIT DROP AS
        WITH customer_list AS (
          SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY code) AS k
          FROM customers
        ), owners AS (
          SELECT DISTINCT ON (tenant_id) tenant_id, id FROM users
          WHERE role = 'owner' ORDER BY tenant_id, created_at
        ), counts AS (
          SELECT tenant_id, count(*) AS total FROM customers GROUP BY tenant_id
        ), dated AS MATERIALIZED (
          SELECT c.tenant_id, c.id AS company_id, n,
                 CAST(:today AS date) - 1 - (n % :days) AS invoice_date, t.total
          FROM companies c JOIN counts t ON t.tenant_id = c.tenant_id,
               generate_series(1, CASE WHEN c.tenant_id = :big THEN :big_invoices
                                       ELSE :small_invoices END) n
          WHERE c.is_default
        )
        SELECT d.tenant_id, gen_random_uuid() AS id, d.company_id, d.n, d.invoice_date,
               cl.id AS customer_id, 1 + (d.n * 7) % :max_lines AS line_count,
               FY(d.invoice_date) AS fy,
               row_number() OVER (PARTITION BY d.tenant_id, FY(d.invoice_date)
                                  ORDER BY d.invoice_date, d.n) AS seq,
               o.id AS created_by
        FROM dated d
        JOIN customer_list cl ON cl.tenant_id = d.tenant_id AND cl.k = 1 + (d.n * 31) % d.total
        LEFT JOIN owners o ON o.tenant_id = d.tenant_id;
        ANALYZE seed_plan
        """,
    ),
    (
        "invoice lines",
        """
        CREATE TEMP TABLE seed_lines ON COMMIT DROP AS
        SELECT p.tenant_id, gen_random_uuid() AS id, p.id AS invoice_id, k AS position,
               'Consulting service ' || k AS description, '998314' AS hsn_sac, 'NOS' AS uqc,
               v.q AS quantity, v.price AS unit_price, v.q * v.price AS taxable_value,
               v.rate AS gst_rate, v.q * v.price * v.rate / 200 AS cgst_amount,
               v.q * v.price * v.rate / 200 AS sgst_amount,
               v.q * v.price + v.q * v.price * v.rate / 100 AS line_total
        FROM seed_plan p, generate_series(1, p.line_count) k,
             LATERAL (SELECT 1 + (p.n + k) % 4 AS q, 200 * (1 + (p.n * 7 + k) % 50) AS price,
                             (ARRAY[5, 12, 18, 28])[1 + (p.n + k) % 4] AS rate) v;
        ANALYZE seed_lines
        """,
    ),
    ("words", ""),  # amounts in words of every total, in Python (see seed_documents)
    (
        "invoices",
        """
        CREATE TEMP TABLE seed_snapshots ON COMMIT DROP AS
        SELECT cu.tenant_id, cu.id AS customer_id,
               jsonb_build_object(
                 'supplier', jsonb_build_object(
                   'name', coalesce(co.trade_name, co.legal_name), 'legal_name', co.legal_name,
                   'gstin', co.gstin, 'pan', co.pan, 'state_code', co.state_code,
                   'address_lines', to_jsonb(array_remove(
                     ARRAY[co.address_line1, co.address_line2, co.city, co.pincode], NULL)),
                   'email', co.email, 'phone', co.phone,
                   'bank', jsonb_build_object('Bank', co.bank_name,
                     'Account name', co.bank_account_name,
                     'Account no.', co.bank_account_number, 'IFSC', co.bank_ifsc,
                     'Branch', co.bank_branch),
                   'upi_vpa', co.upi_vpa, 'logo_url', co.logo_url,
                   'accent_colour', co.accent_colour, 'terms', co.invoice_terms),
                 'buyer', jsonb_build_object(
                   'name', cu.name, 'legal_name', cu.legal_name, 'gstin', cu.gstin,
                   'pan', cu.pan, 'state_code', cu.state_code,
                   'address_lines', to_jsonb(array_remove(
                     ARRAY[cu.billing_address_line1, cu.billing_address_line2,
                           cu.billing_city, cu.billing_pincode], NULL)),
                   'email', cu.email, 'phone', cu.phone, 'gst_treatment', cu.gst_treatment),
                 'endorsement', NULL) AS snapshot
        FROM customers cu JOIN companies co ON co.tenant_id = cu.tenant_id AND co.is_default;
        ANALYZE seed_snapshots;
        WITH totals AS (
          SELECT tenant_id, invoice_id, sum(taxable_value) AS taxable,
                 sum(cgst_amount) AS cgst, sum(line_total) AS total
          FROM seed_lines
          GROUP BY tenant_id, invoice_id
        ), settled AS (
          SELECT p.*, t.taxable, t.cgst, t.total,
                 CASE WHEN p.n % 3 = 0 THEN t.total
                      WHEN p.n % 12 = 2 THEN round(t.total / 2) ELSE 0 END AS paid,
                 CASE WHEN p.n % 75 = 1 THEN t.total - t.taxable ELSE 0 END AS credited
          FROM seed_plan p JOIN totals t ON t.tenant_id = p.tenant_id AND t.invoice_id = p.id
        )
        INSERT INTO invoices (tenant_id, id, company_id, customer_id, series_id, financial_year,
                              sequence_number, number, kind, status, invoice_date, due_date,
                              place_of_supply, supply_type, subtotal, taxable_total, cgst_total,
                              sgst_total, grand_total, amount_in_words, amount_paid,
                              amount_credited, amount_due, billing_snapshot, created_by,
                              issued_at, version)
        SELECT s.tenant_id, s.id, s.company_id, s.customer_id, ds.id, s.fy, s.seq,
               NUMBER(ds.prefix, s.fy, s.seq),
               'tax_invoice',
               CASE WHEN s.paid = s.total THEN 'paid' WHEN s.paid > 0 THEN 'partially_paid'
                    ELSE 'issued' END,
               s.invoice_date, s.invoice_date + 15, '27', 'intra_state',
               s.taxable, s.taxable, s.cgst, s.cgst, s.total, w.words, s.paid, s.credited,
               s.total - s.paid - s.credited,
               snap.snapshot,
               s.created_by, s.invoice_date + time '10:00', 2
        FROM settled s
        JOIN seed_words w ON w.total = s.total
        JOIN seed_snapshots snap
          ON snap.tenant_id = s.tenant_id AND snap.customer_id = s.customer_id
        JOIN document_series ds
          ON ds.tenant_id = s.tenant_id AND ds.company_id = s.company_id
         AND ds.document_type = 'invoice' AND ds.is_default;
        INSERT INTO invoice_line_items (tenant_id, id, invoice_id, position, description,
                                        hsn_sac, uqc, quantity, unit_price, taxable_value,
                                        gst_rate, cgst_amount, sgst_amount, line_total)
        SELECT tenant_id, id, invoice_id, position, description, hsn_sac, uqc, quantity,
               unit_price, taxable_value, gst_rate, cgst_amount, sgst_amount, line_total
        FROM seed_lines
        """,
    ),
    (
        "receipts",
        """
        CREATE TEMP TABLE seed_receipts ON COMMIT DROP AS
        SELECT i.tenant_id, gen_random_uuid() AS id, i.id AS invoice_id, i.company_id,
               i.customer_id, i.amount_paid AS amount, i.created_by,
               LEAST(i.invoice_date + (i.sequence_number % 20), CAST(:today AS date) - 1) AS day
        FROM invoices i
        WHERE i.amount_paid > 0 AND EXISTS (SELECT 1 FROM seed_plan p
                                          WHERE p.tenant_id = i.tenant_id AND p.id = i.id);
        INSERT INTO receipts (tenant_id, id, company_id, customer_id, series_id, financial_year,
                              sequence_number, number, receipt_date, amount, tds_amount, mode,
                              amount_allocated, amount_refunded, created_by)
        SELECT r.tenant_id, r.id, r.company_id, r.customer_id, ds.id, r.fy, r.seq,
               NUMBER(ds.prefix, r.fy, r.seq),
               r.day, r.amount, 0, 'bank_transfer', r.amount, 0, r.created_by
        FROM (SELECT *, FY(day) AS fy,
                     row_number() OVER (PARTITION BY tenant_id, FY(day) ORDER BY day, id) AS seq
              FROM seed_receipts) r
        JOIN document_series ds
          ON ds.tenant_id = r.tenant_id AND ds.company_id = r.company_id
         AND ds.document_type = 'receipt' AND ds.is_default;
        INSERT INTO receipt_allocations (tenant_id, id, receipt_id, invoice_id, amount,
                                         created_by)
        SELECT tenant_id, gen_random_uuid(), id, invoice_id, amount, created_by
        FROM seed_receipts
        """,
    ),
    (
        "credit notes",
        """
        CREATE TEMP TABLE seed_notes ON COMMIT DROP AS
        SELECT i.tenant_id, gen_random_uuid() AS id, i.id AS invoice_id, i.company_id,
               i.customer_id, i.created_by, i.amount_credited AS total,
               i.taxable_total AS taxable, i.cgst_total AS cgst,
               LEAST(i.invoice_date + 5, CAST(:today AS date) - 1) AS day
        FROM invoices i
        WHERE i.amount_credited > 0 AND EXISTS (SELECT 1 FROM seed_plan p
                                              WHERE p.tenant_id = i.tenant_id AND p.id = i.id);
        INSERT INTO credit_notes (tenant_id, id, company_id, customer_id, invoice_id, series_id,
                                  financial_year, sequence_number, number, status,
                                  credit_note_date, reason, place_of_supply, supply_type,
                                  cgst_total, sgst_total, grand_total, amount_in_words,
                                  amount_applied, created_by, issued_at, version)
        SELECT n.tenant_id, n.id, n.company_id, n.customer_id, n.invoice_id, ds.id, n.fy,
               n.seq, NUMBER(ds.prefix, n.fy, n.seq),
               'issued', n.day, 'other', '27', 'intra_state', n.cgst, n.cgst, n.total, w.words,
               n.total,
               n.created_by, n.day + time '11:00', 2
        FROM (SELECT *, FY(day) AS fy,
                     row_number() OVER (PARTITION BY tenant_id, FY(day) ORDER BY day, id) AS seq
              FROM seed_notes) n
        JOIN seed_words w ON w.total = n.total
        JOIN document_series ds
          ON ds.tenant_id = n.tenant_id AND ds.company_id = n.company_id
         AND ds.document_type = 'credit_note' AND ds.is_default;
        INSERT INTO credit_note_line_items (tenant_id, id, credit_note_id, invoice_line_item_id,
                                            position, description, hsn_sac, uqc, quantity,
                                            unit_price, taxable_value, gst_rate, cgst_amount,
                                            sgst_amount, line_total)
        SELECT n.tenant_id, gen_random_uuid(), n.id, l.id, l.position,
               'Tax correction: ' || l.description, l.hsn_sac, l.uqc, l.quantity, 0, 0,
               l.gst_rate, l.cgst_amount, l.sgst_amount, l.cgst_amount + l.sgst_amount
        FROM seed_notes n
        JOIN invoice_line_items l ON l.tenant_id = n.tenant_id AND l.invoice_id = n.invoice_id;
        INSERT INTO credit_note_applications (tenant_id, id, credit_note_id, invoice_id, amount,
                                              created_by)
        SELECT tenant_id, gen_random_uuid(), id, invoice_id, total, created_by FROM seed_notes
        """,
    ),
    (
        "counters",
        """
        INSERT INTO document_counters (tenant_id, id, series_id, financial_year, last_number)
        SELECT tenant_id, gen_random_uuid(), series_id, financial_year, max(sequence_number)
        FROM (SELECT tenant_id, series_id, financial_year, sequence_number FROM invoices
              UNION ALL
              SELECT tenant_id, series_id, financial_year, sequence_number FROM receipts
              UNION ALL
              SELECT tenant_id, series_id, financial_year, sequence_number FROM credit_notes) d
        WHERE series_id IS NOT NULL
        GROUP BY tenant_id, series_id, financial_year
        ON CONFLICT (tenant_id, series_id, financial_year)
        DO UPDATE SET last_number = GREATEST(document_counters.last_number,
                                             EXCLUDED.last_number)
        """,
    ),
]

WORDS_TABLE = "CREATE TEMP TABLE seed_words (total numeric PRIMARY KEY, words text) ON COMMIT DROP"
# Every invoice total, and every tax-only total (what the credit notes carry).
TOTALS = """
SELECT DISTINCT unnest(ARRAY[sum(line_total), sum(line_total) - sum(taxable_value)])
FROM seed_lines GROUP BY tenant_id, invoice_id
"""


MACROS = re.compile(r"(FY|NUMBER)\(([^()]*)\)")


def _expand(sql: str) -> str:
    """``FY(column)`` and ``NUMBER(prefix, fy, seq)`` become their SQL expressions."""

    def one(match: re.Match[str]) -> str:
        args = [arg.strip() for arg in match.group(2).split(",")]
        return _fy(*args) if match.group(1) == "FY" else _number(*args)

    return MACROS.sub(one, sql)


def _statements(sql: str) -> list[str]:
    return [part for part in _expand(sql).split(";\n") if part.strip()]


def seed_documents(
    conn: Connection,
    shape: Shape,
    today: date,
    progress: Callable[[str], None] = lambda _: None,
) -> None:
    """Insert customers, invoices with lines, receipts, credit notes (one transaction:
    ``conn`` must be in a transaction as the schema owner, which bypasses RLS)."""
    values = shape.params(today)
    conn.execute(text("SET LOCAL jit = off"))  # compiling these one-off queries costs more
    # The rows are consistent by construction: skip the per-row foreign-key triggers (a
    # superuser-only setting, the usual one for bulk loads; constraints and indexes stay).
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    conn.execute(text("SET LOCAL enable_nestloop = off"))  # every join here is a bulk join
    conn.execute(text("ANALYZE tenants, users, companies, document_series"))
    for name, sql in STEPS:
        started = time.perf_counter()
        if name == "words":
            _words(conn)
        for statement in _statements(sql):
            conn.execute(text(statement), values)
        progress(f"{name}: {time.perf_counter() - started:.1f} s")


def _words(conn: Connection) -> None:
    """``amount_in_words`` for every total (as the GST engine writes it), in a temp table."""
    totals = conn.execute(text(TOTALS)).scalars()
    words = [{"total": t, "words": amount_in_words(Decimal(t))} for t in totals]
    conn.execute(text(WORDS_TABLE))
    conn.execute(text("INSERT INTO seed_words VALUES (:total, :words)"), words)
    conn.execute(text("ANALYZE seed_words"))
