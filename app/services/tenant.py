"""The tenant's own profile and its subscription as the SPA shows it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.dependencies import Principal, RequestInfo
from app.core.errors import Conflict, NotFound
from app.crud.identity import SubscriptionRepository, TenantRepository
from app.models import Subscription, Tenant
from app.models.enums import Plan, SubscriptionStatus
from app.schemas.tenant import SubscriptionOut, TenantUpdate, UpgradeRequest, UsageOut
from app.services.audit import AuditService
from app.services.payments import payment_provider
from app.services.plans import Access, limits, plan_state, usage
from app.utils.clock import today_ist, utcnow
from app.utils.serialize import snapshot


def trial_days_remaining(subscription: Subscription) -> int:
    """Whole Indian calendar days left, counting today; 0 once the trial has ended."""
    if subscription.trial_end_date is None:
        return 0
    return max((subscription.trial_end_date - today_ist()).days, 0)


class TenantService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.principal = principal
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

    async def _subscription(self, *, for_update: bool = False) -> Subscription:
        repository = SubscriptionRepository(self.session)
        stmt = repository.select().with_for_update() if for_update else repository.select()
        subscription = (await self.session.execute(stmt)).scalar_one_or_none()
        if subscription is None:
            raise NotFound("Subscription not found.")
        return subscription

    async def subscription(self, settings: Settings) -> SubscriptionOut:
        subscription = await self._subscription()
        today = today_ist()
        state = plan_state(subscription, today, settings)
        free = state.access == Access.FREE_TIER
        return SubscriptionOut(
            plan=subscription.plan,
            status=subscription.status,
            access=state.access,
            trial_start_date=subscription.trial_start_date,
            trial_end_date=subscription.trial_end_date,
            trial_days_remaining=trial_days_remaining(subscription),
            current_period_start=subscription.current_period_start,
            current_period_end=subscription.current_period_end,
            cancel_at_period_end=subscription.cancel_at_period_end,
            prompt_upgrade=state.prompt_upgrade,
            upgrade_url=settings.UPGRADE_URL,
            usage={
                resource: UsageOut(
                    used=await usage(self.session, resource, today),
                    limit=limit if free else None,
                )
                for resource, limit in limits(settings).items()
            },
        )

    async def upgrade(self, data: UpgradeRequest, settings: Settings) -> Subscription:
        """Activate a paid plan once the provider confirms the payment; lifts every limit."""
        confirmation = payment_provider(data.provider).confirm(data.plan, data.payment_reference)
        subscription = await self._subscription(for_update=True)
        before = snapshot(subscription)
        today = today_ist()
        days = settings.PLAN_YEARLY_DAYS if data.plan == "yearly" else settings.PLAN_MONTHLY_DAYS
        subscription.plan, subscription.status = data.plan, SubscriptionStatus.ACTIVE
        subscription.current_period_start = today
        subscription.current_period_end = today + timedelta(days=days)
        subscription.cancel_at_period_end, subscription.canceled_at = False, None
        subscription.payment_provider = confirmation.provider
        subscription.payment_reference = confirmation.reference
        await self.session.flush()
        self.audit.updated("subscription", subscription, before)
        return subscription

    async def cancel(self) -> Subscription:
        """Paid access continues to the end of the period; then the after-trial policy."""
        subscription = await self._subscription(for_update=True)
        if subscription.plan not in (Plan.MONTHLY, Plan.YEARLY):
            raise Conflict("There is no paid plan to cancel.")
        before = snapshot(subscription)
        subscription.cancel_at_period_end, subscription.canceled_at = True, utcnow()
        await self.session.flush()
        self.audit.updated("subscription", subscription, before)
        return subscription
