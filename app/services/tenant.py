"""The tenant's own profile and its subscription as the SPA shows it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import Principal, RequestInfo
from app.core.errors import NotFound
from app.crud.identity import SubscriptionRepository, TenantRepository
from app.models import Subscription, Tenant
from app.schemas.tenant import SubscriptionOut, TenantUpdate
from app.services.audit import AuditService
from app.utils.clock import today_ist
from app.utils.serialize import snapshot


def trial_days_remaining(subscription: Subscription) -> int:
    """Whole Indian calendar days left, counting today; 0 once the trial has ended."""
    if subscription.trial_end_date is None:
        return 0
    return max((subscription.trial_end_date - today_ist()).days, 0)


class TenantService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.audit = AuditService(session, request, principal.user_id)

    async def current(self) -> Tenant:
        tenant = await TenantRepository(self.session).current()
        if tenant is None:
            raise NotFound("Tenant not found.")
        return tenant

    async def update(self, data: TenantUpdate) -> Tenant:
        tenant = await self.current()
        before = snapshot(tenant)
        for name, value in data.model_dump(exclude_unset=True).items():
            setattr(tenant, name, value.lower() if name == "email" and value else value)
        await self.session.flush()
        self.audit.updated("tenant", tenant, before)
        return tenant

    async def subscription(self) -> SubscriptionOut:
        subscription = await SubscriptionRepository(self.session).current()
        if subscription is None:
            raise NotFound("Subscription not found.")
        return SubscriptionOut(
            plan=subscription.plan,
            status=subscription.status,
            trial_start_date=subscription.trial_start_date,
            trial_end_date=subscription.trial_end_date,
            trial_days_remaining=trial_days_remaining(subscription),
            current_period_start=subscription.current_period_start,
            current_period_end=subscription.current_period_end,
            cancel_at_period_end=subscription.cancel_at_period_end,
        )
