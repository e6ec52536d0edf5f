"""Data rights: tenant exports (ZIP in bytea chunks), erasure lookups, audit redaction

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24

- ``data_exports`` / ``data_export_chunks``: the export job's status and its ZIP, stored
  in PostgreSQL so any API process can stream it (RLS like every tenant table).
- ``tenants.status`` may be ``erased``.
- Two cross-tenant lookups for the periodic jobs, owned by ``rms_auth_lookup`` like
  those of 0002/0007/0010: erasures that are due (scheduled ones whose cooling-off has
  ended, erased ones whose legal retention has ended), exports that have expired.
- ``audit_logs`` stays append-only, with one exception: ``audit_logs_redact`` (SECURITY
  DEFINER) may *remove* personal data from rows of the current tenant (client IP and
  user agent, keys of ``changes``), never add or alter anything. The trigger checks
  that the new ``changes`` is contained in the old one.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from app.core.config import get_settings
from app.core.migrations import protect_tenant_table

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTH_ROLE = "rms_auth_lookup"
STATUSES_BEFORE = "'active', 'suspended', 'pending_deletion'"
STATUSES_AFTER = "'active', 'suspended', 'pending_deletion', 'erased'"
TENANT_COLUMNS = "id, status, deletion_scheduled_at"
EXPORT_COLUMNS = "tenant_id, id, status, expires_at"

APPEND_ONLY = """
    CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {exception}
        RAISE EXCEPTION 'audit_logs is append-only' USING ERRCODE = 'insufficient_privilege';
    END $$
"""
# Only inside audit_logs_redact (which sets the flag), and only removals.
REDACTION_ALLOWED = """
        IF TG_OP = 'UPDATE' AND current_setting('app.audit_redaction', true) = 'on'
           AND NEW.tenant_id = OLD.tenant_id AND NEW.id = OLD.id
           AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id
           AND NEW.action = OLD.action AND NEW.entity_type = OLD.entity_type
           AND NEW.entity_id IS NOT DISTINCT FROM OLD.entity_id
           AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id
           AND NEW.created_at = OLD.created_at
           AND (NEW.changes IS NULL OR OLD.changes @> NEW.changes)
           AND (NEW.ip_address IS NULL OR NEW.ip_address = OLD.ip_address)
           AND (NEW.user_agent IS NULL OR NEW.user_agent = OLD.user_agent) THEN
            RETURN NEW;
        END IF;
"""
REDACT = """
    CREATE FUNCTION audit_logs_redact(p_rows jsonb) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        redacted integer;
    BEGIN
        PERFORM set_config('app.audit_redaction', 'on', true);
        UPDATE audit_logs a
           SET changes = COALESCE(r.changes, a.changes),
               ip_address = CASE WHEN r.clear_client THEN NULL ELSE a.ip_address END,
               user_agent = CASE WHEN r.clear_client THEN NULL ELSE a.user_agent END
          FROM jsonb_to_recordset(p_rows) AS r(id uuid, changes jsonb, clear_client boolean)
         WHERE a.tenant_id = app_current_tenant() AND a.id = r.id
           AND (r.changes IS NULL OR a.changes @> r.changes);
        GET DIAGNOSTICS redacted = ROW_COUNT;
        PERFORM set_config('app.audit_redaction', '', true);
        RETURN redacted;
    END $$
