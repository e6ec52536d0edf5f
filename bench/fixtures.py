"""What the load needs from the seeded database: tenants, their ids, open invoices."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import create_engine, text

from app.core.database import sync_url

TENANTS = """
SELECT t.id::text AS tenant_id, u.email, c.id::text AS company_id,
       (SELECT count(*) FROM invoices i WHERE i.tenant_id = t.id) AS invoices
FROM tenants t
JOIN users u ON u.tenant_id = t.id AND u.role = 'owner'
JOIN companies c ON c.tenant_id = t.id AND c.is_default
ORDER BY u.email
"""
SAMPLE = """
SELECT id::text FROM invoices WHERE tenant_id = CAST(:t AS uuid) AND status <> 'draft'
ORDER BY md5(id::text) LIMIT :n
"""
CUSTOMERS = """
SELECT id::text FROM customers WHERE tenant_id = CAST(:t AS uuid) ORDER BY code LIMIT :n
"""
DEEP_ANCHOR = """
SELECT id::text FROM invoices WHERE tenant_id = CAST(:t AS uuid) AND status = 'issued'
ORDER BY invoice_date DESC, id DESC OFFSET :skip LIMIT 1
"""
OPEN_BY_CUSTOMER = """
SELECT customer_id::text, array_agg(id::text ORDER BY invoice_date) AS invoices
FROM invoices
WHERE tenant_id = CAST(:t AS uuid) AND status IN ('issued', 'partially_paid')
  AND amount_due >= 10
GROUP BY customer_id HAVING count(*) >= 2
ORDER BY customer_id LIMIT :n
"""


@dataclass
class Tenant:
    tenant_id: str
    email: str
    company_id: str
    invoice_count: int
    invoices: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    open_invoices: dict[str, list[str]] = field(default_factory=dict)  # customer -> ids
    token: str = ""
    deep_page: int = 1
    deep_anchor: str = ""  # the last issued invoice before ``deep_page`` (keyset cursor)


def load(admin_url: str, active: int, sample: int) -> list[Tenant]:
    """Every tenant (the big one first); the first ``active`` get ids to request."""
    engine = create_engine(sync_url(admin_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(TENANTS)).all()
            tenants = [Tenant(r.tenant_id, r.email, r.company_id, r.invoices) for r in rows]
            tenants.sort(key=lambda t: -t.invoice_count)  # the big tenant first
            for tenant in tenants[:active]:
                values = {"t": tenant.tenant_id, "n": sample}
                tenant.invoices = list(conn.execute(text(SAMPLE), values).scalars())
                tenant.customers = list(
                    conn.execute(text(CUSTOMERS), {**values, "n": 20}).scalars()
                )
                issued = tenant.invoice_count * 55 // 100  # about the issued share
                tenant.deep_page = max(2, issued // 20 - 5)
                tenant.deep_anchor = (
                    conn.execute(
                        text(DEEP_ANCHOR), {**values, "skip": (tenant.deep_page - 1) * 20 - 1}
                    ).scalar_one_or_none()
                    or ""
                )
                tenant.open_invoices = {
                    r.customer_id: list(r.invoices)
                    for r in conn.execute(text(OPEN_BY_CUSTOMER), {**values, "n": 10})
                }
    finally:
        engine.dispose()
    return tenants
