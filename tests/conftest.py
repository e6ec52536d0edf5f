"""Fixtures: a migrated database per xdist worker, a real SMTP server, the real app.

``client`` runs every request of a test inside one outer transaction that is rolled
back afterwards (the app's commits become savepoints). ``live_client`` commits for real,
for tests about concurrency across connections; their data is isolated by tenant.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.core.config import Settings
from app.core.dependencies import get_db_session, transaction_scope
from app.core.embedded_db import DatabaseUrls
from app.main import create_app
from tests import database
from tests.jobs import run_pending_jobs
from tests.smtp_server import SmtpTestServer
from tests.support import TenantClient, register_tenant

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def pytest_configure(config: pytest.Config) -> None:
    """In the controller: start the database server once for all workers."""
    if hasattr(config, "workerinput") or os.environ.get(database.ADMIN_URL_ENV):
        return
    server, admin_url = database.start_server()
    database.prepare_roles(admin_url)  # once, before workers race to create them
    config._rms_db_server = server  # type: ignore[attr-defined]  # keep it alive
    os.environ[database.ADMIN_URL_ENV] = admin_url
    # Databases are named per run, so parallel runs on one server never collide.
    os.environ[database.RUN_ID_ENV] = str(os.getpid())


@pytest.fixture(scope="session")
def worker_id_str(request: pytest.FixtureRequest) -> str:
    workerinput = getattr(request.config, "workerinput", None)
    worker = workerinput["workerid"] if workerinput else "main"
    return f"{os.environ.get(database.RUN_ID_ENV, os.getpid())}_{worker}"


@pytest.fixture(scope="session")
def admin_url() -> str:
    return os.environ[database.ADMIN_URL_ENV]


@pytest.fixture(scope="session")
def db_urls(admin_url: str, worker_id_str: str) -> Iterator[DatabaseUrls]:
    with database.migrated_database(admin_url, f"rms_test_{worker_id_str}") as urls:
        yield urls


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpTestServer]:
    server = SmtpTestServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def settings(db_urls: DatabaseUrls, smtp: SmtpTestServer) -> Settings:
    return Settings(
        ENVIRONMENT="test",
        DATABASE_URL=db_urls.app_url,
        DATABASE_ADMIN_URL=db_urls.admin_url,
        SECRET_KEY=TEST_SECRET,  # type: ignore[arg-type]
        BCRYPT_ROUNDS=4,
        SMTP_HOST=smtp.host,
        SMTP_PORT=smtp.port,
        SMTP_STARTTLS=False,
        MAIL_OUTBOX_DIR=Path(tempfile.mkdtemp(prefix="rms-outbox-")),
        FRONTEND_URL="http://spa.test",
        LOG_LEVEL="WARNING",
        DB_POOL_SIZE=5,
        RUN_WORKER_IN_PROCESS=True,
        RATE_LIMIT_ENABLED=False,  # the limiter's own tests build apps with tight limits
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def engine(app: Any) -> AsyncEngine:
    engine: AsyncEngine = app.state.engine
    return engine


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection and transaction per test, rolled back at the end."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        if transaction.is_active:
            await transaction.rollback()


@asynccontextmanager
async def transactional_client(
    app: Any, connection: AsyncConnection, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on ``app`` whose requests all run in the test's transaction."""

    async def session_in_test_transaction() -> AsyncIterator[AsyncSession]:
        async with AsyncSession(
            bind=connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            autoflush=False,
        ) as session:
            async with transaction_scope(session):
                yield session
            # What a worker would do right after the commit (see tests/jobs.py).
            await run_pending_jobs(connection, settings)

    app.dependency_overrides[get_db_session] = session_in_test_transaction
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
            yield http
    finally:
        app.dependency_overrides.pop(get_db_session, None)


@pytest.fixture
async def client(
    app: Any, connection: AsyncConnection, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    async with transactional_client(app, connection, settings) as http:
        yield http


@pytest.fixture
async def live_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Requests commit for real (each its own connection from the pool)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        yield http


@pytest.fixture
async def tenant(client: httpx.AsyncClient) -> TenantClient:
    return await register_tenant(client)


@pytest.fixture
async def other_tenant(client: httpx.AsyncClient) -> TenantClient:
    return await register_tenant(client)


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]
