"""Async engine and sessions; the tenant is set per transaction, never per connection.

``set_config('app.tenant_id', $1, true)`` is transaction-local, so a pooled
connection (or pgbouncer in transaction mode) never carries one tenant's id into
another tenant's transaction. Row-level security reads it back in every policy.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from app.core.config import Settings

SET_TENANT_SQL = text("SELECT set_config('app.tenant_id', :tenant_id, true)")


def async_url(url: str) -> str:
    """Accept ``postgresql://`` or ``postgres://`` URLs and use the asyncpg driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The same database through psycopg (used by Alembic and the job engine)."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The same database as a plain libpq URL (psycopg, procrastinate)."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(url: str, settings: Settings, **overrides: Any) -> AsyncEngine:
    connect_args: dict[str, Any] = {
        "server_settings": {
            "application_name": "rms-billing",
            "statement_timeout": str(settings.DB_STATEMENT_TIMEOUT_MS),
            "timezone": "UTC",
        }
    }
    if settings.DB_PGBOUNCER:
        # Named prepared statements do not survive a change of server connection, and
        # pgbouncer refuses startup parameters it does not track: set statement_timeout
        # on the role instead (ALTER ROLE rms_app SET statement_timeout = '30s').
        connect_args = {"statement_cache_size": 0}
    options: dict[str, Any] = {
        "pool_size": settings.DB_POOL_SIZE,
        "max_overflow": settings.DB_MAX_OVERFLOW,
        "pool_timeout": settings.DB_POOL_TIMEOUT,
        "pool_pre_ping": False,
        "connect_args": connect_args,
    }
    options.update(overrides)
    return create_async_engine(async_url(url), **options)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def set_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Scope this session to ``tenant_id``: now, and at the start of every later transaction."""
    in_transaction = session.in_transaction()
    tenant_scoped_by_statement(session, tenant_id)
    if in_transaction:
        await session.execute(SET_TENANT_SQL, {"tenant_id": str(tenant_id)})


def tenant_scoped_by_statement(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Record that a statement already scoped the current transaction to ``tenant_id``
    (``session_principal`` does): repositories use it, later transactions set it again."""
    session.info["tenant_id"] = tenant_id


def current_tenant(session: AsyncSession) -> uuid.UUID | None:
    tenant_id = session.info.get("tenant_id")
    return tenant_id if isinstance(tenant_id, uuid.UUID) else None


@event.listens_for(Session, "after_begin")
def _apply_tenant(session: Session, _transaction: Any, connection: Connection) -> None:
    """Every transaction a tenant-scoped session begins starts with its tenant set."""
    tenant_id = session.info.get("tenant_id")
    if tenant_id is not None:
        connection.execute(SET_TENANT_SQL, {"tenant_id": str(tenant_id)})
