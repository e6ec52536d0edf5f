"""Team members: invitations by email, roles, deactivation; the owner rules.

An invited person gets an inactive user and a single-use link; accepting it sets their
name and password and verifies the address. Deactivating or removing a user ends all
their sessions at once. The last active owner can be neither demoted nor removed.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.database import set_tenant
from app.core.dependencies import Principal, RequestInfo
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.permissions import Permission
from app.core.security import hash_password, new_opaque_token, token_digest
from app.crud.base import Page, PageParams, Repository
from app.crud.identity import (
    SessionRepository,
    SubscriptionRepository,
    TenantRepository,
    UserRepository,
    find_login,
    find_token_tenant,
)
from app.models import User, UserInvitation
from app.models.enums import Role
from app.schemas.user import AcceptInviteRequest, InviteRequest, UserUpdate
from app.services.audit import AuditService
from app.services.auth import InvalidLink
from app.services.email import OutgoingEmail, render_email
from app.services.notifications import queue_email
from app.services.plans import enforce_free_tier, plan_state
from app.utils.clock import today_ist, utcnow
from app.utils.serialize import snapshot


class InvitationRepository(Repository[UserInvitation]):
    model = UserInvitation
    entity = "Invitation"


class UserService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.principal = principal
        self.users = UserRepository(session)
        self.audit = AuditService(session, request, principal.user_id)

    async def list(self, params: PageParams) -> Page[User]:
        return await self.users.paginate(
            self.users.select().where(User.deleted_at.is_(None)), params
        )

    async def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> User:
        """A member of the team; a removed user is gone (404) for every operation."""
        user = await self.users.get_or_404(user_id, for_update=for_update)
        if user.deleted_at is not None:
            raise NotFound(f"User {user_id} was not found.")
        return user

    async def invite(self, data: InviteRequest, settings: Settings) -> User:
        self._check_can_grant(data.role)
        await enforce_free_tier(self.session, self.principal.plan, "users", today_ist())
        if await find_login(self.session, data.email) is not None:
            raise Conflict("This email already has an account.")
        user = await self.users.add(
            User(
                email=data.email.lower(),
                full_name=data.full_name or data.email.split("@")[0],
                role=data.role,
                is_active=False,
            )
        )
        token = new_opaque_token()
        hours = settings.INVITATION_EXPIRE_HOURS
        await InvitationRepository(self.session).add(
            UserInvitation(
                user_id=user.id,
                email=user.email,
                role=data.role,
                token_hash=token_digest(token),
                invited_by=self.principal.user_id,
                expires_at=utcnow() + timedelta(hours=hours),
            )
        )
        tenant = await TenantRepository(self.session).current()
        subject, html, text = render_email(
            "invitation",
            {
                "product_name": settings.PROJECT_NAME,
                "tenant_name": tenant.name if tenant else "",
                "inviter_email": self.principal.email,
                "role": data.role,
                "accept_url": f"{settings.FRONTEND_URL}/accept-invite?token={token}",
                "expires_hours": hours,
            },
        )
        await queue_email(
            self.session, OutgoingEmail(to=(user.email,), subject=subject, html=html, text=text)
        )
        self.audit.record("user.invited", "user", user.id, {"email": user.email, "role": data.role})
        return user

    async def update(self, user_id: uuid.UUID, data: UserUpdate) -> User:
        user = await self.get(user_id, for_update=True)
        values = data.model_dump(exclude_unset=True)
        if "role" in values and values["role"] != user.role:
            self._check_can_grant(values["role"])
            self._check_can_grant(user.role)
        if values.get("is_active") is False:
            self._check_can_grant(user.role)  # only an owner deactivates an owner
        if values.get("is_active") is True and not user.is_active:
            await enforce_free_tier(self.session, self.principal.plan, "users", today_ist())
        before = snapshot(user)
        losing_owner = user.role == Role.OWNER and (
            values.get("role", Role.OWNER) != Role.OWNER or values.get("is_active") is False
        )
        if losing_owner:
            await self._keep_an_owner(user)
        await self.users.update(user, values)
        if values.get("is_active") is False:
            await SessionRepository(self.session).revoke_all_for_user(
                user.id, utcnow(), "deactivated"
            )
        self.audit.updated("user", user, before)
        return user

    async def remove(self, user_id: uuid.UUID) -> None:
        user = await self.get(user_id, for_update=True)
        if user.role == Role.OWNER:
            self._check_can_grant(Role.OWNER)
            await self._keep_an_owner(user)
        user.is_active, user.deleted_at = False, utcnow()
        await SessionRepository(self.session).revoke_all_for_user(user.id, utcnow(), "removed")
        self.audit.deleted("user", user)
        await self.session.flush()

    def _check_can_grant(self, role: str) -> None:
        """Ownership is billing's business: only an owner gives or takes it."""
        if role == Role.OWNER and not self.principal.can(Permission.MANAGE_BILLING):
            raise Forbidden(
                "Only an owner can grant, change or remove an owner.",
                extra={"required_permission": Permission.MANAGE_BILLING.value},
            )

    async def _keep_an_owner(self, user: User) -> None:
        """Lock every active owner row first: two requests demoting the last two owners
        queue here, and the second sees that only one is left."""
        owners = await self.session.execute(
            self.users.select()
            .where(User.role == Role.OWNER, User.is_active.is_(True), User.deleted_at.is_(None))
            .order_by(User.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        others = [owner for owner in owners.scalars() if owner.id != user.id]
        if not others:
            raise Conflict("The organisation needs at least one active owner.")


async def accept_invitation(
    session: AsyncSession, settings: Settings, data: AcceptInviteRequest
) -> User:
    """Set name and password from the invitation link; the address is verified by it."""
    digest = token_digest(data.token)
    tenant_id = await find_token_tenant(session, "invitation", digest)
    if tenant_id is None:
        raise InvalidLink("This invitation link is not valid.")
    await set_tenant(session, tenant_id)
    invitations = InvitationRepository(session)
    stmt = invitations.select().where(UserInvitation.token_hash == digest).with_for_update()
    invitation = (await session.execute(stmt)).scalar_one_or_none()
    now = utcnow()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= now
    ):
        raise InvalidLink("This invitation has expired or was already used.")
    user = await UserRepository(session).get_or_404(invitation.user_id)
    if user.deleted_at is not None:
        raise InvalidLink("This invitation was withdrawn.")
    subscription = await SubscriptionRepository(session).current()
    plan = plan_state(subscription, today_ist(), settings)
    await enforce_free_tier(session, plan, "users", today_ist())
    user.full_name = data.full_name
    user.password_hash = await hash_password(data.password, settings)
    user.password_changed_at = user.email_verified_at = now
    user.is_active = True
    invitation.accepted_at = now
    await session.flush()
    return user
