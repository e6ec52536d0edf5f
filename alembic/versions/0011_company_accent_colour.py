"""Companies get a brand colour (printed on PDFs and invoice emails on paid plans)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("companies", sa.Column("accent_colour", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_companies_accent_colour_format"),
        "companies",
        "accent_colour IS NULL OR accent_colour ~ '^#[0-9a-fA-F]{6}$'",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_companies_accent_colour_format"), "companies", type_="check")
    op.drop_column("companies", "accent_colour")
