"""SIGTERM under load: the production server and the job worker, as real processes.

The API (``python -m app serve --workers 2``, each worker on its own SO_REUSEPORT
socket) must answer every request it accepted before exiting 0; the worker (``python -m
app worker``) must finish the job it is running (a slow SMTP relay holds it mid-send)
instead of dropping it in ``doing``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import PROJECT_ROOT, Settings
from app.core.database import create_engine
from app.core.embedded_db import DatabaseUrls
from app.services.email import OutgoingEmail
from app.services.jobs import enqueue
from app.services.notifications import SEND_EMAIL, email_to_args
from tests import database
from tests.live_server import settings_environment
from tests.ops.support import Samples, parse, value
from tests.smtp_server import ReceivedEnvelope, SmtpTestServer, free_port
from tests.support import PASSWORD, new_email

STARTUP_TIMEOUT = 60.0  # two app imports on a busy 2-core machine
EXIT_TIMEOUT = 35.0  # the server's graceful timeout is 30 s
LOGINS = 12  # bcrypt at 11 rounds: about 1.6 s of CPU, still running at SIGTERM
SMTP_DELAY = 3.0
# Every request on a new connection: independent clients, spread by the kernel over both
# workers, and no reuse of a keep-alive connection the server is closing.
FRESH_CONNECTIONS = httpx.Limits(max_keepalive_connections=0)


class Process:
    """A ``python -m app.cli ...`` child process (the commands of ``python -m app``,
    without the launcher's virtualenv check), its output kept for failure messages."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "app.cli", *args],
                env={**os.environ, **env},
                cwd=PROJECT_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def terminate_and_wait(self) -> int:
        """SIGTERM, then the exit code (killed and failed if it outlives EXIT_TIMEOUT)."""
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            pytest.fail(f"no exit within {EXIT_TIMEOUT}s of SIGTERM:\n{self.output()}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()


@pytest.fixture
def server_env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return {
        **settings_environment(settings),
        "BCRYPT_ROUNDS": "11",  # logins slow enough to still be running at SIGTERM
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }


def wait_until_serving(http: httpx.Client, process: Process) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            pytest.fail(f"the server exited with {process.popen.returncode}:\n{process.output()}")
        try:
            if http.get("/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not start within {STARTUP_TIMEOUT}s:\n{process.output()}")


async def scrape(http: httpx.AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    return parse(response.text)


async def test_api_finishes_accepted_requests_on_sigterm(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = Process(
        ["serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)],
        server_env,
        tmp_path / "serve.log",
    )
    try:
        with httpx.Client(base_url=url, timeout=30) as sync_http:
            wait_until_serving(sync_http, server)
        assert wait_for_listeners(port, 2) == 2, "each worker accepts on its own socket"
        async with (
            httpx.AsyncClient(base_url=url, timeout=60, limits=FRESH_CONNECTIONS) as http,
            httpx.AsyncClient(base_url=url, timeout=60) as load,  # a connection per login
        ):
            await check_metrics_add_up_across_workers(http)
            email = new_email("sigterm")
            registered = await http.post(
                "/api/v1/auth/register",
                json={
                    "company_name": "Shutdown Co",
                    "full_name": "S",
                    "email": email,
                    "password": PASSWORD,
                },
            )
            assert registered.status_code == 201, registered.text

            route = {"method": "POST", "route": "/api/v1/auth/login", "status": "200"}
            done_before = value(await scrape(http), "rms_http_requests_total", **route)
            credentials = {"email": email, "password": PASSWORD}
            logins = [
                asyncio.create_task(load.post("/api/v1/auth/login", json=credentials))
                for _ in range(LOGINS)
            ]
            in_flight = await wait_for_all_accepted(http, route, done_before)
            returncode = await asyncio.to_thread(server.terminate_and_wait)
            responses = await asyncio.gather(*logins, return_exceptions=True)
    finally:
        server.stop()

    failed = [r if isinstance(r, BaseException) else r.status_code for r in responses]
    failed = [r for r in failed if r != 200]
    assert failed == [], f"requests failed across the shutdown: {failed}\n{server.output()}"
    assert all("access_token" in r.json() for r in responses if isinstance(r, httpx.Response))
    assert in_flight >= 2, "SIGTERM came after the load: the test proved nothing"
    assert returncode == 0, server.output()


def listening_sockets(port: int) -> int:
    """Sockets in LISTEN on ``port`` (/proc/net/tcp: local address, then state 0A)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    fields = [row.split() for row in rows]
    return sum(1 for f in fields if f[1].endswith(f":{port:04X}") and f[3] == "0A")


def wait_for_listeners(port: int, wanted: int) -> int:
    """/health answers as soon as one worker is up; the others may still be starting."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while listening_sockets(port) < wanted and time.monotonic() < deadline:
        time.sleep(0.1)
    return listening_sockets(port)


async def check_metrics_add_up_across_workers(http: httpx.AsyncClient) -> None:
    """Multiprocess mode: whichever worker answers the scrape reports both workers' counts."""
    # /ready, which nothing else here asks: the start-up polling of /health may still be
    # on its way into the counts when the first scrape is taken.
    labels = {"method": "GET", "route": "/ready", "status": "200"}
    before = value(await scrape(http), "rms_http_requests_total", **labels)
    for _ in range(12):
        assert (await http.get("/ready")).status_code == 200
    # A worker counts a request after its response has left, so poll briefly.
    deadline = time.monotonic() + 10
    after = value(await scrape(http), "rms_http_requests_total", **labels)
    while after < before + 12 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        after = value(await scrape(http), "rms_http_requests_total", **labels)
    assert after == before + 12
    for _ in range(3):  # and every later scrape, whichever worker answers, agrees
        assert value(await scrape(http), "rms_http_requests_total", **labels) == after


async def wait_for_all_accepted(
    http: httpx.AsyncClient, route: dict[str, str], done_before: float
) -> int:
    """Wait until every login reached the app; returns how many are still running."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        samples = await scrape(http)
        running = int(value(samples, "rms_http_requests_in_progress")) - 1  # minus the scrape
        done = int(value(samples, "rms_http_requests_total", **route) - done_before)
        if running + done >= LOGINS:
            return running
        await asyncio.sleep(0.02)
    pytest.fail("the logins never all reached the server")


# -- the job worker -------------------------------------------------------------------------


class SlowSmtpServer(SmtpTestServer):
    """A relay that takes SMTP_DELAY seconds over messages titled "Slow ...", like a
    congested one."""

    def __init__(self) -> None:
        super().__init__()
        self.receiving_slow = threading.Event()

    def _record(self, message: EmailMessage, envelope: ReceivedEnvelope) -> None:
        if str(message["Subject"]).startswith("Slow"):
            self.receiving_slow.set()
            time.sleep(SMTP_DELAY)  # blocks only this server's own thread
        super()._record(message, envelope)


@pytest.fixture
def slow_smtp() -> Iterator[SlowSmtpServer]:
    with SlowSmtpServer() as server:
        yield server


@pytest.fixture
def own_database(admin_url: str, worker_id_str: str) -> Iterator[DatabaseUrls]:
    """A database no other worker polls (the suite's app runs one in-process)."""
    with database.migrated_database(admin_url, f"rms_ops_{worker_id_str}") as urls:
        yield urls


async def job_status(settings: Settings, url: str, job_id: int) -> Any:
    engine = create_engine(url, settings)
    try:
        async with engine.connect() as conn:
            query = text("SELECT status::text FROM procrastinate_jobs WHERE id = :id")
            return (await conn.execute(query, {"id": job_id})).scalar()
    finally:
        await engine.dispose()


async def queue_email(settings: Settings, url: str, to: str, subject: str) -> int:
    engine = create_engine(url, settings)
    email = OutgoingEmail(to=(to,), subject=subject, html="<p>x</p>", text="x")
    try:
        async with AsyncSession(engine) as session, session.begin():
            return await enqueue(session, SEND_EMAIL, email_to_args(email))
    finally:
        await engine.dispose()


async def wait_for_sent_count(url: str, count: int) -> None:
    """The worker's own metrics port counts the emails it sent."""
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                response = await http.get("/metrics")
                samples = parse(response.text)
                if value(samples, "rms_emails_sent_total", channel="smtp") >= count:
                    return
            await asyncio.sleep(0.1)
    pytest.fail(f"the worker's metrics never counted {count} sent email(s)")


async def test_worker_finishes_the_running_job_on_sigterm(
    settings: Settings, own_database: DatabaseUrls, slow_smtp: SlowSmtpServer, tmp_path: Path
) -> None:
    db_url = own_database.app_url
    recipient = f"job-{uuid.uuid4().hex[:8]}@example.in"
    metrics_port = free_port()
    env = {
        **settings_environment(settings),
        "DATABASE_URL": db_url,
        "DATABASE_ADMIN_URL": own_database.admin_url,
        "SMTP_HOST": slow_smtp.host,
        "SMTP_PORT": str(slow_smtp.port),
    }
    await queue_email(settings, db_url, recipient, "Quick one")
    worker = Process(["worker", "--metrics-port", str(metrics_port)], env, tmp_path / "worker.log")
    try:
        await asyncio.to_thread(slow_smtp.wait_for, None, 1, STARTUP_TIMEOUT)
        await wait_for_sent_count(f"http://127.0.0.1:{metrics_port}", 1)

        job_id = await queue_email(settings, db_url, recipient, "Slow one")
        started = await asyncio.to_thread(slow_smtp.receiving_slow.wait, 30)
        assert started, f"the worker never sent the second email:\n{worker.output()}"
        assert await job_status(settings, db_url, job_id) == "doing"
        returncode = await asyncio.to_thread(worker.terminate_and_wait)
    finally:
        worker.stop()

    assert returncode == 0, worker.output()
    assert [m["Subject"] for m in slow_smtp.messages] == ["Quick one", "Slow one"]
    # Succeeded jobs are deleted (delete_jobs="successful"); anything else would remain.
    assert await job_status(settings, db_url, job_id) is None, worker.output()
