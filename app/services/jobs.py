"""Background jobs on the same PostgreSQL, with procrastinate.

A job is *deferred inside the transaction of the change that wants it*: ``enqueue``
calls procrastinate's ``procrastinate_defer_jobs_v1`` through the request's own
session, so a rolled-back request queues nothing and a committed one is never lost.
Workers (``python -m app worker``, or in-process in the embedded default) run the
tasks registered here with retries and exponential backoff.

Tasks receive a ``JobRuntime`` (settings, sessions, the email sender) besides their
JSON arguments; the worker provides one built on the application's engine.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import procrastinate
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.database import libpq_url
from app.services.email import EmailSender

logger = logging.getLogger("app.jobs")

DEFER_SQL = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, :lock, "
    ":queueing_lock, CAST(:args AS jsonb), :scheduled_at)::procrastinate_job_to_defer_v1]))"
)
# 2, 4, 8, ... seconds between attempts; about 4 hours of retries in all.
RETRY = procrastinate.RetryStrategy(max_attempts=13, exponential_wait=2)


@dataclass
class JobRuntime:
    """What a task needs from the outside world."""

    settings: Settings
    session_factory: Callable[[], AbstractAsyncContextManager[AsyncSession]]
    email_sender: EmailSender


TaskFunction = Callable[..., Awaitable[None]]
TASKS: dict[str, TaskFunction] = {}
_runtime: JobRuntime | None = None


def task(name: str) -> Callable[[TaskFunction], TaskFunction]:
    """Register ``fn(runtime, **json_args)`` as the job ``name``."""

    def register(fn: TaskFunction) -> TaskFunction:
        TASKS[name] = fn
        return fn

    return register


async def enqueue(
    session: AsyncSession,
    task_name: str,
    args: dict[str, Any],
    *,
    queue: str = "default",
    lock: str | None = None,
    queueing_lock: str | None = None,
    scheduled_at: datetime | None = None,
    priority: int = 0,
) -> int:
    """Queue a job in the session's transaction; returns the job id."""
    if task_name not in TASKS:
        raise KeyError(f"unknown task {task_name}")
    result = await session.execute(
        DEFER_SQL,
        {
            "queue": queue,
            "task": task_name,
            "priority": priority,
            "lock": lock,
            "queueing_lock": queueing_lock,
            "args": json.dumps(args),
            "scheduled_at": scheduled_at,
        },
    )
    return int(result.scalar_one())


def runtime() -> JobRuntime:
    if _runtime is None:
        raise RuntimeError("no job runtime: start a worker first")
    return _runtime


def set_runtime(value: JobRuntime | None) -> None:
    global _runtime  # noqa: PLW0603 - one runtime per worker process
    _runtime = value


def session_factory_for(
    maker: async_sessionmaker[AsyncSession],
) -> Callable[[], AbstractAsyncContextManager[AsyncSession]]:
    """Each call: a session whose transaction commits when the block succeeds."""

    @asynccontextmanager
    async def open_session() -> AsyncIterator[AsyncSession]:
        async with maker() as session, session.begin():
            yield session

    return open_session


# Periodic tasks (cron, UTC): each run is idempotent, so overlap or lateness is harmless.
PERIODIC: dict[str, str] = {
    "send_trial_reminders": "*/30 * * * *",
    "purge_idempotency_keys": "50 * * * *",
    "send_payment_reminders": "15 */2 * * *",
    "execute_due_erasures": "20 * * * *",
    "purge_expired_exports": "40 * * * *",
}


def build_app(conninfo: str) -> procrastinate.App:
    """A procrastinate App bound to ``conninfo`` with every registered task."""
    job_app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    for name, fn in TASKS.items():
        registered = job_app.task(name=name, retry=RETRY, pass_context=False)(_bind(fn))
        if name in PERIODIC:
            job_app.periodic(cron=PERIODIC[name], periodic_id=name)(registered)
    return job_app


def _bind(fn: TaskFunction) -> Callable[..., Awaitable[None]]:
    async def run(**kwargs: Any) -> None:
        await fn(runtime(), **kwargs)

    run.__name__ = fn.__name__
    return run


async def run_worker(
    job_app: procrastinate.App, *, wait: bool = True, signals: bool = False
) -> None:
    """Process jobs until stopped (``wait``) or until the queue is empty."""
    await job_app.run_worker_async(
        wait=wait,
        install_signal_handlers=signals,
        concurrency=4,
        delete_jobs="successful",
        shutdown_graceful_timeout=30,
        fetch_job_polling_interval=1.0,
    )


def job_app_for(database_url: str) -> procrastinate.App:
    import app.services.tasks  # noqa: F401 - registers every task

    return build_app(libpq_url(database_url))


@asynccontextmanager
async def in_process_worker(database_url: str) -> AsyncIterator[None]:
    """A worker inside the API process, for the one-command embedded setup."""
    job_app = job_app_for(database_url)
    async with job_app.open_async():
        worker = asyncio.create_task(run_worker(job_app), name="job-worker")
        try:
            yield
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
