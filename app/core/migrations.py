"""Running Alembic from code (the CLI, the embedded start-up and the tests)."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory

from alembic import command
from app.core.config import PROJECT_ROOT

FOREIGN_TABLE_PREFIXES = ("procrastinate_",)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate ignores tables that belong to libraries (procrastinate's job tables)."""
    if type_ == "table" and name and name.startswith(FOREIGN_TABLE_PREFIXES):
        return False
    table = getattr(obj, "table", None)
    table_name = getattr(table, "name", "")
    return not (isinstance(table_name, str) and table_name.startswith(FOREIGN_TABLE_PREFIXES))


def protect_tenant_table(table: str, app_role: str) -> None:
    """What every new tenant-owned table needs: forced RLS, the policy, the runtime grants.

    Called from migrations; the SQL is the same as in revision 0002."""
    from alembic import op

    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} USING (tenant_id = app_current_tenant()) "
        "WITH CHECK (tenant_id = app_current_tenant())"
    )
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{app_role}"')


def alembic_config(admin_url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["skip_logging"] = True
    if admin_url is not None:
        config.attributes["url"] = admin_url
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def upgrade(admin_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(admin_url), revision)


def downgrade(admin_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(admin_url), revision)
