"""The test database: embedded PostgreSQL (or TEST_DATABASE_URL), one database per worker.

The controller process starts the server once; every xdist worker then creates its own
database and builds the schema by running the Alembic migrations, as production does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from app.core.config import PROJECT_ROOT
from app.core.embedded_db import DatabaseUrls, ensure_app_role, socket_host, start_embedded_server
from app.core.migrations import upgrade

ADMIN_URL_ENV = "RMS_TEST_ADMIN_URL"
RUN_ID_ENV = "RMS_TEST_RUN_ID"
APP_ROLE = "rms_app"
TEST_DATA_DIR = Path(os.environ.get("RMS_TEST_DB_DIR", PROJECT_ROOT / ".data" / "test-postgres"))


def start_server() -> tuple[Any, str]:
    """Return (server handle or None, admin URL of the maintenance database)."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        return None, external
    server = start_embedded_server(TEST_DATA_DIR)
    host = socket_host(server.get_uri())
    return server, f"postgresql://postgres@/postgres?host={host}"


def _with_database(url: str, database: str, user: str | None = None) -> str:
    parsed = make_url(url).set(database=database)
    if user is not None:
        parsed = parsed.set(username=user, password=os.environ.get("TEST_DATABASE_APP_PASSWORD"))
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def prepare_roles(admin_url: str) -> None:
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        ensure_app_role(conn, APP_ROLE)
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'rms_auth_lookup'").fetchone()
        if not exists:
            conn.execute("CREATE ROLE rms_auth_lookup NOLOGIN NOSUPERUSER NOBYPASSRLS")


def create_database(admin_url: str, name: str) -> DatabaseUrls:
    """A fresh, empty database ``name`` and the URLs for its owner and the runtime role."""
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        ensure_app_role(conn, APP_ROLE)
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return DatabaseUrls(
        admin_url=_with_database(admin_url, name), app_url=_with_database(admin_url, name, APP_ROLE)
    )


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def migrated_database(admin_url: str, name: str) -> Iterator[DatabaseUrls]:
    """A fresh database ``name`` at the head migration, dropped afterwards."""
    urls = create_database(admin_url, name)
    try:
        upgrade(urls.admin_url)
        yield urls
    finally:
        drop_database(admin_url, name)
