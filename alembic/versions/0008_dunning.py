"""Payment reminders to customers (dunning): settings, sent stages, the due lookup

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from app.core.config import get_settings
from app.core.migrations import protect_tenant_table

AUTH_ROLE = "rms_auth_lookup"
FUNCTION = "due_payment_reminders(date)"
# What the cross-tenant lookup may read, column by column.
LOOKUP_COLUMNS = {
    "invoices": "tenant_id, id, status, due_date, amount_due, customer_id",
    "customers": "tenant_id, id, exclude_from_reminders, email",
    "dunning_settings": "tenant_id, enabled, days_before_due, on_due_date, repeat_every_days, "
    "max_overdue_reminders",
    "invoice_reminders": "tenant_id, invoice_id, stage",
}
# The stage owed today, if any: before_due (N days before), due (on the day), and
# overdue_1..K every M days after; an invoice gets each stage once.
DUE_REMINDERS = """
    CREATE FUNCTION due_payment_reminders(p_today date)
    RETURNS TABLE (tenant_id uuid, invoice_id uuid, stage text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        WITH candidates AS (
            SELECT i.tenant_id, i.id AS invoice_id,
                CASE
                    WHEN i.due_date - p_today = d.days_before_due AND d.days_before_due > 0
                        THEN 'before_due'
                    WHEN i.due_date = p_today AND d.on_due_date THEN 'due'
                    WHEN p_today > i.due_date
                         AND (p_today - i.due_date) % d.repeat_every_days = 0
                         AND (p_today - i.due_date) / d.repeat_every_days
                             BETWEEN 1 AND d.max_overdue_reminders
                        THEN 'overdue_' || ((p_today - i.due_date) / d.repeat_every_days)
                END AS stage
            FROM invoices i
            JOIN dunning_settings d ON d.tenant_id = i.tenant_id AND d.enabled
            JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
            WHERE i.status IN ('issued', 'partially_paid') AND i.amount_due > 0
              AND i.due_date IS NOT NULL AND NOT c.exclude_from_reminders
              AND c.email IS NOT NULL
        )
        SELECT c.tenant_id, c.invoice_id, c.stage FROM candidates c
        WHERE c.stage IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM invoice_reminders r
            WHERE r.tenant_id = c.tenant_id AND r.invoice_id = c.invoice_id
              AND r.stage = c.stage
        )
    $$
"""

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dunning_settings",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("days_before_due", sa.Integer(), server_default=sa.text("3"), nullable=False),
        sa.Column("on_due_date", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("repeat_every_days", sa.Integer(), server_default=sa.text("7"), nullable=False),
        sa.Column(
            "max_overdue_reminders", sa.Integer(), server_default=sa.text("3"), nullable=False
        ),
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
            "days_before_due BETWEEN 0 AND 60",
            name=op.f("ck_dunning_settings_days_before_due_range"),
        ),
        sa.CheckConstraint(
            "max_overdue_reminders BETWEEN 0 AND 24",
            name=op.f("ck_dunning_settings_max_overdue_range"),
        ),
        sa.CheckConstraint(
            "repeat_every_days BETWEEN 1 AND 90",
            name=op.f("ck_dunning_settings_repeat_every_days_range"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dunning_settings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dunning_settings")),
        sa.UniqueConstraint("tenant_id", name="uq_dunning_settings_tenant_id"),
    )
    op.create_table(
        "invoice_reminders",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("invoice_id", sa.UUID(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("sent_to", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_invoice_reminders_tenant_id_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_invoice_reminders_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_invoice_reminders")),
        sa.UniqueConstraint("tenant_id", "invoice_id", "stage", name="uq_invoice_reminders_stage"),
    )
    app_role = get_settings().DB_APP_ROLE
    for table in ("dunning_settings", "invoice_reminders"):
        protect_tenant_table(table, app_role)
    for table, columns in LOOKUP_COLUMNS.items():
        op.execute(f'GRANT SELECT ({columns}) ON {table} TO "{AUTH_ROLE}"')
        op.execute(f'CREATE POLICY auth_lookup ON {table} FOR SELECT TO "{AUTH_ROLE}" USING (true)')
    op.execute(DUE_REMINDERS)
    op.execute(f'ALTER FUNCTION {FUNCTION} OWNER TO "{AUTH_ROLE}"')
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION {FUNCTION} TO "{app_role}"')


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
    for table, columns in LOOKUP_COLUMNS.items():
        op.execute(f"DROP POLICY IF EXISTS auth_lookup ON {table}")
        op.execute(f'REVOKE SELECT ({columns}) ON {table} FROM "{AUTH_ROLE}"')
    op.drop_table("invoice_reminders")
    op.drop_table("dunning_settings")
