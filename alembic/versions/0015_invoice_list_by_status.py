"""An index for the invoice list filtered by status in its default order

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24

``GET /invoices?status=issued`` sorts by ``invoice_date DESC, id DESC``. With only
``(tenant_id, invoice_date, id)`` PostgreSQL walked the tenant's invoices newest first and
dropped every row of another status: a few hundred heap rows per page for a tenant whose
newest invoices are drafts or paid. ``(tenant_id, status, invoice_date, id)`` hands over
the page's 20 rows in order, and counts a status from the index alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_invoices_tenant_id_status_invoice_date_id"


def upgrade() -> None:
    op.create_index(NAME, "invoices", ["tenant_id", "status", "invoice_date", "id"])


def downgrade() -> None:
    op.drop_index(NAME, table_name="invoices")
