"""Trial reminders: the clock is moved across the trial, the job runs (twice a day, even),
and the owner receives exactly the day-7, day-12, day-13 and expiry emails."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.services.email import EmailSender
from app.services.jobs import JobRuntime
from app.services.trial_reminders import send_trial_reminders
from app.utils.clock import IST, today_ist
from tests.jobs import connection_sessions, run_pending_jobs
from tests.smtp_server import SmtpTestServer
from tests.support import TenantClient, set_tenant


async def test_reminders_go_out_once_on_days_7_12_13_and_at_expiry(
    tenant: TenantClient, connection: AsyncConnection, settings: Any, smtp: SmtpTestServer
) -> None:
    runtime = JobRuntime(settings, connection_sessions(connection), EmailSender(settings))
    start = today_ist()
    received_on: list[int] = []
    for day in range(0, 23):
        noon_ist = datetime.combine(start + timedelta(days=day), time(12), tzinfo=IST)
        before = len([m for m in smtp.messages if m["To"] == tenant.email])
        for _ in range(2):  # a second run the same day sends nothing more
            await send_trial_reminders(runtime, noon_ist.astimezone(UTC))
            await run_pending_jobs(connection, settings)
        after = len([m for m in smtp.messages if m["To"] == tenant.email])
        received_on += [day] * (after - before)
    assert received_on == [7, 12, 13, 14]
    subjects = [m["Subject"] for m in smtp.messages if m["To"] == tenant.email][1:]  # 0: verify
    assert len(subjects) == 4 and subjects[0].startswith("7 days left")
    assert "1 day left" in subjects[2]
    assert "trial has ended" in subjects[3]


async def test_a_late_job_sends_only_the_current_reminder(
    tenant: TenantClient, connection: AsyncConnection, settings: Any, smtp: SmtpTestServer
) -> None:
    runtime = JobRuntime(settings, connection_sessions(connection), EmailSender(settings))
    day_13 = datetime.combine(today_ist() + timedelta(days=13), time(9), tzinfo=IST)
    await send_trial_reminders(runtime, day_13.astimezone(UTC))
    await run_pending_jobs(connection, settings)
    subjects = [m["Subject"] for m in smtp.messages if m["To"] == tenant.email]
    assert subjects[1:] == ["1 day left in your RMS Billing trial"]  # 0: the verification


async def test_an_ended_paid_period_moves_to_the_free_tier_and_tells_the_owner_once(
    tenant: TenantClient, connection: AsyncConnection, settings: Any, smtp: SmtpTestServer
) -> None:
    upgraded = await tenant.post(
        "/api/v1/tenants/upgrade", json={"plan": "monthly", "payment_reference": "UTR55555"}
    )
    assert upgraded.status_code == 200, upgraded.text
    await tenant.post("/api/v1/tenants/cancel")
    await set_tenant(connection, tenant.tenant_id)
    await connection.execute(text("UPDATE subscriptions SET current_period_end = current_date - 1"))
    runtime = JobRuntime(settings, connection_sessions(connection), EmailSender(settings))
    for _ in range(2):
        await send_trial_reminders(runtime)
        await run_pending_jobs(connection, settings)
    ended = [
        m for m in smtp.messages if m["To"] == tenant.email and "plan has ended" in m["Subject"]
    ]
    assert len(ended) == 1
    subscription = (await tenant.get("/api/v1/tenants/subscription")).json()
    assert (subscription["plan"], subscription["access"]) == ("free", "free_tier")
