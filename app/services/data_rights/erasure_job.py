"""Carrying out tenant erasures: the periodic job and what it does to the data.

When the cooling-off has ended, ``erase_tenant`` erases the personal data of every user
(and of the customers' contacts) in one transaction per tenant and leaves the tenant
``erased``; the financial records GST law requires are kept, pseudonymised where the
law allows. When their retention has ended too, ``delete_erased_tenant`` deletes them.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import set_tenant
from app.crud.data_rights import due_erasures
from app.models import (
    AccountManager,
    ApiToken,
    Company,
    Customer,
    DataExport,
    DocumentRender,
    Invoice,
    InvoiceReminder,
    TenantNotification,
)
from app.models.enums import TenantStatus
from app.services.audit import AuditService
from app.services.data_rights.erasure import locked_tenant, retention_end
from app.services.data_rights.pseudonymise import (
    ERASED_ACCOUNT_MANAGER,
    PERSONAL_KEYS,
    erase_users,
    pseudonym_email,
    redact_audit,
    repository,
)
from app.services.invoice_delivery import WORKER_REQUEST
from app.services.jobs import JobRuntime, task
from app.utils.clock import IST, utcnow

logger = logging.getLogger("app.data_rights")

ERASURE_TASK = "execute_due_erasures"
# JSON paths of invoice snapshots that no law asks to keep (Rule 46 needs the parties'
# names, addresses, GSTINs and state, which stay).
SNAPSHOT_PERSONAL_PATHS = (
    "{buyer,email}",
    "{buyer,phone}",
    "{supplier,email}",
    "{supplier,phone}",
    "{supplier,bank}",
    "{supplier,upi_vpa}",
    "{supplier,logo_url}",
)


async def erase_tenant(session: AsyncSession, now: datetime) -> bool:
    """Erase the session's tenant if its erasure is (still) due; False when it is not."""
    tenant = await locked_tenant(session)
    due = tenant.deletion_scheduled_at
    if tenant.status != TenantStatus.PENDING_DELETION or due is None or due > now:
        return False  # cancelled meanwhile, or another run got here first
    users = await erase_users(session, now)
    removed = {
        model.__tablename__: await repository(session, model).delete_where()
        for model in (ApiToken, TenantNotification, DataExport, DocumentRender)
    }
    await repository(session, Customer).update_where(
        values={
            "email": None,
            "cc_emails": [],
            "phone": None,
            "contact_person": None,
            "notes": None,
        }
    )
    await repository(session, AccountManager).update_where(values=ERASED_ACCOUNT_MANAGER)
    await repository(session, Company).update_where(
        values={
            "email": None,
            "phone": None,
            "bank_account_name": None,
            "bank_account_number": None,
            "upi_vpa": None,
            "logo_url": None,
        }
    )
    await repository(session, Invoice).update_where(
        values={
            "billing_snapshot": _without_paths(Invoice.billing_snapshot),
            "sent_to": None,
            "version": Invoice.version + 1,  # the PDF (and its ETag) changes
        }
    )
    await repository(session, InvoiceReminder).update_where(values={"sent_to": None})
    kept_until = await retention_end(session)
    tenant.email = pseudonym_email(tenant.id)
    tenant.phone, tenant.status = None, TenantStatus.ERASED
    # From now on the column says when the kept records go (the day after retention).
    tenant.deletion_scheduled_at = final_deletion(kept_until, now)
    await session.flush()
    redacted = await redact_audit(session, keys=PERSONAL_KEYS)
    AuditService(session, WORKER_REQUEST).record(
        "tenant.erased",
        "tenant",
        tenant.id,
        {
            "users": users,
            "removed": removed,
            "audit_redacted": redacted,
            "retain_until": kept_until,
        },
    )
    logger.info("tenant erased", extra={"tenant_id": str(tenant.id), "users": users})
    return True


def final_deletion(kept_until: date | None, now: datetime) -> datetime:
    """The start (in India) of the day after the retention ends; now when nothing is kept."""
    if kept_until is None:
        return now
    return datetime.combine(kept_until + timedelta(days=1), time(0), IST)


async def delete_erased_tenant(session: AsyncSession, now: datetime) -> bool:
    """The end of retention: the tenant row goes, and every table's rows with it (foreign
    keys cascade). The redacted audit trail stays: it has no foreign key."""
    tenant = await locked_tenant(session)
    due = tenant.deletion_scheduled_at
    if tenant.status != TenantStatus.ERASED or due is None or due > now:
        return False
    AuditService(session, WORKER_REQUEST).record(
        "tenant.deleted", "tenant", tenant.id, {"retention_ended": due}
    )
    await session.delete(tenant)
    await session.flush()
    return True


def _without_paths(column: object) -> object:
    expression = column
    for path in SNAPSHOT_PERSONAL_PATHS:
        expression = expression.op("#-")(text(f"'{path}'::text[]"))  # type: ignore[attr-defined]
    return expression


async def execute_due_erasures(runtime: JobRuntime, now: datetime | None = None) -> int:
    """Erase every tenant whose cooling-off has ended, and delete every erased tenant whose
    records are past their retention, one transaction each; returns how many of either.
    ``now`` lets tests move the clock instead of waiting."""
    moment = now or utcnow()
    async with runtime.session_factory() as session:
        due = await due_erasures(session, moment)
    done = 0
    for tenant_id, status in due:
        step = erase_tenant if status == TenantStatus.PENDING_DELETION else delete_erased_tenant
        async with runtime.session_factory() as session:
            await set_tenant(session, tenant_id)
            done += await step(session, moment)
    return done


@task(ERASURE_TASK)
async def execute_due_erasures_task(runtime: JobRuntime, **_: object) -> None:
    await execute_due_erasures(runtime)
