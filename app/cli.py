"""Commands run inside the virtualenv (``python -m app <command>`` gets you here).

- ``dev``: embedded PostgreSQL (when DATABASE_URL is unset), migrations, demo tenant, API.
- ``test``: the whole suite (pytest on all cores; lint and type checks are tests too).
- ``serve``: the production server (several uvicorn workers, uvloop + httptools).
- ``migrate``: ``alembic upgrade head`` as the schema owner.
- ``worker``: run background jobs (email, invoice delivery) until SIGTERM.
- ``check``: print what would stop the service from starting in production.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from app.core.config import ConfigurationError, Settings, check_startup, get_settings


def _fail(message: str) -> None:
    print(f"[rms] {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def _checked_settings() -> Settings:
    settings = get_settings()
    try:
        check_startup(settings)
    except ConfigurationError as exc:
        _fail(str(exc))
    return settings


def _start_embedded(settings: Settings) -> Any:
    """Start the embedded server and point this process's settings at it."""
    from app.core.embedded_db import prepare_embedded

    print(f"[rms] starting embedded PostgreSQL in {settings.EMBEDDED_DB_DIR}", flush=True)
    server, urls = prepare_embedded(settings.EMBEDDED_DB_DIR, "rms", settings.DB_APP_ROLE)
    os.environ["DATABASE_URL"] = urls.app_url
    os.environ["DATABASE_ADMIN_URL"] = urls.admin_url
    get_settings.cache_clear()
    return server


def _migrate(settings: Settings) -> None:
    from app.core.migrations import upgrade

    admin_url = settings.DATABASE_ADMIN_URL or settings.DATABASE_URL
    if admin_url is None:
        _fail("no database URL to migrate")
        return
    print("[rms] applying migrations", flush=True)
    upgrade(admin_url)
    password = os.environ.get("DB_APP_ROLE_PASSWORD")
    if password:
        _set_app_role_password(admin_url, settings.DB_APP_ROLE, password)


def _set_app_role_password(admin_url: str, role: str, password: str) -> None:
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    url = make_url(admin_url).set(drivername="postgresql")
    dsn = url.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )


def cmd_dev(args: argparse.Namespace) -> None:
    import uvicorn

    os.environ.setdefault("RUN_WORKER_IN_PROCESS", "true")  # one command runs everything
    settings = _checked_settings()
    server = _start_embedded(settings) if settings.uses_embedded_db else None
    settings = get_settings()
    _migrate(settings)
    if settings.SEED_DEMO_DATA:
        from app.services.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

        created = asyncio.run(seed_demo(settings))
        print(
            f"[rms] demo tenant {'created' if created else 'ready'}: "
            f"sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}",
            flush=True,
        )
    print(f"[rms] API on http://{args.host}:{args.port}  (Swagger UI: /docs)", flush=True)
    from app.main import create_app

    try:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_config=None)
    finally:
        del server  # the embedded server stops with the last process using it


def cmd_serve(args: argparse.Namespace) -> None:
    settings = _checked_settings()
    if settings.uses_embedded_db:
        _fail("serve needs DATABASE_URL; for the embedded database use `python -m app dev`")
    _reset_metrics_dir()
    from app.core.serving import serve

    serve(
        "app.main:create_app",
        workers=args.workers,
        host=args.host,
        port=args.port,
        forwarded_allow_ips=",".join(settings.FORWARDED_ALLOW_IPS),
        timeout_graceful_shutdown=args.timeout_graceful_shutdown,
    )


def _reset_metrics_dir() -> None:
    """Prometheus multiprocess mode: forget the files of processes that have exited.

    Counters of an earlier run would otherwise carry on; those of a live worker on the
    same host (sharing the directory) are kept.
    """
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    from pathlib import Path

    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # <type>_<pid>.db
        pid = stale.stem.rpartition("_")[2]
        if not (pid.isdigit() and _alive(int(pid))):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def cmd_worker(args: argparse.Namespace) -> None:
    """Run background jobs until SIGTERM/SIGINT (running jobs finish first)."""
    settings = _checked_settings()
    if settings.uses_embedded_db:
        _fail("worker needs DATABASE_URL; `python -m app dev` runs a worker in-process")
    from app.core.logging import configure_logging

    configure_logging(settings.LOG_LEVEL, json_lines=settings.LOG_JSON)
    if args.metrics_port:
        from app.core.metrics import serve_metrics

        serve_metrics(args.metrics_port)
    asyncio.run(_work(settings))


async def _work(settings: Settings) -> None:
    from app.core.database import create_engine, create_sessionmaker
    from app.services.email import EmailSender
    from app.services.jobs import (
        JobRuntime,
        job_app_for,
        run_worker,
        session_factory_for,
        set_runtime,
    )
    from app.services.pdf_renderer import shutdown_renderer

    assert settings.DATABASE_URL is not None
    engine = create_engine(settings.DATABASE_URL, settings)
    maker = create_sessionmaker(engine)
    set_runtime(JobRuntime(settings, session_factory_for(maker), EmailSender(settings)))
    job_app = job_app_for(settings.DATABASE_URL)
    try:
        async with job_app.open_async():
            await run_worker(job_app, signals=True)
    finally:
        await engine.dispose()
        await asyncio.to_thread(shutdown_renderer)


def cmd_migrate(_: argparse.Namespace) -> None:
    settings = get_settings()
    server = _start_embedded(settings) if settings.uses_embedded_db else None
    _migrate(get_settings())
    del server


def cmd_check(_: argparse.Namespace) -> None:
    settings = get_settings()
    problems = settings.production_problems()
    if problems:
        _fail("not ready for production: " + "; ".join(problems))
    print("[rms] configuration OK", flush=True)


def cmd_test(args: argparse.Namespace) -> None:
    import pytest

    os.environ.setdefault("ENVIRONMENT", "test")
    workers = os.environ.get("PYTEST_WORKERS", "auto")
    raise SystemExit(pytest.main(["-n", workers, *args.pytest_args]))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    dev = commands.add_parser("dev", help="embedded database + demo tenant + API")
    dev.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    dev.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    dev.set_defaults(func=cmd_dev)
    serve = commands.add_parser("serve", help="production server")
    serve.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))  # noqa: S104
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    serve.add_argument(
        "--timeout-graceful-shutdown",
        type=int,
        default=int(os.environ.get("GRACEFUL_SHUTDOWN_TIMEOUT", "30")),
        help="seconds in-flight requests get to finish after SIGTERM",
    )
    serve.set_defaults(func=cmd_serve)
    commands.add_parser("migrate", help="apply migrations").set_defaults(func=cmd_migrate)
    worker = commands.add_parser("worker", help="run background jobs")
    worker.add_argument(
        "--metrics-port",
        type=int,
        default=int(os.environ.get("WORKER_METRICS_PORT", "0")),
        help="serve this worker's Prometheus metrics on this port (0: off)",
    )
    worker.set_defaults(func=cmd_worker)
    commands.add_parser("check", help="production readiness").set_defaults(func=cmd_check)
    test = commands.add_parser("test", help="run the test suite")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    test.set_defaults(func=cmd_test)
    args = parser.parse_args(argv or ["dev"])
    args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])
