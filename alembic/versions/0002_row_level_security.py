"""Row-level security, the runtime role's grants, auth lookups, append-only audit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

The second wall of tenant isolation. Every tenant-owned table gets ``ENABLE`` and
``FORCE ROW LEVEL SECURITY`` with one policy comparing ``tenant_id`` to the
transaction-local setting ``app.tenant_id``. The runtime role (``DB_APP_ROLE``) gets
plain DML rights and nothing else; ``audit_logs`` only INSERT and SELECT.

Flows that run before a tenant is known (login by email, the token links in emails,
refresh) go through two SECURITY DEFINER functions owned by the NOLOGIN role
``rms_auth_lookup``, whose only extra right is a SELECT policy on the four identity
tables. They return ids, never hashes or personal data.
"""

from collections.abc import Sequence

from alembic import op
from app.core.config import get_settings

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTH_ROLE = "rms_auth_lookup"
TENANT_TABLES = (
    "subscriptions",
    "users",
    "sessions",
    "refresh_tokens",
    "email_verifications",
    "password_reset_tokens",
    "companies",
    "document_series",
    "document_counters",
    "client_types",
    "account_managers",
    "service_types",
    "gst_settings",
    "tax_rates",
    "customers",
    "invoices",
    "invoice_line_items",
    "receipts",
    "receipt_allocations",
    "credit_notes",
    "credit_note_line_items",
    "audit_logs",
)
AUTH_LOOKUP_TABLES = ("users", "refresh_tokens", "email_verifications", "password_reset_tokens")
CURRENT_TENANT = "app_current_tenant()"


def _app_role() -> str:
    return get_settings().DB_APP_ROLE


def _ensure_role(name: str) -> None:
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN
                CREATE ROLE "{name}" NOLOGIN NOSUPERUSER NOBYPASSRLS;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- created at the same moment by a migration of another database
        END $$;
        """
    )


def upgrade() -> None:
    app_role = _app_role()
    _ensure_role(app_role)
    _ensure_role(AUTH_ROLE)

    op.execute(
        """
        CREATE FUNCTION app_current_tenant() RETURNS uuid
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$
        """
    )

    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING (tenant_id = {CURRENT_TENANT}) WITH CHECK (tenant_id = {CURRENT_TENANT})"
        )
    op.execute("ALTER TABLE tenants ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE tenants FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON tenants "
        f"USING (id = {CURRENT_TENANT}) WITH CHECK (id = {CURRENT_TENANT})"
    )

    op.execute(f'GRANT USAGE ON SCHEMA public TO "{app_role}", "{AUTH_ROLE}"')
    dml_tables = ", ".join(t for t in ("tenants", *TENANT_TABLES) if t != "audit_logs")
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {dml_tables} TO "{app_role}"')
    op.execute(f'GRANT SELECT, INSERT ON audit_logs TO "{app_role}"')
    # /ready compares the applied revision with the code's head.
    op.execute(f'GRANT SELECT ON alembic_version TO "{app_role}"')
    op.execute(f'GRANT EXECUTE ON FUNCTION app_current_tenant() TO "{app_role}", "{AUTH_ROLE}"')

    _create_audit_guard()
    _create_auth_lookups(app_role)


def _create_audit_guard() -> None:
    """Nothing may rewrite history: UPDATE, DELETE and TRUNCATE on audit_logs raise."""
    op.execute(
        """
        CREATE FUNCTION audit_logs_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_logs is append-only' USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_logs_no_rewrite BEFORE UPDATE OR DELETE ON audit_logs "
        "FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only()"
    )


def _create_auth_lookups(app_role: str) -> None:
    for table in AUTH_LOOKUP_TABLES:
        op.execute(f'GRANT SELECT ON {table} TO "{AUTH_ROLE}"')
        op.execute(f'CREATE POLICY auth_lookup ON {table} FOR SELECT TO "{AUTH_ROLE}" USING (true)')
    op.execute(
        """
        CREATE FUNCTION auth_find_login(p_email text)
        RETURNS TABLE (tenant_id uuid, user_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            SELECT u.tenant_id, u.id FROM users u
            WHERE lower(u.email) = lower(p_email) AND u.deleted_at IS NULL
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION auth_find_token(p_kind text, p_token_hash text)
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
            LIMIT 1
        $$
        """
    )
    for signature in ("auth_find_login(text)", "auth_find_token(text, text)"):
        op.execute(f'ALTER FUNCTION {signature} OWNER TO "{AUTH_ROLE}"')
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f'GRANT EXECUTE ON FUNCTION {signature} TO "{app_role}"')


def downgrade() -> None:
    app_role = _app_role()
    op.execute("DROP FUNCTION IF EXISTS auth_find_token(text, text)")
    op.execute("DROP FUNCTION IF EXISTS auth_find_login(text)")
    for table in AUTH_LOOKUP_TABLES:
        op.execute(f"DROP POLICY IF EXISTS auth_lookup ON {table}")
        op.execute(f'REVOKE SELECT ON {table} FROM "{AUTH_ROLE}"')
    op.execute("DROP TRIGGER IF EXISTS audit_logs_no_truncate ON audit_logs")
    op.execute("DROP TRIGGER IF EXISTS audit_logs_no_rewrite ON audit_logs")
    op.execute("DROP FUNCTION IF EXISTS audit_logs_append_only()")
    tables = ("tenants", *TENANT_TABLES)
    op.execute(f'REVOKE ALL ON {", ".join(tables)}, alembic_version FROM "{app_role}"')
    for table in tables:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION IF EXISTS app_current_tenant()")
