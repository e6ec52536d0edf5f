"""Trial reminder emails on days 7, 12 and 13 of the trial, and one when it has ended.

A periodic job asks the database which tenants are owed which reminder today. Each
reminder is recorded in ``tenant_notifications`` (unique per tenant and kind) in the
same transaction that queues its email, so it goes out exactly once: a second run, a
late run or a worker restarted mid-run finds it recorded and sends nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import set_tenant
from app.crud.identity import TenantRepository, UserRepository
from app.models import Subscription, TenantNotification, User
from app.models.enums import Role
from app.services.email import OutgoingEmail, render_email
from app.services.jobs import JobRuntime, task
from app.services.notifications import queue_email
from app.utils.clock import today_ist, utcnow

DUE = text("SELECT tenant_id, kind FROM due_trial_reminders(:today)")
TRIAL_REMINDERS = "send_trial_reminders"


async def send_trial_reminders(runtime: JobRuntime, now: datetime | None = None) -> int:
    """Queue every reminder due on the Indian date of ``now``; returns how many."""
    today = today_ist(now)
    async with runtime.session_factory() as session:
        due = (await session.execute(DUE, {"today": today})).all()
    sent = 0
    for tenant_id, kind in due:
        async with runtime.session_factory() as session:
            await set_tenant(session, tenant_id)
            recorded = await session.execute(
                insert(TenantNotification)
                .values(tenant_id=tenant_id, id=uuid.uuid4(), kind=kind, sent_at=utcnow())
                .on_conflict_do_nothing(constraint="uq_tenant_notifications_kind")
                .returning(TenantNotification.id)
            )
            if recorded.scalar() is None:
                continue  # another run got here first
            await _queue_reminder(runtime, session, kind, today)
            sent += 1
    return sent


async def _queue_reminder(
    runtime: JobRuntime, session: AsyncSession, kind: str, today: date
) -> None:
    tenant = await TenantRepository(session).current()
    subscription = (await session.execute(select(Subscription))).scalar_one()
    users = UserRepository(session)
    owners = await session.execute(
        users.select().where(User.role == Role.OWNER, User.is_active.is_(True))
    )
    addresses = tuple(owner.email for owner in owners.scalars())
    if not addresses or tenant is None or subscription.trial_end_date is None:
        return
    days_left = max((subscription.trial_end_date - today).days, 0)
    subject, html, text_body = render_email(
        "trial_reminder",
        {
            "product_name": runtime.settings.PROJECT_NAME,
            "tenant_name": tenant.name,
            "expired": kind == "trial_expired",
            "days_left": days_left,
            "trial_end": subscription.trial_end_date.strftime("%d-%m-%Y"),
            "upgrade_url": runtime.settings.UPGRADE_URL,
            "after_trial": "read-only after a short grace period"
            if runtime.settings.AFTER_TRIAL_POLICY == "hard_lock"
            else "the free plan (10 invoices a month, 50 customers, 1 user)",
        },
    )
    await queue_email(session, OutgoingEmail(addresses, subject, html, text_body))


@task(TRIAL_REMINDERS)
async def trial_reminders_task(runtime: JobRuntime, **_: object) -> None:
    await send_trial_reminders(runtime)
