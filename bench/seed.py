"""``python -m bench seed``: a fresh database, migrated, with 100 tenants and a year of data.

Tenants, owners, companies and number series are created through the real API (in
process, so every default row the service provisions exists); the bulk of the documents
is then written with set-based SQL (``bench.documents``). Every owner signs in with
``PASSWORD``; their hashes are bcrypt cost 12, as in production.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import httpx
import psycopg
from psycopg import sql
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.core.database import sync_url
from app.core.embedded_db import ensure_app_role
from app.core.migrations import upgrade
from app.utils.clock import today_ist
from bench import say
from bench.documents import Shape, seed_documents

PASSWORD = "bench-password-2026"
APP_ROLE = "rms_app"
SUPPLIER_GSTIN = "27AAPFU0939F1ZV"
BENCH_SECRET = "bench-secret-key-that-is-long-enough-0123456789"


def owner_email(index: int) -> str:
    return f"owner-{index:03d}@bench.example.in"


@dataclass(frozen=True)
class BenchDatabase:
    admin_url: str  # the schema owner (migrations, seeding, bare-SQL references)
    app_url: str  # the runtime role the server connects as


def database_urls(server_url: str, name: str) -> BenchDatabase:
    """``server_url`` names the server and its superuser; the database becomes ``name``."""
    base = make_url(server_url).set(drivername="postgresql", database=name)
    return BenchDatabase(
        admin_url=base.render_as_string(hide_password=False),
        app_url=base.set(username=APP_ROLE, password=None).render_as_string(hide_password=False),
    )


def database_exists(server_url: str, name: str) -> bool:
    maintenance = make_url(server_url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(maintenance.render_as_string(hide_password=False)) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return found is not None


def recreate_database(server_url: str, name: str) -> BenchDatabase:
    maintenance = make_url(server_url).set(drivername="postgresql", database="postgres")
    dsn = maintenance.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        ensure_app_role(conn, APP_ROLE)
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_urls(server_url, name)


def seed_settings(urls: BenchDatabase) -> Settings:
    """The in-process app used to register tenants: fast hashes (replaced later), no limits."""
    return Settings(
        ENVIRONMENT="development",
        DATABASE_URL=urls.app_url,
        DATABASE_ADMIN_URL=urls.admin_url,
        SECRET_KEY=SecretStr(BENCH_SECRET),
        BCRYPT_ROUNDS=4,
        RATE_LIMIT_ENABLED=False,
        RUN_WORKER_IN_PROCESS=False,
        SEED_DEMO_DATA=False,
        MAIL_OUTBOX_DIR=Path(tempfile.mkdtemp(prefix="rms-bench-outbox-")),
        LOG_LEVEL="WARNING",
    )


async def _register(http: httpx.AsyncClient, index: int) -> str:
    response = await http.post(
        "/api/v1/auth/register",
        json={
            "company_name": f"Bench Firm {index:03d}",
            "full_name": f"Owner {index:03d}",
            "email": owner_email(index),
            "password": PASSWORD,
        },
    )
    response.raise_for_status()
    body = response.json()
    headers = {"Authorization": f"Bearer {body['tokens']['access_token']}"}
    company = await http.post(
        "/api/v1/companies",
        headers=headers,
        json={
            "legal_name": f"Bench Firm {index:03d} Private Limited",
            "gstin": SUPPLIER_GSTIN,
            "address_line1": "401 Lotus Park, Andheri East",
            "city": "Mumbai",
            "pincode": "400069",
            "email": f"accounts-{index:03d}@bench.example.in",
            "bank_name": "HDFC Bank",
            "bank_account_number": f"5010{index:08d}",
            "bank_ifsc": "HDFC0000123",
        },
    )
    company.raise_for_status()
    return str(body["tenant"]["id"])


async def register_tenants(urls: BenchDatabase, count: int) -> list[str]:
    """Register ``count`` tenants with their default company; returns tenant ids in order."""
    from app.main import create_app

    application = create_app(seed_settings(urls))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://seed") as http:
            ids: list[str] = []
            for start in range(0, count, 10):  # a few at a time: the pool is small
                batch = range(start, min(start + 10, count))
                ids += await asyncio.gather(*(_register(http, i) for i in batch))
    return ids


PRODUCTION_ACCOUNTS = """
UPDATE users SET password_hash = :hash, email_verified_at = now();
UPDATE subscriptions SET plan = 'yearly', status = 'active',
       current_period_start = CAST(:today AS date) - 30,
       current_period_end = CAST(:today AS date) + 335
"""


def split_url(url: str) -> tuple[str, str]:
    """``postgresql://postgres@host:5432/rms_bench`` -> (the server's URL, ``rms_bench``)."""
    parsed = make_url(url)
    if not parsed.database:
        raise SystemExit("give the bench database's name in the URL, e.g. .../rms_bench")
    return parsed.set(database="postgres").render_as_string(hide_password=False), parsed.database


def seed_database(
    server_url: str,
    name: str,
    tenants: int = 100,
    big_invoices: int = 100_000,
    small_invoices: int = 1_000,
    big_customers: int = 5_000,
    small_customers: int = 50,
) -> BenchDatabase:
    """Recreate database ``name`` and fill it, printing progress. The first registered
    tenant is the big one."""
    started = time.perf_counter()

    def progress(message: str) -> None:
        say(f"[bench seed {time.perf_counter() - started:6.1f} s] {message}")

    urls = recreate_database(server_url, name)
    progress(f"database {name} created; migrating")
    upgrade(urls.admin_url)
    progress(f"registering {tenants} tenants through the API")
    ids = asyncio.run(register_tenants(urls, tenants))
    shape = Shape(
        big_tenant=uuid.UUID(ids[0]),
        big_invoices=big_invoices,
        big_customers=big_customers,
        small_invoices=small_invoices,
        small_customers=small_customers,
    )
    today = today_ist()
    owner = create_engine(sync_url(urls.admin_url))
    cost12 = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(12)).decode()
    with owner.begin() as conn:
        for statement in PRODUCTION_ACCOUNTS.split(";\n"):
            conn.execute(text(statement), {"hash": cost12, "today": today})
        progress("owners verified with cost-12 hashes; plans paid. Seeding documents")
        seed_documents(conn, shape, today, progress)
    with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    owner.dispose()
    progress("done (VACUUM ANALYZE)")
    return urls
