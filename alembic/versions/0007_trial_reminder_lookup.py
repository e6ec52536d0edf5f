"""The cross-tenant lookup behind trial reminders

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

The periodic job must find every tenant owed a trial reminder, before any tenant is set.
Like the auth lookups of 0002 it goes through one SECURITY DEFINER function owned by
``rms_auth_lookup``, which may read only the two columns-worth it needs.
"""

from collections.abc import Sequence

from alembic import op
from app.core.config import get_settings

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTH_ROLE = "rms_auth_lookup"
FUNCTION = "due_trial_reminders(date)"


def upgrade() -> None:
    # Only the columns the lookup reads (not the payment fields of subscriptions).
    op.execute(
        f'GRANT SELECT (tenant_id, status, trial_start_date) ON subscriptions TO "{AUTH_ROLE}"'
    )
    op.execute(f'GRANT SELECT (tenant_id, kind) ON tenant_notifications TO "{AUTH_ROLE}"')
    for table in ("subscriptions", "tenant_notifications"):
        op.execute(f'CREATE POLICY auth_lookup ON {table} FOR SELECT TO "{AUTH_ROLE}" USING (true)')
    op.execute(
        """
        CREATE FUNCTION due_trial_reminders(p_today date)
        RETURNS TABLE (tenant_id uuid, kind text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            WITH stages(kind, first_day, last_day) AS (
                VALUES ('trial_day_7', 7, 11), ('trial_day_12', 12, 12),
                       ('trial_day_13', 13, 13), ('trial_expired', 14, 21)
            )
            SELECT s.tenant_id, stages.kind
            FROM subscriptions s
            JOIN stages
              ON p_today - s.trial_start_date BETWEEN stages.first_day AND stages.last_day
            WHERE s.status = 'trialing' AND s.trial_start_date IS NOT NULL
              AND NOT EXISTS (
                  SELECT 1 FROM tenant_notifications n
                  WHERE n.tenant_id = s.tenant_id AND n.kind = stages.kind
              )
        $$
        """
    )
    op.execute(f'ALTER FUNCTION {FUNCTION} OWNER TO "{AUTH_ROLE}"')
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION {FUNCTION} TO "{get_settings().DB_APP_ROLE}"')


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
    for table, columns in (
        ("subscriptions", "tenant_id, status, trial_start_date"),
        ("tenant_notifications", "tenant_id, kind"),
    ):
        op.execute(f"DROP POLICY IF EXISTS auth_lookup ON {table}")
        op.execute(f'REVOKE SELECT ({columns}) ON {table} FROM "{AUTH_ROLE}"')
