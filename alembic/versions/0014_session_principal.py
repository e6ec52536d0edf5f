"""The per-request session check sets the transaction's tenant itself

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24

``session_principal(tenant, session, user, now)`` scopes the calling transaction to
``tenant`` (``set_config('app.tenant_id', ..., true)``, as ``SET_TENANT_SQL`` does) and
returns who the session's user is and the tenant's plan terms, if the session is live
(not revoked, not expired, its user active and not deleted). Every signed-in request
starts with it: one round trip where a separate ``set_config`` made two. It runs as the
caller (SECURITY INVOKER), so row-level security applies to its reads as to any other,
and setting the tenant grants nothing a caller could not do with ``set_config`` itself.
"""

from collections.abc import Sequence

from alembic import op
from app.core.config import get_settings

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "session_principal(uuid, uuid, uuid, timestamptz)"


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION session_principal(
            p_tenant uuid, p_session uuid, p_user uuid, p_now timestamptz
        )
        RETURNS TABLE (
            user_id uuid, tenant_id uuid, role text, email text, last_used_at timestamptz,
            plan text, status text, current_period_end date, trial_end_date date
        )
        LANGUAGE plpgsql VOLATILE SECURITY INVOKER
        AS $$
        BEGIN
            PERFORM set_config('app.tenant_id', p_tenant::text, true);
            RETURN QUERY
            SELECT u.id, u.tenant_id, u.role, u.email, s.last_used_at,
                   sub.plan, sub.status, sub.current_period_end, sub.trial_end_date
            FROM sessions s
            JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
            LEFT JOIN subscriptions sub ON sub.tenant_id = s.tenant_id
            WHERE s.tenant_id = p_tenant AND s.id = p_session AND s.user_id = p_user
              AND s.revoked_at IS NULL AND s.expires_at > p_now
              AND u.is_active AND u.deleted_at IS NULL;
        END
        $$
        """
    )
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION {FUNCTION} TO "{get_settings().DB_APP_ROLE}"')


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
