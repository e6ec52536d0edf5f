"""The cross-tenant lookup behind the end of paid periods

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24

When a paid period ends (after a cancellation, or unpaid), a periodic job moves the
subscription to the after-trial policy and emails the owner, once per period. Like the
reminder lookups it reads through a SECURITY DEFINER function owned by
``rms_auth_lookup``, with SELECT on just the columns it needs.
"""

from collections.abc import Sequence

from alembic import op
from app.core.config import get_settings

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTH_ROLE = "rms_auth_lookup"
FUNCTION = "due_plan_expiries(date)"
COLUMNS = "plan, current_period_end"


def upgrade() -> None:
    op.execute(f'GRANT SELECT ({COLUMNS}) ON subscriptions TO "{AUTH_ROLE}"')
    op.execute(
        """
        CREATE FUNCTION due_plan_expiries(p_today date)
        RETURNS TABLE (tenant_id uuid, period_end date)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            SELECT s.tenant_id, s.current_period_end FROM subscriptions s
            WHERE s.plan IN ('monthly', 'yearly') AND s.status = 'active'
              AND s.current_period_end < p_today
              AND NOT EXISTS (
                  SELECT 1 FROM tenant_notifications n
                  WHERE n.tenant_id = s.tenant_id
                    AND n.kind = 'plan_ended:' || s.current_period_end::text
              )
        $$
        """
    )
    op.execute(f'ALTER FUNCTION {FUNCTION} OWNER TO "{AUTH_ROLE}"')
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION {FUNCTION} TO "{get_settings().DB_APP_ROLE}"')


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
    op.execute(f'REVOKE SELECT ({COLUMNS}) ON subscriptions FROM "{AUTH_ROLE}"')
