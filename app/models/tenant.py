"""The tenant (the customer firm of RMS Billing) and its subscription."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TenantOwned, Timestamped, one_of
from app.models.enums import Plan, SubscriptionStatus, TenantStatus
from app.utils.ids import uuid7


class Tenant(Timestamped, Base):
    """A firm using the product. Row-level security keys this table on ``id``."""

    __tablename__ = "tenants"
    __table_args__ = (
        one_of("status", TenantStatus, "status_known"),
        CheckConstraint("trial_end_date >= trial_start_date", name="trial_dates_ordered"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    name: Mapped[str]
    email: Mapped[str]
    phone: Mapped[str | None]
    status: Mapped[str] = mapped_column(server_default=TenantStatus.ACTIVE.value)
    trial_start_date: Mapped[date | None]
    trial_end_date: Mapped[date | None]
    is_trial_used: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    deletion_scheduled_at: Mapped[datetime | None]


class Subscription(TenantOwned, Base):
    """The tenant's plan; exactly one current row per tenant."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        one_of("plan", Plan, "plan_known"),
        one_of("status", SubscriptionStatus, "status_known"),
        UniqueConstraint("tenant_id", name="uq_subscriptions_tenant_id"),
        Index("ix_subscriptions_status_current_period_end", "status", "current_period_end"),
    )

    plan: Mapped[str]
    status: Mapped[str]
    trial_start_date: Mapped[date | None]
    trial_end_date: Mapped[date | None]
    current_period_start: Mapped[date | None]
    current_period_end: Mapped[date | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    canceled_at: Mapped[datetime | None]
    payment_provider: Mapped[str | None]
    payment_reference: Mapped[str | None]


class TenantNotification(TenantOwned, Base):
    """A one-off message already sent to the tenant (a trial reminder): the unique key makes
    a reminder go out once however often, or however late, the periodic job runs."""

    __tablename__ = "tenant_notifications"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", name="uq_tenant_notifications_kind"),)

    kind: Mapped[str]
    sent_at: Mapped[datetime | None]
