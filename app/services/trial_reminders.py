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
from app.models.enums import Plan, Role, SubscriptionStatus
from app.services.email import OutgoingEmail, render_email
from app.services.jobs import JobRuntime, task
from app.services.notifications import queue_email
from app.utils.clock import today_ist, utcnow

DUE = text("SELECT tenant_id, kind FROM due_trial_reminders(:today)")
EXPIRED = text("SELECT tenant_id, period_end FROM due_plan_expiries(:today)")
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
            if not await _record_once(session, tenant_id, kind):
                continue  # another run got here first
            await _queue_reminder(runtime, session, kind, today)
            sent += 1
    return sent + await end_paid_periods(runtime, today)


async def _record_once(session: AsyncSession, tenant_id: uuid.UUID, kind: str) -> bool:
    recorded = await session.execute(
        insert(TenantNotification)
        .values(tenant_id=tenant_id, id=uuid.uuid4(), kind=kind, sent_at=utcnow())
        .on_conflict_do_nothing(constraint="uq_tenant_notifications_kind")
        .returning(TenantNotification.id)
    )
    return recorded.scalar() is not None


async def end_paid_periods(runtime: JobRuntime, today: date) -> int:
    """Paid periods that ended (cancelled or unpaid) go to the after-trial policy; the owner
    is told once per period."""
    async with runtime.session_factory() as session:
        ended = (await session.execute(EXPIRED, {"today": today})).all()
    moved = 0
    for tenant_id, period_end in ended:
        async with runtime.session_factory() as session:
            await set_tenant(session, tenant_id)
            if not await _record_once(session, tenant_id, f"plan_ended:{period_end}"):
                continue
            if runtime.settings.AFTER_TRIAL_POLICY == "free_tier":
                subscription = (
                    await session.execute(select(Subscription).with_for_update())
                ).scalar_one()
                subscription.plan, subscription.status = Plan.FREE, SubscriptionStatus.FREE
            # Under hard lock the row stays as it is: access is derived from the period end
            # (grace, then read-only) on every request.
            await _queue_reminder(runtime, session, "plan_ended", today)
            moved += 1
    return moved


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
    if not addresses or tenant is None:
        return
    ended_on = subscription.trial_end_date or today
    days_left = max((ended_on - today).days, 0)
    subject, html, text_body = render_email(
        "trial_reminder",
        {
            "product_name": runtime.settings.PROJECT_NAME,
            "tenant_name": tenant.name,
            "expired": kind in ("trial_expired", "plan_ended"),
            "plan_ended": kind == "plan_ended",
            "days_left": days_left,
            "trial_end": ended_on.strftime("%d-%m-%Y"),
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
