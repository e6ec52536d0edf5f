"""Runs the jobs a request queued inside the test's (never committed) transaction.

A worker cannot see uncommitted jobs, so for tests on the rolled-back ``client`` this
executes them right after the request's commit, through the same task functions a
worker calls, on the test's connection. Tests that need the real worker use
``live_client`` (commits) and the in-process worker of the test app.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.core.config import Settings
from app.services.email import EmailSender
from app.services.jobs import TASKS, JobRuntime

logger = logging.getLogger("tests.jobs")

PENDING = text(
    "SELECT id, task_name, args FROM procrastinate_jobs WHERE status = 'todo' ORDER BY id"
)
DONE = text("DELETE FROM procrastinate_jobs WHERE id = :id")


def connection_sessions(
    connection: AsyncConnection,
) -> Callable[[], AbstractAsyncContextManager[AsyncSession]]:
    @asynccontextmanager
    async def open_session() -> AsyncIterator[AsyncSession]:
        async with (
            AsyncSession(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            ) as session,
            session.begin(),
        ):
            yield session

    return open_session


async def run_pending_jobs(connection: AsyncConnection, settings: Settings) -> int:
    runtime = JobRuntime(settings, connection_sessions(connection), EmailSender(settings))
    done = 0
    for job_id, task_name, args in (await connection.execute(PENDING)).all():
        payload = args if isinstance(args, dict) else json.loads(args)
        await TASKS[task_name](runtime, **payload)
        await connection.execute(DONE, {"id": job_id})
        done += 1
    return done
