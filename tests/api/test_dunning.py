"""Payment reminders: each stage once, none for paid invoices or excluded customers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.services.dunning import send_payment_reminders
from app.services.email import EmailSender
from app.services.jobs import JobRuntime
from app.utils.clock import IST, today_ist
from tests.jobs import connection_sessions, run_pending_jobs
from tests.smtp_server import SmtpTestServer
from tests.support import TenantClient, assert_problem, new_email

LINE = {"description": "Audit", "hsn_sac": "998221", "unit_price": "5000", "gst_rate": "18"}


def at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=IST).astimezone(UTC)


async def invoice_for(owner: TenantClient, email: str, **customer: Any) -> dict[str, Any]:
    buyer = await owner.create(
        "/api/v1/customers", {"name": "Kumar & Co", "state_code": "27", "email": email, **customer}
    )
    return await owner.create(
        "/api/v1/invoices",
        {
            "customer_id": buyer["id"],
            "lines": [LINE],
            "issue": True,
            "due_date": (today_ist() + timedelta(days=10)).isoformat(),
        },
    )


async def test_each_stage_goes_out_once(
    tenant: TenantClient, connection: AsyncConnection, settings: Any, smtp: SmtpTestServer
) -> None:
    await tenant.create("/api/v1/companies", {"legal_name": "Acme", "gstin": "27AAPFU0939F1ZV"})
    response = await tenant.put(
        "/api/v1/dunning-settings",
        json={
            "enabled": True,
            "days_before_due": 3,
            "repeat_every_days": 7,
            "max_overdue_reminders": 2,
        },
    )
    assert response.status_code == 200, response.text
    assert_problem(await tenant.put("/api/v1/dunning-settings", json={"days_before_due": 99}), 422)
    payer, excluded, paid = new_email("payer"), new_email("excluded"), new_email("paid")
    invoice = await invoice_for(tenant, payer)
    await invoice_for(tenant, excluded, exclude_from_reminders=True)
    settled = await invoice_for(tenant, paid)
    receipt = await tenant.post(
        "/api/v1/receipts",
        json={
            "customer_id": settled["customer_id"],
            "amount": settled["grand_total"],
            "mode": "upi",
            "allocations": [{"invoice_id": settled["id"], "amount": settled["grand_total"]}],
        },
    )
    assert receipt.status_code == 201, receipt.text

    runtime = JobRuntime(settings, connection_sessions(connection), EmailSender(settings))
    due = date.fromisoformat(invoice["due_date"])
    for day in range(-5, 30):
        for _ in range(2):
            await send_payment_reminders(runtime, at_noon(due + timedelta(days=day)))
            await run_pending_jobs(connection, settings)
    subjects = [m["Subject"] for m in smtp.messages if m["To"] == payer]
    assert len(subjects) == 4, subjects
    assert subjects[0].startswith("Reminder: invoice") and "is due today" in subjects[1]
    assert subjects[2].startswith("Overdue:") and subjects[3].startswith("Overdue:")
    assert not [m for m in smtp.messages if m["To"] in (excluded, paid)]
    reminder = next(m for m in smtp.messages if m["To"] == payer)
    assert [a.get_content_type() for a in reminder.iter_attachments()] == ["application/pdf"]
    history = await tenant.get(
        "/api/v1/audit-logs", params={"entity_id": invoice["id"], "action": "invoice.reminder_sent"}
    )
    assert history.json()["total"] == 4
