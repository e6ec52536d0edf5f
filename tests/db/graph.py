"""One row in every tenant-owned table for a tenant: the fixture of the isolation tests.

``tenant_graph`` returns ``(table, values)`` pairs in foreign-key order, so the same rows
can be inserted through a sync or an async connection, as any role.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table

from app.models import (
    AccountManager,
    ApiToken,
    AuditLog,
    ClientType,
    Company,
    CreditNote,
    CreditNoteApplication,
    CreditNoteLineItem,
    Customer,
    DataExport,
    DataExportChunk,
    DocumentCounter,
    DocumentRender,
    DocumentSeries,
    DunningSettings,
    EmailVerification,
    GstSettings,
    IdempotencyKey,
    Invoice,
    InvoiceLineItem,
    InvoiceReminder,
    PasswordResetToken,
    Receipt,
    ReceiptAllocation,
    RefreshToken,
    Refund,
    ServiceType,
    Subscription,
    TaxRate,
    Tenant,
    TenantNotification,
    User,
    UserInvitation,
    UserSession,
)
from app.models.base import Base
from app.utils.ids import uuid7

Row = tuple[Table, dict[str, Any]]


def tenant_owned_tables() -> list[Table]:
    """Every table with a tenant_id column (the RLS-protected set, besides ``tenants``)."""
    return [t for t in Base.metadata.sorted_tables if "tenant_id" in t.c]


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _line(**extra: Any) -> dict[str, Any]:
    return {
        "description": "Consulting",
        "hsn_sac": "998314",
        "quantity": Decimal("1.000"),
        "unit_price": Decimal("1000.0000"),
        "taxable_value": Decimal("1000.00"),
        "gst_rate": Decimal("18"),
        "cgst_amount": Decimal("90.00"),
        "sgst_amount": Decimal("90.00"),
        "line_total": Decimal("1180.00"),
        "position": 1,
        **extra,
    }


def _totals() -> dict[str, Any]:
    return {
        "subtotal": Decimal("1000.00"),
        "taxable_total": Decimal("1000.00"),
        "cgst_total": Decimal("90.00"),
        "sgst_total": Decimal("90.00"),
        "grand_total": Decimal("1180.00"),
        "place_of_supply": "27",
        "supply_type": "intra_state",
    }


def tenant_graph(tenant_id: uuid.UUID) -> list[Row]:
    t = tenant_id
    now = datetime.now(UTC)
    ids = {
        name: uuid7()
        for name in (
            "user",
            "session",
            "company",
            "series",
            "client_type",
            "manager",
            "service",
            "customer",
            "invoice",
            "line",
            "receipt",
            "credit_note",
            "export",
        )
    }
    later = now + timedelta(days=1)
    return [
        (_table(Tenant), {"id": t, "name": f"Tenant {t}", "email": f"{t}@example.in"}),
        (_table(Subscription), {"tenant_id": t, "plan": "trial", "status": "trialing"}),
        (
            _table(User),
            {
                "tenant_id": t,
                "id": ids["user"],
                "email": f"u-{t}@example.in",
                "full_name": "U",
                "role": "owner",
            },
        ),
        (
            _table(UserSession),
            {"tenant_id": t, "id": ids["session"], "user_id": ids["user"], "expires_at": later},
        ),
        (
            _table(RefreshToken),
            {
                "tenant_id": t,
                "session_id": ids["session"],
                "token_hash": f"r-{t}",
                "expires_at": later,
            },
        ),
        (
            _table(EmailVerification),
            {
                "tenant_id": t,
                "user_id": ids["user"],
                "token_hash": f"e-{t}",
                "expires_at": later,
                "email": f"u-{t}@example.in",
            },
        ),
        (
            _table(PasswordResetToken),
            {"tenant_id": t, "user_id": ids["user"], "token_hash": f"p-{t}", "expires_at": later},
        ),
        (
            _table(Company),
            {"tenant_id": t, "id": ids["company"], "legal_name": "Co", "state_code": "27"},
        ),
        (
            _table(DocumentSeries),
            {
                "tenant_id": t,
                "id": ids["series"],
                "company_id": ids["company"],
                "document_type": "invoice",
                "prefix": "INV",
            },
        ),
        (
            _table(DocumentCounter),
            {
                "tenant_id": t,
                "series_id": ids["series"],
                "financial_year": "2025-26",
                "last_number": 1,
            },
        ),
        (_table(ClientType), {"tenant_id": t, "id": ids["client_type"], "name": "Retail"}),
        (_table(AccountManager), {"tenant_id": t, "id": ids["manager"], "name": "Ravi"}),
        (
            _table(ServiceType),
            {
                "tenant_id": t,
                "id": ids["service"],
                "name": "Consulting",
                "hsn_sac_code": "998314",
                "default_gst_rate": Decimal("18"),
            },
        ),
        (_table(GstSettings), {"tenant_id": t}),
        (
            _table(TaxRate),
            {
                "tenant_id": t,
                "name": "GST 18%",
                "rate": Decimal("18"),
                "effective_from": date(2017, 7, 1),
            },
        ),
        (
            _table(Customer),
            {
                "tenant_id": t,
                "id": ids["customer"],
                "code": "C-1",
                "name": "Buyer",
                "state_code": "27",
                "client_type_id": ids["client_type"],
                "account_manager_id": ids["manager"],
            },
        ),
        (
            _table(Invoice),
            {
                "tenant_id": t,
                "id": ids["invoice"],
                "company_id": ids["company"],
                "customer_id": ids["customer"],
                "series_id": ids["series"],
                "financial_year": "2025-26",
                "sequence_number": 1,
                "number": "INV/25-26/0001",
                "status": "issued",
                "invoice_date": date(2025, 6, 1),
                "due_date": date(2025, 6, 16),
                "amount_due": Decimal("1180.00"),
                "created_by": ids["user"],
                **_totals(),
            },
        ),
        (
            _table(InvoiceLineItem),
            {
                "tenant_id": t,
                "id": ids["line"],
                "invoice_id": ids["invoice"],
                "service_type_id": ids["service"],
                **_line(),
            },
        ),
        (
            _table(Receipt),
            {
                "tenant_id": t,
                "id": ids["receipt"],
                "company_id": ids["company"],
                "customer_id": ids["customer"],
                "series_id": ids["series"],
                "financial_year": "2025-26",
                "sequence_number": 1,
                "number": "RCT/25-26/0001",
                "receipt_date": date(2025, 6, 10),
                "amount": Decimal("500.00"),
                "mode": "upi",
                "amount_allocated": Decimal("500.00"),
            },
        ),
        (
            _table(ReceiptAllocation),
            {
                "tenant_id": t,
                "receipt_id": ids["receipt"],
                "invoice_id": ids["invoice"],
                "amount": Decimal("500.00"),
            },
        ),
        (
            _table(CreditNote),
            {
                "tenant_id": t,
                "id": ids["credit_note"],
                "company_id": ids["company"],
                "customer_id": ids["customer"],
                "invoice_id": ids["invoice"],
                "credit_note_date": date(2025, 6, 20),
                "reason": "sales_return",
                **_totals(),
            },
        ),
        (
            _table(CreditNoteLineItem),
            {
                "tenant_id": t,
                "credit_note_id": ids["credit_note"],
                "invoice_line_item_id": ids["line"],
                **_line(),
            },
        ),
        (
            _table(UserInvitation),
            {
                "tenant_id": t,
                "user_id": ids["user"],
                "email": f"u-{t}@example.in",
                "role": "viewer",
                "token_hash": f"i-{t}",
                "expires_at": later,
            },
        ),
        (
            _table(ApiToken),
            {
                "tenant_id": t,
                "name": "CI",
                "token_prefix": "rms_abcd",
                "token_hash": f"a-{t}",
                "role": "viewer",
                "created_by": ids["user"],
            },
        ),
        (_table(TenantNotification), {"tenant_id": t, "kind": "trial_day_7"}),
        (_table(DunningSettings), {"tenant_id": t, "enabled": True}),
        (
            _table(InvoiceReminder),
            {"tenant_id": t, "invoice_id": ids["invoice"], "stage": "due"},
        ),
        (
            _table(CreditNoteApplication),
            {
                "tenant_id": t,
                "credit_note_id": ids["credit_note"],
                "invoice_id": ids["invoice"],
                "amount": Decimal("100.00"),
            },
        ),
        (
            _table(Refund),
            {
                "tenant_id": t,
                "customer_id": ids["customer"],
                "company_id": ids["company"],
                "receipt_id": ids["receipt"],
                "refund_date": date(2025, 7, 1),
                "amount": Decimal("10.00"),
                "mode": "upi",
            },
        ),
        (
            _table(DocumentRender),
            {
                "tenant_id": t,
                "document_type": "invoice",
                "document_id": ids["invoice"],
                "version": 1,
                "etag": f"e-{t}",
                "content": b"%PDF-1.7",
            },
        ),
        (
            _table(DataExport),
            {
                "tenant_id": t,
                "id": ids["export"],
                "requested_by": ids["user"],
                "status": "ready",
                "progress": 100,
                "chunk_count": 1,
                "expires_at": later,
            },
        ),
        (
            _table(DataExportChunk),
            {"tenant_id": t, "export_id": ids["export"], "seq": 1, "content": b"PK\x05\x06"},
        ),
        (
            _table(IdempotencyKey),
            {
                "tenant_id": t,
                "key": f"key-{t}",
                "request_hash": "0" * 64,
                "status": "completed",
                "response_status": 201,
                "response_headers": {"content-type": "application/json"},
                "response_body": b"{}",
                "expires_at": later,
            },
        ),
        (
            _table(AuditLog),
            {"tenant_id": t, "action": "test.seeded", "entity_type": "tenant", "entity_id": t},
        ),
    ]


def graph_ids(rows: list[Row]) -> dict[str, Any]:
    """The ids of the customer, company, user and session in a graph."""
    by_table = {table.name: values for table, values in rows}
    tables = ("customers", "companies", "users", "sessions")
    names = ("customer", "company", "user", "session")
    return {name: by_table[table]["id"] for name, table in zip(names, tables, strict=True)}
