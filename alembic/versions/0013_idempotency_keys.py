"""Idempotency keys for the money POSTs

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24

``idempotency_keys`` holds, per tenant and client key, the request's fingerprint and
the first response (replayed byte for byte for 24 hours). RLS like every tenant table.
Expired rows of every tenant are purged through ``purge_idempotency_keys()``, a
SECURITY DEFINER function owned by ``rms_auth_lookup``, whose only right on the table is
a DELETE policy restricted to expired rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from app.core.config import get_settings
from app.core.migrations import protect_tenant_table

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTH_ROLE = "rms_auth_lookup"
FUNCTION = "purge_idempotency_keys()"


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_headers", postgresql.JSONB(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column(
            "locked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "status IN ('in_progress', 'committed', 'completed')",
            name=op.f("ck_idempotency_keys_status_known"),
        ),
        sa.CheckConstraint(
            "char_length(key) BETWEEN 1 AND 255", name=op.f("ck_idempotency_keys_key_length")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])
    protect_tenant_table("idempotency_keys", get_settings().DB_APP_ROLE)
    op.execute(f'GRANT SELECT (expires_at), DELETE ON idempotency_keys TO "{AUTH_ROLE}"')
    op.execute(
        f'CREATE POLICY purge_expired ON idempotency_keys FOR DELETE TO "{AUTH_ROLE}" '
        "USING (expires_at < now())"
    )
    op.execute(
        f"""
        CREATE FUNCTION {FUNCTION} RETURNS integer
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            WITH gone AS (DELETE FROM idempotency_keys WHERE expires_at < now() RETURNING 1)
            SELECT count(*)::integer FROM gone
        $$
        """
    )
    op.execute(f'ALTER FUNCTION {FUNCTION} OWNER TO "{AUTH_ROLE}"')
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION {FUNCTION} TO "{get_settings().DB_APP_ROLE}"')


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
    op.drop_table("idempotency_keys")
