"""The zero-setup database: an embedded PostgreSQL (pgserver) inside the project folder.

It also creates the two roles the service needs, exactly as an operator would on a
real server: the superuser ``postgres`` owns the schema and runs migrations, and the
runtime role (``DB_APP_ROLE``) logs in without owning anything and without BYPASSRLS.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class DatabaseUrls:
    admin_url: str
    app_url: str


def start_embedded_server(data_dir: Path, *, keep_running: bool = False) -> Any:
    """Start (or attach to) the embedded server; it stops with the last process using it."""
    from pgserver.postgres_server import get_server  # heavy: only for the embedded path

    data_dir.mkdir(parents=True, exist_ok=True)
    return get_server(data_dir, cleanup_mode=None if keep_running else "stop")


def socket_host(server_uri: str) -> str:
    """The socket directory of a pgserver URI such as ``postgresql://postgres:@/postgres?host=/x``."""
    query = urlsplit(server_uri).query
    return dict(part.split("=", 1) for part in query.split("&") if "=" in part)["host"]


def urls_for(host: str, database: str, app_role: str, admin_user: str = "postgres") -> DatabaseUrls:
    socket = quote(host, safe="/")
    return DatabaseUrls(
        admin_url=f"postgresql://{admin_user}@/{database}?host={socket}",
        app_url=f"postgresql://{app_role}@/{database}?host={socket}",
    )


def ensure_role_and_database(admin_dsn: str, database: str, app_role: str) -> None:
    """Create the runtime login role and the database if they are missing (idempotent)."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        ensure_app_role(conn, app_role)
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def ensure_app_role(conn: psycopg.Connection[Any], app_role: str) -> None:
    """The runtime role, able to log in (roles are shared by every database of a server)."""
    row = conn.execute(
        "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (app_role,)
    ).fetchone()
    role = sql.Identifier(app_role)
    if row is None:
        # Another process may create it at the same moment.
        with contextlib.suppress(psycopg.errors.DuplicateObject):
            conn.execute(
                sql.SQL(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
                ).format(role)
            )
    elif not row[0]:
        conn.execute(sql.SQL("ALTER ROLE {} LOGIN").format(role))


def prepare_embedded(data_dir: Path, database: str, app_role: str) -> tuple[Any, DatabaseUrls]:
    server = start_embedded_server(data_dir)
    host = socket_host(server.get_uri())
    urls = urls_for(host, database, app_role)
    ensure_role_and_database(urls_for(host, "postgres", app_role).admin_url, database, app_role)
    return server, urls
