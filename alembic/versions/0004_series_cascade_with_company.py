"""series cascade with company

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Deleting a company (that has no documents) takes its number series with it.
    op.drop_constraint(
        op.f("fk_document_series_tenant_id_company_id_companies"),
        "document_series",
        type_="foreignkey",
    )
    op.create_foreign_key(
        op.f("fk_document_series_tenant_id_company_id_companies"),
        "document_series",
        "companies",
        ["tenant_id", "company_id"],
        ["tenant_id", "id"],
        ondelete="CASCADE",
    )


def downgrade() -> None:
    # Deleting a company (that has no documents) takes its number series with it.
    op.drop_constraint(
        op.f("fk_document_series_tenant_id_company_id_companies"),
        "document_series",
        type_="foreignkey",
    )
    op.create_foreign_key(
        op.f("fk_document_series_tenant_id_company_id_companies"),
        "document_series",
        "companies",
        ["tenant_id", "company_id"],
        ["tenant_id", "id"],
    )
