"""credit applications and refunds

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from app.core.config import get_settings
from app.core.migrations import protect_tenant_table

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Credit applied from notes to invoices, and refunds of advances and credit.
    op.create_table(
        "credit_note_applications",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("credit_note_id", sa.UUID(), nullable=False),
        sa.Column("invoice_id", sa.UUID(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_credit_note_applications_amount_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_credit_note_applications_tenant_id_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "credit_note_id"],
            ["credit_notes.tenant_id", "credit_notes.id"],
            name=op.f("fk_credit_note_applications_tenant_id_credit_note_id_credit_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_credit_note_applications_tenant_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credit_note_applications_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_credit_note_applications")),
        sa.UniqueConstraint(
            "tenant_id", "credit_note_id", "invoice_id", name="uq_credit_note_applications_pair"
        ),
    )
    op.create_index(
        "ix_credit_note_applications_tenant_id_created_by",
        "credit_note_applications",
        ["tenant_id", "created_by"],
        unique=False,
    )
    op.create_index(
        "ix_credit_note_applications_tenant_id_invoice_id",
        "credit_note_applications",
        ["tenant_id", "invoice_id"],
        unique=False,
    )
    op.create_table(
        "refunds",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("credit_note_id", sa.UUID(), nullable=True),
        sa.Column("receipt_id", sa.UUID(), nullable=True),
        sa.Column("refund_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "mode IN ('cash', 'bank_transfer', 'upi', 'cheque', 'card', 'other')",
            name=op.f("ck_refunds_mode_known"),
        ),
        sa.CheckConstraint(
            "(credit_note_id IS NULL) <> (receipt_id IS NULL)",
            name=op.f("ck_refunds_exactly_one_source"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "company_id"],
            ["companies.tenant_id", "companies.id"],
            name=op.f("fk_refunds_tenant_id_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_refunds_tenant_id_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "credit_note_id"],
            ["credit_notes.tenant_id", "credit_notes.id"],
            name=op.f("fk_refunds_tenant_id_credit_note_id_credit_notes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_refunds_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "receipt_id"],
            ["receipts.tenant_id", "receipts.id"],
            name=op.f("fk_refunds_tenant_id_receipt_id_receipts"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_refunds_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_refunds")),
    )
    op.create_index(
        "ix_refunds_tenant_id_company_id", "refunds", ["tenant_id", "company_id"], unique=False
    )
    op.create_index(
        "ix_refunds_tenant_id_created_by", "refunds", ["tenant_id", "created_by"], unique=False
    )
    op.create_index(
        "ix_refunds_tenant_id_credit_note_id",
        "refunds",
        ["tenant_id", "credit_note_id"],
        unique=False,
    )
    op.create_index(
        "ix_refunds_tenant_id_customer_id_refund_date",
        "refunds",
        ["tenant_id", "customer_id", "refund_date"],
        unique=False,
    )
    op.create_index(
        "ix_refunds_tenant_id_receipt_id", "refunds", ["tenant_id", "receipt_id"], unique=False
    )
    for table in ("credit_note_applications", "refunds"):
        protect_tenant_table(table, get_settings().DB_APP_ROLE)


def downgrade() -> None:

    op.drop_index("ix_refunds_tenant_id_receipt_id", table_name="refunds")
    op.drop_index("ix_refunds_tenant_id_customer_id_refund_date", table_name="refunds")
    op.drop_index("ix_refunds_tenant_id_credit_note_id", table_name="refunds")
    op.drop_index("ix_refunds_tenant_id_created_by", table_name="refunds")
    op.drop_index("ix_refunds_tenant_id_company_id", table_name="refunds")
    op.drop_table("refunds")
    op.drop_index(
        "ix_credit_note_applications_tenant_id_invoice_id", table_name="credit_note_applications"
    )
    op.drop_index(
        "ix_credit_note_applications_tenant_id_created_by", table_name="credit_note_applications"
    )
    op.drop_table("credit_note_applications")