"""
DUE_ERASURES = """
    CREATE FUNCTION due_tenant_erasures(p_now timestamptz)
    RETURNS TABLE (tenant_id uuid, status text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT id, status FROM tenants
        WHERE status IN ('pending_deletion', 'erased') AND deletion_scheduled_at <= p_now
    $$
"""
EXPIRED_EXPORTS = """
    CREATE FUNCTION expired_data_exports(p_now timestamptz)
    RETURNS TABLE (tenant_id uuid, export_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT tenant_id, id FROM data_exports
        WHERE status = 'ready' AND expires_at <= p_now
    $$
"""
LOOKUPS = ("due_tenant_erasures(timestamptz)", "expired_data_exports(timestamptz)")


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)
        for name in ("created_at", "updated_at")
    ]


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    app_role = get_settings().DB_APP_ROLE
    op.drop_constraint(op.f("ck_tenants_status_known"), "tenants", type_="check")
    op.create_check_constraint(
        op.f("ck_tenants_status_known"), "tenants", f"status IN ({STATUSES_AFTER})"
    )
    _create_export_tables()
    for table in ("data_exports", "data_export_chunks"):
        protect_tenant_table(table, app_role)

    op.execute(f'GRANT SELECT ({TENANT_COLUMNS}) ON tenants TO "{AUTH_ROLE}"')
    op.execute(f'GRANT SELECT ({EXPORT_COLUMNS}) ON data_exports TO "{AUTH_ROLE}"')
    for table in ("tenants", "data_exports"):
        op.execute(f'CREATE POLICY auth_lookup ON {table} FOR SELECT TO "{AUTH_ROLE}" USING (true)')
    op.execute(DUE_ERASURES)
    op.execute(EXPIRED_EXPORTS)
    for function in LOOKUPS:
        op.execute(f'ALTER FUNCTION {function} OWNER TO "{AUTH_ROLE}"')
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f'GRANT EXECUTE ON FUNCTION {function} TO "{app_role}"')

    op.execute(APPEND_ONLY.format(exception=REDACTION_ALLOWED))
    op.execute(REDACT)
    op.execute("REVOKE ALL ON FUNCTION audit_logs_redact(jsonb) FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION audit_logs_redact(jsonb) TO "{app_role}"')


def _create_export_tables() -> None:
    op.create_table(
        "data_exports",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("requested_by", sa.UUID(), nullable=True),
        sa.Column("status", sa.Text(), server_default="queued", nullable=False),
        sa.Column("progress", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("step", sa.Text(), nullable=True),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.Text(), nullable=True),
        sa.Column("chunk_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'ready', 'failed', 'expired')",
            name=op.f("ck_data_exports_status_known"),
        ),
        sa.CheckConstraint(
            "progress BETWEEN 0 AND 100", name=op.f("ck_data_exports_progress_range")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "requested_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_data_exports_tenant_id_requested_by_users"),
        ),
        _tenant_fk("data_exports"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_data_exports")),
    )
    op.create_index(
        "uq_data_exports_one_active",
        "data_exports",
        ["tenant_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.create_index(
        "ix_data_exports_tenant_id_requested_by", "data_exports", ["tenant_id", "requested_by"]
    )
    op.create_index(
        "ix_data_exports_expires_at",
        "data_exports",
        ["expires_at"],
        postgresql_where=sa.text("status = 'ready'"),
    )
    op.create_table(
        "data_export_chunks",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("export_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_data_export_chunks_seq_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "export_id"],
            ["data_exports.tenant_id", "data_exports.id"],
            name=op.f("fk_data_export_chunks_tenant_id_export_id_data_exports"),
            ondelete="CASCADE",
        ),
        _tenant_fk("data_export_chunks"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_data_export_chunks")),
    )
    op.create_index(
        "uq_data_export_chunks_export_seq",
        "data_export_chunks",
        ["tenant_id", "export_id", "seq"],
        unique=True,
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS audit_logs_redact(jsonb)")
    op.execute(APPEND_ONLY.format(exception=""))
    for function in LOOKUPS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.execute("DROP POLICY IF EXISTS auth_lookup ON tenants")
    op.execute(f'REVOKE SELECT ({TENANT_COLUMNS}) ON tenants FROM "{AUTH_ROLE}"')
    op.drop_table("data_export_chunks")
    op.drop_table("data_exports")
    op.execute("UPDATE tenants SET status = 'suspended' WHERE status = 'erased'")
    op.drop_constraint(op.f("ck_tenants_status_known"), "tenants", type_="check")
    op.create_check_constraint(
        op.f("ck_tenants_status_known"), "tenants", f"status IN ({STATUSES_BEFORE})"
    )
