"""Indexes for the dashboard and reports (company + date; open invoices by customer)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_credit_notes_tenant_id_company_id"), table_name="credit_notes")
    op.create_index(
        "ix_credit_notes_tenant_id_company_id_note_date",
        "credit_notes",
        ["tenant_id", "company_id", "credit_note_date"],
        unique=False,
    )
    op.drop_index(op.f("ix_invoices_tenant_id_company_id"), table_name="invoices")
    op.create_index(
        "ix_invoices_open_by_customer",
        "invoices",
        ["tenant_id", "customer_id"],
        unique=False,
        postgresql_include=["amount_due", "due_date", "invoice_date", "company_id"],
        postgresql_where=sa.text("status IN ('issued', 'partially_paid') AND amount_due > 0"),
    )
    op.create_index(
        "ix_invoices_tenant_id_company_id_invoice_date",
        "invoices",
        ["tenant_id", "company_id", "invoice_date"],
        unique=False,
    )
    op.drop_index(op.f("ix_receipts_tenant_id_company_id"), table_name="receipts")
    op.create_index(
        "ix_receipts_tenant_id_company_id_receipt_date",
        "receipts",
        ["tenant_id", "company_id", "receipt_date"],
        unique=False,
    )
    op.create_index(
        "ix_refunds_tenant_id_refund_date", "refunds", ["tenant_id", "refund_date"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_refunds_tenant_id_refund_date", table_name="refunds")
    op.drop_index("ix_receipts_tenant_id_company_id_receipt_date", table_name="receipts")
    op.create_index(
        op.f("ix_receipts_tenant_id_company_id"),
        "receipts",
        ["tenant_id", "company_id"],
        unique=False,
    )
    op.drop_index("ix_invoices_tenant_id_company_id_invoice_date", table_name="invoices")
    op.drop_index(
        "ix_invoices_open_by_customer",
        table_name="invoices",
        postgresql_include=["amount_due", "due_date", "invoice_date", "company_id"],
        postgresql_where=sa.text("status IN ('issued', 'partially_paid') AND amount_due > 0"),
    )
    op.create_index(
        op.f("ix_invoices_tenant_id_company_id"),
        "invoices",
        ["tenant_id", "company_id"],
        unique=False,
    )
    op.drop_index("ix_credit_notes_tenant_id_company_id_note_date", table_name="credit_notes")
    op.create_index(
        op.f("ix_credit_notes_tenant_id_company_id"),
        "credit_notes",
        ["tenant_id", "company_id"],
        unique=False,
    )
