"""Raw asyncpg references behind the same HTTP stack: the ceilings product routes are
measured against. They do the same database work with no ORM, no dependency injection
and no response models; the create + issue reference writes the same rows as the
product (invoice, lines, three audit rows, the counter upsert as the lock taken last).
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from app.core.config import Settings
from app.core.security import decode_access_token
from app.services.gst_engine import (
    HEADER_FIELDS,
    LINE_TAX_FIELDS,
    LineInput,
    SupplyContext,
    compute_document,
)
from app.services.numbering import SeriesFormat
from app.utils.clock import today_ist, utcnow
from app.utils.gst import financial_year
from app.utils.ids import uuid7

SET_TENANT = "SELECT set_config('app.tenant_id', $1, true)"
PK_SELECT = "SELECT * FROM invoices WHERE tenant_id = $1 AND id = $2"
LIST_COUNT = "SELECT count(*) FROM invoices WHERE tenant_id = $1 AND status = $2"
LIST_PAGE = """
SELECT id, number, status, kind, company_id, customer_id, invoice_date, due_date,
       place_of_supply, supply_type, taxable_total, grand_total, amount_paid, amount_credited,
       amount_due, issued_at, sent_at, created_at, updated_at,
       billing_snapshot -> 'buyer' ->> 'name' AS customer_name
FROM invoices WHERE tenant_id = $1 AND status = $2
ORDER BY invoice_date DESC, id DESC LIMIT $3 OFFSET $4
"""
AUTH = """
SELECT u.id, u.role, s.id AS session_id, sub.plan, sub.status
FROM sessions s
JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
LEFT JOIN subscriptions sub ON sub.tenant_id = s.tenant_id
WHERE s.tenant_id = $1 AND s.id = $2 AND s.user_id = $3 AND s.revoked_at IS NULL
  AND s.expires_at > now() AND u.is_active AND u.deleted_at IS NULL
"""
CONTEXT = """
SELECT (SELECT row_to_json(c) FROM customers c
         WHERE c.tenant_id = $1 AND c.id = $2 AND c.archived_at IS NULL) AS customer,
       (SELECT row_to_json(co) FROM companies co
         WHERE co.tenant_id = $1 AND co.is_default AND co.deleted_at IS NULL) AS company,
       (SELECT row_to_json(g) FROM gst_settings g WHERE g.tenant_id = $1) AS settings,
       (SELECT array_agg(rate) FROM tax_rates r WHERE r.tenant_id = $1 AND r.is_active
          AND r.effective_from <= $3 AND (r.effective_to IS NULL OR r.effective_to >= $3))
         AS rates
"""
SERIES = """
SELECT id, prefix, number_format FROM document_series
WHERE tenant_id = $1 AND company_id = $2 AND document_type = 'invoice' AND is_active
ORDER BY is_default DESC, created_at LIMIT 1
"""
INSERT_INVOICE = """
INSERT INTO invoices (tenant_id, id, company_id, customer_id, status, kind, invoice_date,
  due_date, place_of_supply, supply_type, subtotal, discount_total, taxable_total, cgst_total,
  sgst_total, utgst_total, igst_total, cess_total, round_off, grand_total, amount_in_words,
  amount_paid, amount_credited, amount_due, billing_snapshot, created_by, version)
VALUES ($1, $2, $3, $4, 'draft', 'tax_invoice', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
        $15, $16, $17, $18, $19, 0, 0, $18, $20, $21, 1)
"""
INSERT_LINES = """
INSERT INTO invoice_line_items (tenant_id, id, invoice_id, position, description, hsn_sac, uqc,
  quantity, unit_price, gst_rate, taxable_value, cgst_amount, sgst_amount, utgst_amount,
  igst_amount, cess_amount, line_total)
SELECT $1, gen_random_uuid(), $2, p, d, h, 'NOS', q, u, r, t, c, s, ut, i, ce, lt
FROM unnest($3::int[], $4::text[], $5::text[], $6::numeric[], $7::numeric[], $8::numeric[],
            $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], $13::numeric[],
            $14::numeric[], $15::numeric[]) AS x(p, d, h, q, u, r, t, c, s, ut, i, ce, lt)
"""
NEXT_NUMBER = """
INSERT INTO document_counters (tenant_id, id, series_id, financial_year, last_number)
VALUES ($1, $2, $3, $4, 1)
ON CONFLICT (tenant_id, series_id, financial_year)
DO UPDATE SET last_number = document_counters.last_number + 1, updated_at = now()
RETURNING last_number
"""
ISSUE = """
UPDATE invoices SET status = 'issued', series_id = $3, financial_year = $4,
  sequence_number = $5, number = $6, issued_at = $7, version = 2, updated_at = now()
WHERE tenant_id = $1 AND id = $2
"""
AUDIT = """
INSERT INTO audit_logs (tenant_id, id, user_id, action, entity_type, entity_id, changes,
                        ip_address, user_agent, request_id)
