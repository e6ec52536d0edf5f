"""Where a tenant stands: trial, paid, free tier, grace or locked — from dates, per request.

The state is derived from the subscription row and today's Indian date, so it is right
the moment a trial or paid period ends, whether or not a periodic job has run yet.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import AppError
from app.models.enums import Plan, SubscriptionStatus
from app.utils.clock import IST


class Access(enum.StrEnum):
    TRIAL = "trial"
    PAID = "paid"
    FREE_TIER = "free_tier"
    GRACE = "grace"  # hard-lock policy: trial over, writes still allowed for a few days
    LOCKED = "locked"  # hard-lock policy: read-only


class PlanLimitExceeded(AppError):
    status, slug, title = 402, "plan-limit-exceeded", "Plan limit reached"


class ReadOnlyAccount(AppError):
    status, slug, title = 402, "account-read-only", "Subscription required"


@dataclass(frozen=True)
class PlanState:
    access: Access
    ends_on: date | None  # trial end, paid period end or grace end, as applies
    limits: Mapping[str, int] = field(default_factory=dict)  # free tier only
    upgrade_url: str = ""

    @property
    def full_access(self) -> bool:
        return self.access in (Access.TRIAL, Access.PAID, Access.GRACE)

    @property
    def paid_features(self) -> bool:
        """Custom branding and API tokens: the trial and paid plans."""
        return self.access in (Access.TRIAL, Access.PAID)

    @property
    def prompt_upgrade(self) -> bool:
        return self.access in (Access.FREE_TIER, Access.GRACE, Access.LOCKED)


class SubscriptionTerms(Protocol):
    """What the plan state is derived from: a ``Subscription`` or a row of its columns."""

    @property
    def plan(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def current_period_end(self) -> date | None: ...
    @property
    def trial_end_date(self) -> date | None: ...


def plan_state(
    subscription: SubscriptionTerms | None, today: date, settings: Settings
) -> PlanState:
    state = _access(subscription, today, settings)
    if state.access != Access.FREE_TIER:
        return state
    return PlanState(state.access, state.ends_on, limits(settings), settings.UPGRADE_URL)


def _access(subscription: SubscriptionTerms | None, today: date, settings: Settings) -> PlanState:
    if subscription is None:
        return PlanState(Access.LOCKED, None)
    paid = subscription.plan in (Plan.MONTHLY, Plan.YEARLY)
    if paid and subscription.status == SubscriptionStatus.ACTIVE:
        end = subscription.current_period_end
        if end is None or today <= end:
            return PlanState(Access.PAID, end)
        return _after(end, today, settings)
    if subscription.status == SubscriptionStatus.TRIALING and subscription.trial_end_date:
        if today < subscription.trial_end_date:
            return PlanState(Access.TRIAL, subscription.trial_end_date)
        return _after(subscription.trial_end_date, today, settings)
    if subscription.status == SubscriptionStatus.LOCKED:
        return PlanState(Access.LOCKED, None)
    return PlanState(Access.FREE_TIER, None)


def _after(ended: date, today: date, settings: Settings) -> PlanState:
    if settings.AFTER_TRIAL_POLICY == "free_tier":
        return PlanState(Access.FREE_TIER, None)
    grace_end = ended + timedelta(days=settings.HARD_LOCK_GRACE_DAYS)
    if today < grace_end:
        return PlanState(Access.GRACE, grace_end)
    return PlanState(Access.LOCKED, None)


def limit_problem(plan: PlanState, resource: str, usage: int) -> PlanLimitExceeded:
    limit = plan.limits[resource]
    return PlanLimitExceeded(
        f"The free plan allows {limit} {LIMIT_LABELS[resource]}; upgrade for unlimited use.",
        extra={
            "limit": limit,
            "usage": usage,
            "resource": resource,
            "upgrade_url": plan.upgrade_url,
        },
    )


USAGE_SQL = {
    "invoices": text(
        "SELECT count(*) FROM invoices WHERE tenant_id = app_current_tenant() "
        "AND issued_at >= :month_start"
    ),
    "customers": text(
        "SELECT count(*) FROM customers WHERE tenant_id = app_current_tenant() "
        "AND archived_at IS NULL"
    ),
    "users": text(
        "SELECT count(*) FROM users WHERE tenant_id = app_current_tenant() "
        "AND is_active AND deleted_at IS NULL"
    ),
}
LOCK_SUBSCRIPTION = text(
    "SELECT id FROM subscriptions WHERE tenant_id = app_current_tenant() FOR UPDATE"
)
LIMIT_LABELS = {
    "invoices": "invoices issued per calendar month",
    "customers": "active customers",
    "users": "active users",
}


def limits(settings: Settings) -> dict[str, int]:
    return {
        "invoices": settings.FREE_TIER_INVOICES_PER_MONTH,
        "customers": settings.FREE_TIER_ACTIVE_CUSTOMERS,
        "users": settings.FREE_TIER_USERS,
    }


def month_start_utc(today: date) -> datetime:
    """Midnight IST on the first of this month, as a UTC instant."""
    return datetime.combine(today.replace(day=1), time.min, tzinfo=IST).astimezone(UTC)


async def usage(session: AsyncSession, resource: str, today: date) -> int:
    result = await session.execute(USAGE_SQL[resource], {"month_start": month_start_utc(today)})
    return int(result.scalar_one())


async def enforce_free_tier(
    session: AsyncSession, plan: PlanState | None, resource: str, today: date
) -> None:
    """On the free tier, refuse the write that would pass ``resource``'s limit (402).

    The subscription row is locked first, so two concurrent writes at the last free slot
    queue and the second one counts the first."""
    if plan is None or plan.access != Access.FREE_TIER:
        return
    await session.execute(LOCK_SUBSCRIPTION)
    used = await usage(session, resource, today)
    if used >= plan.limits[resource]:
        raise limit_problem(plan, resource, used)
