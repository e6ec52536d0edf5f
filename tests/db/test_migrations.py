"""The migrations are the schema: they match the models and walk down and up with data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, Text, create_engine, insert, text
from sqlalchemy.engine import Engine

from app.core.database import sync_url
from app.core.embedded_db import DatabaseUrls
from app.core.migrations import downgrade, head_revision, include_object, upgrade
from app.models import Base
from app.utils.ids import uuid7
from tests import database
from tests.db.graph import tenant_graph


@pytest.fixture
def scratch_db(admin_url: str, worker_id_str: str) -> Iterator[DatabaseUrls]:
    name = f"rms_test_{worker_id_str}_migrations"
    yield database.create_database(admin_url, name)
    database.drop_database(admin_url, name)


def _engine(url: str) -> Engine:
    return create_engine(sync_url(url))


def _populate(app_url: str) -> None:
    """Two tenants with a row in every table, written as the runtime role under RLS."""
    engine = _engine(app_url)
    with engine.begin() as conn:
        for _ in range(2):
            tenant_id = uuid7()
            conn.execute(
                text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
            )
            for table, values in tenant_graph(tenant_id):
                conn.execute(insert(table).values(**values))
    engine.dispose()


def test_models_and_migrations_agree(db_urls: DatabaseUrls) -> None:
    engine = _engine(db_urls.admin_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; autogenerate a migration: {diff}"


def test_the_comparison_notices_drift(db_urls: DatabaseUrls) -> None:
    """Guard for the test above: a model change the migrations lack is reported."""
    drifted = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["customers"].append_column(Column("loyalty_tier", Text()))
    engine = _engine(db_urls.admin_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, drifted)
    engine.dispose()
    assert [d[0] for d in diff] == ["add_column"]


def test_downgrade_to_base_and_upgrade_again_with_data(scratch_db: DatabaseUrls) -> None:
    upgrade(scratch_db.admin_url)
    _populate(scratch_db.app_url)
    downgrade(scratch_db.admin_url, "base")
    engine = _engine(scratch_db.admin_url)
    with engine.connect() as conn:
        left = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        assert set(left) <= {"alembic_version"}
        functions = conn.execute(
            text("SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%'")
        ).scalar()
        assert functions == 0
    upgrade(scratch_db.admin_url)
    with engine.connect() as conn:
        applied = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert applied == head_revision()
    _populate(scratch_db.app_url)  # the re-created schema works for the runtime role
