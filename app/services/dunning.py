"""Payment reminders to customers (dunning), from a periodic job.

Per tenant: remind N days before the due date, on the due date, and every M days after
it, up to K times. The database says which invoice owes which stage today; recording the
stage (unique per invoice) and queueing its email happen in one transaction, so each
stage goes out once. Paid or void invoices, and customers excluded from reminders, get
none. The email carries the invoice PDF and the UPI link.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import set_tenant
from app.core.dependencies import Principal, RequestInfo
from app.crud.base import Repository
from app.crud.customer import CustomerRepository
from app.crud.invoice import InvoiceRepository
from app.models import DunningSettings, InvoiceReminder
from app.schemas.dunning import DunningSettingsUpdate
from app.services.audit import AuditService
from app.services.invoice import SEND_INVOICE
from app.services.jobs import JobRuntime, enqueue, task
from app.utils.clock import today_ist
from app.utils.serialize import snapshot

DUE = text("SELECT tenant_id, invoice_id, stage FROM due_payment_reminders(:today)")
PAYMENT_REMINDERS = "send_payment_reminders"


class DunningSettingsRepository(Repository[DunningSettings]):
    model = DunningSettings
    entity = "Reminder settings"


class DunningService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.repository = DunningSettingsRepository(session)
        self.audit = AuditService(session, request, principal.user_id)

    async def current(self) -> DunningSettings:
        """The tenant's settings (created, disabled, on first use)."""
        found = (await self.session.execute(self.repository.select())).scalar_one_or_none()
        if found is None:
            found = await self.repository.add(DunningSettings())
        return found

    async def update(self, data: DunningSettingsUpdate) -> DunningSettings:
        settings = await self.current()
        before = snapshot(settings)
        await self.repository.update(settings, data.model_dump(exclude_unset=True))
        self.audit.updated("dunning_settings", settings, before)
        return settings


async def send_payment_reminders(runtime: JobRuntime, now: datetime | None = None) -> int:
    """Queue every reminder stage due on the Indian date of ``now``; returns how many."""
    async with runtime.session_factory() as session:
        due = (await session.execute(DUE, {"today": today_ist(now)})).all()
    queued = 0
    for tenant_id, invoice_id, stage in due:
        async with runtime.session_factory() as session:
            await set_tenant(session, tenant_id)
            invoice = await InvoiceRepository(session).get(invoice_id)
            customer = (
                await CustomerRepository(session).get(invoice.customer_id) if invoice else None
            )
            if invoice is None or customer is None or not customer.email:
                continue
            recipients = [customer.email, *[a for a in customer.cc_emails or [] if a]]
            recorded = await session.execute(
                insert(InvoiceReminder)
                .values(
                    tenant_id=tenant_id,
                    id=uuid.uuid4(),
                    invoice_id=invoice_id,
                    stage=stage,
                    sent_to=recipients,
                )
                .on_conflict_do_nothing(constraint="uq_invoice_reminders_stage")
                .returning(InvoiceReminder.id)
            )
            if recorded.scalar() is None:
                continue  # another run recorded this stage first
            await enqueue(
                session,
                SEND_INVOICE,
                {
                    "tenant_id": str(tenant_id),
                    "invoice_id": str(invoice_id),
                    "recipients": recipients,
                    "reminder": stage,
                },
                queue="email",
            )
            queued += 1
    return queued


@task(PAYMENT_REMINDERS)
async def payment_reminders_task(runtime: JobRuntime, **_: object) -> None:
    await send_payment_reminders(runtime)
