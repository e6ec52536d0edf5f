"""Repositories for tenants, users, sessions and the auth tokens."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Protocol, TypeVar, cast

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.crud.base import Repository
from app.models import (
    EmailVerification,
    PasswordResetToken,
    RefreshToken,
    Subscription,
    Tenant,
    User,
    UserSession,
)

TokenT = TypeVar("TokenT", RefreshToken, EmailVerification, PasswordResetToken)

AUTH_FIND_LOGIN = text("SELECT tenant_id, user_id FROM auth_find_login(:email)")
AUTH_FIND_TOKEN = text("SELECT auth_find_token(:kind, :token_hash)")

_sessions = cast(Table, UserSession.__table__)
# Every signed-in request starts with this call (migration 0014): it scopes the
# transaction to the token's tenant and returns the session's user and the tenant's
# plan terms if the session is still live; one round trip, where a separate
# ``set_config`` and a select made two.
SESSION_PRINCIPAL = text(
    "SELECT user_id, tenant_id, role, email, last_used_at, plan, status, "
    "current_period_end, trial_end_date "
    "FROM session_principal(:tenant_id, :session_id, :user_id, :now)"
)
TOUCH_SESSION = (
    update(_sessions)
    .where(_sessions.c.tenant_id == bindparam("tenant_id"), _sessions.c.id == bindparam("id"))
    .values(last_used_at=bindparam("now"))
)


async def find_login(session: AsyncSession, email: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The narrow pre-tenant path: which tenant and user an email belongs to, if any."""
    row = (await session.execute(AUTH_FIND_LOGIN, {"email": email})).first()
    return (row.tenant_id, row.user_id) if row else None


async def find_token_tenant(session: AsyncSession, kind: str, token_hash: str) -> uuid.UUID | None:
    """The tenant owning a refresh / verification / reset token, found by its digest."""
    value = (
        await session.execute(AUTH_FIND_TOKEN, {"kind": kind, "token_hash": token_hash})
    ).scalar()
    return value if isinstance(value, uuid.UUID) else None


async def session_principal(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    session_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
) -> LivePrincipal | None:
    """Scope ``session``'s transaction to ``tenant_id`` and check the sign-in session
    there: its user and the plan's terms while it is live, else None. The tenant comes
    from a verified token; the caller records it with ``tenant_scoped_by_statement``."""
    values = {"tenant_id": tenant_id, "session_id": session_id, "user_id": user_id, "now": now}
    result = await session.execute(SESSION_PRINCIPAL, values)
    return cast(LivePrincipal | None, result.first())


class LivePrincipal(Protocol):
    """A row of ``SESSION_PRINCIPAL``; ``plan`` and the rest are None without a subscription."""

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str
    email: str
    last_used_at: datetime
    plan: str | None
    status: str | None
    current_period_end: date | None
    trial_end_date: date | None


class TenantRepository:
    """The tenant row itself; RLS lets a session see only its own tenant."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self) -> Tenant | None:
        return (await self.session.execute(select(Tenant))).scalar_one_or_none()

    async def add(self, tenant: Tenant) -> Tenant:
        self.session.add(tenant)
        await self.session.flush()
        return tenant


class SubscriptionRepository(Repository[Subscription]):
    model = Subscription
    entity = "Subscription"

    async def current(self) -> Subscription | None:
        return (await self.session.execute(self.select())).scalar_one_or_none()


class UserRepository(Repository[User]):
    model = User
    entity = "User"
    sortable = {"created_at": "created_at", "email": "email", "full_name": "full_name"}

    async def by_email(self, email: str) -> User | None:
        stmt = self.select().where(func.lower(User.email) == email.lower())
        return (await self.session.execute(stmt)).scalar_one_or_none()


class SessionRepository(Repository[UserSession]):
    model = UserSession
    entity = "Session"

    async def touch(self, session_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(TOUCH_SESSION, self.scope(id=session_id, now=now))

    async def live_for_user(self, user_id: uuid.UUID, now: datetime) -> list[UserSession]:
        """The user's sessions that can still be used, most recently used first."""
        stmt = (
            self.select()
            .where(
                UserSession.user_id == user_id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
            )
            .order_by(UserSession.last_used_at.desc(), UserSession.id.desc())
            .limit(200)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def revoke_all_for_user(
        self, user_id: uuid.UUID, now: datetime, reason: str, *, keep: uuid.UUID | None = None
    ) -> int:
        """End every live session of the user (but ``keep``, the caller's own, if given)."""
        criteria = [UserSession.user_id == user_id, UserSession.revoked_at.is_(None)]
        if keep is not None:
            criteria.append(UserSession.id != keep)
        return await self.update_where(
            *criteria, values={"revoked_at": now, "revoked_reason": reason}
        )


class _HashedTokenRepository(Repository[TokenT]):
    """Tokens looked up by their SHA-256 digest and locked while being consumed."""

    async def by_hash_for_update(self, token_hash: str) -> TokenT | None:
        stmt = self.select().where(self._column("token_hash") == token_hash).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def expire_unused(self, user_id: uuid.UUID, now: datetime) -> None:
        """A new link makes every older unused link of the same kind worthless."""
        await self.update_where(
            self._column("user_id") == user_id,
            self._column("used_at").is_(None),
            values={"used_at": now},
        )


class RefreshTokenRepository(_HashedTokenRepository[RefreshToken]):
    model = RefreshToken
    entity = "Refresh token"


class EmailVerificationRepository(_HashedTokenRepository[EmailVerification]):
    model = EmailVerification
    entity = "Email verification"


class PasswordResetRepository(_HashedTokenRepository[PasswordResetToken]):
    model = PasswordResetToken
    entity = "Password reset"
