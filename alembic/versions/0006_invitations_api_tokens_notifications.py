"""Team invitations, API tokens, one-off tenant notifications; auth lookups extended

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from app.core.config import get_settings
from app.core.migrations import protect_tenant_table

AUTH_ROLE = "rms_auth_lookup"
# The pre-tenant token lookup of 0002, now also for invitation links and API tokens.
FIND_TOKEN = """
    CREATE OR REPLACE FUNCTION auth_find_token(p_kind text, p_token_hash text)
    RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT tenant_id FROM refresh_tokens
            WHERE p_kind = 'refresh' AND token_hash = p_token_hash
        UNION ALL
        SELECT tenant_id FROM email_verifications
            WHERE p_kind = 'email_verification' AND token_hash = p_token_hash
        UNION ALL
        SELECT tenant_id FROM password_reset_tokens
            WHERE p_kind = 'password_reset' AND token_hash = p_token_hash
        {extra}
        LIMIT 1
    $$
"""
NEW_KINDS = """
        UNION ALL
        SELECT tenant_id FROM user_invitations
            WHERE p_kind = 'invitation' AND token_hash = p_token_hash
        UNION ALL
        SELECT tenant_id FROM api_tokens
            WHERE p_kind = 'api_token' AND token_hash = p_token_hash
"""


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_notifications",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
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
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_tenant_notifications_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tenant_notifications")),
        sa.UniqueConstraint("tenant_id", "kind", name="uq_tenant_notifications_kind"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_prefix", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
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
            "role IN ('owner', 'admin', 'accountant', 'viewer')",
            name=op.f("ck_api_tokens_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_api_tokens_tenant_id_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_api_tokens_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_api_tokens")),
    )
    op.create_index(
        "ix_api_tokens_tenant_id_created_by",
        "api_tokens",
        ["tenant_id", "created_by"],
        unique=False,
    )
    op.create_index("uq_api_tokens_token_hash", "api_tokens", ["token_hash"], unique=True)
    op.create_table(
        "user_invitations",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("invited_by", sa.UUID(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
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
            "role IN ('owner', 'admin', 'accountant', 'viewer')",
            name=op.f("ck_user_invitations_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invited_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_user_invitations_tenant_id_invited_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_user_invitations_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_user_invitations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_user_invitations")),
    )
    op.create_index(
        "ix_user_invitations_tenant_id_invited_by",
        "user_invitations",
        ["tenant_id", "invited_by"],
        unique=False,
    )
    op.create_index(
        "ix_user_invitations_tenant_id_user_id",
        "user_invitations",
        ["tenant_id", "user_id"],
        unique=False,
    )
    op.create_index(
        "uq_user_invitations_token_hash", "user_invitations", ["token_hash"], unique=True
    )
    app_role = get_settings().DB_APP_ROLE
    for table in ("user_invitations", "api_tokens", "tenant_notifications"):
        protect_tenant_table(table, app_role)
    for table in ("user_invitations", "api_tokens"):
        op.execute(f'GRANT SELECT ON {table} TO "{AUTH_ROLE}"')
        op.execute(f'CREATE POLICY auth_lookup ON {table} FOR SELECT TO "{AUTH_ROLE}" USING (true)')
    op.execute(FIND_TOKEN.format(extra=NEW_KINDS))


def downgrade() -> None:
    op.execute(FIND_TOKEN.format(extra=""))
    op.drop_index("uq_user_invitations_token_hash", table_name="user_invitations")
    op.drop_index("ix_user_invitations_tenant_id_user_id", table_name="user_invitations")
    op.drop_index("ix_user_invitations_tenant_id_invited_by", table_name="user_invitations")
    op.drop_table("user_invitations")
    op.drop_index("uq_api_tokens_token_hash", table_name="api_tokens")
    op.drop_index("ix_api_tokens_tenant_id_created_by", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("tenant_notifications")
