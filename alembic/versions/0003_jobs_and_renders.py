"""Background jobs (procrastinate's schema) and the rendered-document cache

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

procrastinate keeps its jobs in the same PostgreSQL, so a job is queued in the same
transaction as the change that wants it. Its schema comes from the installed
procrastinate (pinned to 3.x in requirements.txt); a later procrastinate upgrade ships
its own SQL migrations, applied by a new revision here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from procrastinate.schema import SchemaManager

from alembic import op
from app.core.config import get_settings

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    app_role = get_settings().DB_APP_ROLE
    op.create_table(
        "document_renders",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("document_type", sa.Text(), nullable=False),
        sa.Column("document_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
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
            "document_type IN ('invoice', 'credit_note')",
            name=op.f("ck_document_renders_document_type_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_document_renders_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_document_renders")),
        sa.UniqueConstraint(
            "tenant_id", "document_type", "document_id", name="uq_document_renders_document"
        ),
    )
    op.execute("ALTER TABLE document_renders ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE document_renders FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON document_renders "
        "USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant())"
    )
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON document_renders TO "{app_role}"')

    # procrastinate's own SQL, run as is (it contains '%' and ':' that must not be parsed).
    op.get_bind().connection.driver_connection.execute(SchemaManager.get_schema())
    op.execute(
        f"""
        DO $$ DECLARE t text; BEGIN
            FOR t IN SELECT tablename FROM pg_tables
                     WHERE schemaname = 'public' AND tablename LIKE 'procrastinate\\_%' LOOP
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO "{app_role}"', t);
            END LOOP;
        END $$;
        """
    )
    op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app_role}"')


def downgrade() -> None:
    op.execute(
        """
        DO $$ DECLARE r record; BEGIN
            FOR r IN SELECT tablename FROM pg_tables
                     WHERE schemaname = 'public' AND tablename LIKE 'procrastinate\\_%' LOOP
                EXECUTE format('DROP TABLE %I CASCADE', r.tablename);
            END LOOP;
            FOR r IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                     WHERE p.pronamespace = 'public'::regnamespace
                       AND p.proname LIKE 'procrastinate\\_%' LOOP
                EXECUTE format('DROP FUNCTION %s CASCADE', r.signature);
            END LOOP;
            FOR r IN SELECT typname FROM pg_type
                     WHERE typnamespace = 'public'::regnamespace
                       AND typname LIKE 'procrastinate\\_%' AND typtype IN ('e', 'c') LOOP
                EXECUTE format('DROP TYPE %I CASCADE', r.typname);
            END LOOP;
        END $$;
        """
    )
    op.drop_table("document_renders")
