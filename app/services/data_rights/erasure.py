"""Erasing a whole tenant: scheduled by an owner, cancellable, executed by a periodic job.

Scheduling re-checks the owner's password, moves the tenant to ``pending_deletion`` with
``deletion_scheduled_at`` = now + the cooling-off period, and emails every owner. The
periodic job of ``erasure_job`` carries it out.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.dependencies import Principal, RequestInfo
from app.core.errors import Conflict, Forbidden, NotFound, PersistedUnauthorized
from app.core.security import verify_password
from app.crud.identity import UserRepository
from app.models import CreditNote, Invoice, Receipt, Refund, Tenant, User
from app.models.enums import Role, TenantStatus
from app.schemas.data_rights import ErasureOut
from app.services.audit import AuditService
from app.services.data_rights.pseudonymise import repository
from app.services.data_rights.retention import retain_until
from app.services.email import OutgoingEmail, render_email
from app.services.notifications import queue_email
from app.utils.clock import IST, utcnow


async def reauthenticate(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    password: str,
    audit: AuditService,
    action: str,
) -> User:
    """The caller's password, again: a stolen access token alone cannot erase anything.
    A wrong password is audited (and the audit row kept)."""
    user = await UserRepository(session).get_or_404(principal.user_id)
    if not await verify_password(password, user.password_hash, settings):
        audit.record(f"{action}_refused", "user", user.id, {"reason": "wrong_password"})
        raise PersistedUnauthorized("The password is not correct.")
    return user


async def latest_financial_date(session: AsyncSession) -> date | None:
    """The newest date of any kept financial document of the current tenant."""
    tenant_dates = [
        repository(session, model)
        .select()
        .with_only_columns(func.max(column))
        .where(*where)
        .scalar_subquery()
        for model, column, where in (
            (Invoice, Invoice.invoice_date, (Invoice.status != "draft",)),
            (CreditNote, CreditNote.credit_note_date, (CreditNote.status != "draft",)),
            (Receipt, Receipt.receipt_date, ()),
            (Refund, Refund.refund_date, ()),
        )
    ]
    value = (await session.execute(select(func.greatest(*tenant_dates)))).scalar()
    return value if isinstance(value, date) else None


async def retention_end(session: AsyncSession) -> date | None:
    latest = await latest_financial_date(session)
    return retain_until(latest) if latest else None


async def locked_tenant(session: AsyncSession) -> Tenant:
    stmt = select(Tenant).with_for_update().execution_options(populate_existing=True)
    tenant = (await session.execute(stmt)).scalar_one_or_none()
    if tenant is None:
        raise NotFound("Tenant not found.")
    return tenant


async def erasure_state(session: AsyncSession, tenant: Tenant, settings: Settings) -> ErasureOut:
    status = {
        TenantStatus.PENDING_DELETION: "scheduled",
        TenantStatus.ERASED: "erased",
    }.get(TenantStatus(tenant.status), "none")
    return ErasureOut(
        status=status,
        tenant_status=tenant.status,
        erasure_scheduled_for=tenant.deletion_scheduled_at if status != "none" else None,
        cooling_off_days=settings.ERASURE_COOLING_OFF_DAYS,
        retain_until=await retention_end(session),
    )


class TenantErasureService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.principal = principal
        self.audit = AuditService(session, request, principal.user_id)

    async def status(self, settings: Settings) -> ErasureOut:
        tenant = (await self.session.execute(select(Tenant))).scalar_one_or_none()
        if tenant is None:
            raise NotFound("Tenant not found.")
        return await erasure_state(self.session, tenant, settings)

    async def schedule(self, password: str, settings: Settings) -> ErasureOut:
        if self.principal.via_api_token:
            raise Forbidden("Sign in as an owner to erase the organisation; API tokens cannot.")
        user = await reauthenticate(
            self.session, settings, self.principal, password, self.audit, "tenant.erasure"
        )
        tenant = await locked_tenant(self.session)
        if tenant.status == TenantStatus.PENDING_DELETION:
            raise Conflict(
                "The erasure is already scheduled.",
                extra={"erasure_scheduled_for": tenant.deletion_scheduled_at.isoformat()}
                if tenant.deletion_scheduled_at
                else None,
            )
        if tenant.status != TenantStatus.ACTIVE:
            raise Conflict(f"A {tenant.status} organisation cannot be scheduled for erasure.")
        due = utcnow() + timedelta(days=settings.ERASURE_COOLING_OFF_DAYS)
        tenant.status, tenant.deletion_scheduled_at = TenantStatus.PENDING_DELETION, due
        await self.session.flush()
        self.audit.record("tenant.erasure_scheduled", "tenant", tenant.id, {"scheduled_for": due})
        state = await erasure_state(self.session, tenant, settings)
        await self._tell_owners(tenant, user, state, settings)
        return state

    async def cancel(self, settings: Settings) -> ErasureOut:
        tenant = await locked_tenant(self.session)
        if tenant.status != TenantStatus.PENDING_DELETION:
            raise Conflict("No erasure is scheduled.")
        scheduled_for = tenant.deletion_scheduled_at
        tenant.status, tenant.deletion_scheduled_at = TenantStatus.ACTIVE, None
        await self.session.flush()
        self.audit.record(
            "tenant.erasure_cancelled", "tenant", tenant.id, {"scheduled_for": scheduled_for}
        )
        return await erasure_state(self.session, tenant, settings)

    async def _tell_owners(
        self, tenant: Tenant, requester: User, state: ErasureOut, settings: Settings
    ) -> None:
        users = UserRepository(self.session)
        owners = (
            await self.session.execute(
                users.select().where(
                    User.role == Role.OWNER, User.is_active.is_(True), User.deleted_at.is_(None)
                )
            )
        ).scalars()
        when = state.erasure_scheduled_for
        for owner in owners:
            subject, html, body = render_email(
                "erasure_scheduled",
                {
                    "product_name": settings.PROJECT_NAME,
                    "user_name": owner.full_name,
                    "tenant_name": tenant.name,
                    "requested_by": requester.full_name,
                    "scheduled_for": when.astimezone(IST).strftime("%d-%m-%Y") if when else "",
                    "cooling_off_days": settings.ERASURE_COOLING_OFF_DAYS,
                    "retain_until": state.retain_until.strftime("%d-%m-%Y")
                    if state.retain_until
                    else "the end of the legal retention period",
                },
            )
            await queue_email(
                self.session,
                OutgoingEmail(to=(owner.email,), subject=subject, html=html, text=body),
            )