SELECT $1, a.id, $2, a.action, 'invoice', $3, a.changes, $4::inet, $5, $6
FROM unnest($7::uuid[], $8::text[], $9::jsonb[]) AS a(id, action, changes)
"""


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str, separators=(",", ":"))


async def init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=_dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(app_url: str, size: int) -> asyncpg.Pool:
    dsn = app_url.replace("postgresql+asyncpg://", "postgresql://")
    return await asyncpg.create_pool(dsn, min_size=1, max_size=size, init=init_connection)


async def pk_select(pool: asyncpg.Pool, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> bytes:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(SET_TENANT, str(tenant_id))
        row = await conn.fetchrow(PK_SELECT, tenant_id, invoice_id)
    return _dumps(dict(row) if row else None).encode()


async def list_page(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, status: str, page: int, page_size: int = 20
) -> bytes:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(SET_TENANT, str(tenant_id))
        total = await conn.fetchval(LIST_COUNT, tenant_id, status)
        rows = await conn.fetch(LIST_PAGE, tenant_id, status, page_size, (page - 1) * page_size)
    body = {"items": [dict(r) for r in rows], "total": total, "page": page, "page_size": page_size}
    return _dumps(body).encode()


class Refused(Exception):
    """The raw reference's 4xx: the request was not acceptable."""


async def create_issue(
    pool: asyncpg.Pool,
    settings: Settings,
    token: str,
    body: dict[str, Any],
    client: tuple[str | None, str | None, str | None],
) -> bytes:
    """Create and issue an invoice as ``POST /invoices {"issue": true}`` does, raw."""
    claims = decode_access_token(token, settings)
    tenant = claims.tenant_id
    today = today_ist()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(SET_TENANT, str(tenant))
        principal = await conn.fetchrow(AUTH, tenant, claims.session_id, claims.user_id)
        if principal is None:
            raise Refused("session ended")
        ctx = await conn.fetchrow(CONTEXT, tenant, uuid.UUID(body["customer_id"]), today)
        customer, company, gst = ctx["customer"], ctx["company"], ctx["settings"]
        if customer is None or company is None:
            raise Refused("no customer or company")
        rates = set(ctx["rates"] or [])
        lines = [
            LineInput(
                quantity=Decimal(str(x.get("quantity", "1"))),
                unit_price=Decimal(x["unit_price"]),
                gst_rate=Decimal(x["gst_rate"]),
            )
            for x in body["lines"]
        ]
        if any(line.gst_rate not in rates for line in lines):
            raise Refused("rate not in force")
        place = customer["gstin"][:2] if customer.get("gstin") else customer["state_code"]
        result = compute_document(
            lines,
            SupplyContext(
                supplier_state=company["state_code"],
                place_of_supply=place,
                apply_round_off=bool(gst["apply_round_off"]) if gst else True,
            ),
        )
        invoice_id = uuid7()
        due = today + timedelta(days=int(company.get("default_due_days") or 15))
        header = [getattr(result, name) for name in HEADER_FIELDS]
        snapshot = {
            "supplier": {"name": company["legal_name"], "gstin": company["gstin"]},
            "buyer": {"name": customer["name"], "gstin": customer.get("gstin")},
        }
        await conn.execute(
            INSERT_INVOICE,
            tenant,
            invoice_id,
            uuid.UUID(company["id"]),
            uuid.UUID(customer["id"]),
            today,
            due,
            place,
            header[-1],
            *header[:-1],
            snapshot,
            principal["id"],
        )
        rows = [
            (
                i,
                x.get("description", ""),
                x.get("hsn_sac"),
                line.quantity,
                line.unit_price,
                line.gst_rate,
                *(getattr(r, name) for name in LINE_TAX_FIELDS),
            )
            for i, (x, line, r) in enumerate(
                zip(body["lines"], lines, result.lines, strict=True), 1
            )
        ]
        columns = [list(column) for column in zip(*rows, strict=True)]
        await conn.execute(INSERT_LINES, tenant, invoice_id, *columns)
        after = {
            "id": str(invoice_id),
            "status": "draft",
            "grand_total": str(result.grand_total),
            "lines": len(lines),
        }
        await _audit(
            conn,
            tenant,
            principal["id"],
            invoice_id,
            client,
            [("invoice.created", {"after": after})],
        )
        series = await conn.fetchrow(SERIES, tenant, uuid.UUID(company["id"]))
        fy = financial_year(today)
        sequence = await conn.fetchval(NEXT_NUMBER, tenant, uuid.uuid4(), series["id"], fy)
        number = SeriesFormat(series["prefix"], series["number_format"]).render(fy, sequence)
        issued_at = utcnow()
        await conn.execute(ISSUE, tenant, invoice_id, series["id"], fy, sequence, number, issued_at)
        changes = {"before": {"status": "draft"}, "after": {"status": "issued", "number": number}}
        await _audit(
            conn,
            tenant,
            principal["id"],
            invoice_id,
            client,
            [("invoice.updated", changes), ("invoice.issued", {"number": number})],
        )
    return _dumps(_out(invoice_id, number, today, due, result, issued_at)).encode()


async def _audit(
    conn: asyncpg.Connection,
    tenant: uuid.UUID,
    user_id: uuid.UUID,
    entity: uuid.UUID,
    client: tuple[str | None, str | None, str | None],
    rows: list[tuple[str, dict[str, Any]]],
) -> None:
    await conn.execute(
        AUDIT,
        tenant,
        user_id,
        entity,
        *client,
        [uuid7() for _ in rows],
        [a for a, _ in rows],
        [c for _, c in rows],
    )


def _out(
    invoice_id: uuid.UUID, number: str, day: date, due: date, result: Any, issued_at: datetime
) -> dict[str, Any]:
    return {
        "id": invoice_id,
        "number": number,
        "status": "issued",
        "invoice_date": day,
        "due_date": due,
        "issued_at": issued_at,
        **{name: getattr(result, name) for name in HEADER_FIELDS},
        "lines": [{name: getattr(r, name) for name in LINE_TAX_FIELDS} for r in result.lines],
    }
