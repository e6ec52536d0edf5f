"""Sign-up, login, token rotation, email verification and password reset.

Before a tenant is known (login, links in emails, refresh) the only reads are the two
SECURITY DEFINER lookups; from then on the session is scoped to that tenant and
row-level security applies as for any other request.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.database import set_tenant, tenant_scoped_by_statement
from app.core.dependencies import Principal, RequestInfo
from app.core.errors import AppError, Conflict, PersistedUnauthorized, Unauthorized
from app.core.security import (
    InvalidToken,
    create_access_token,
    decode_access_token,
    hash_password,
    new_opaque_token,
    token_digest,
    verify_password,
)
from app.crud.catalog import GstSettingsRepository, TaxRateRepository
from app.crud.identity import (
    EmailVerificationRepository,
    PasswordResetRepository,
    RefreshTokenRepository,
    SessionRepository,
    SubscriptionRepository,
    TenantRepository,
    UserRepository,
    find_login,
    find_token_tenant,
    session_principal,
)
from app.models import (
    EmailVerification,
    PasswordResetToken,
    RefreshToken,
    Subscription,
    Tenant,
    User,
    UserSession,
)
from app.models.enums import Plan, Role, SubscriptionStatus
from app.schemas.auth import RegisterRequest, TokenPair
from app.services.api_tokens import authenticate_api_token, is_api_token
from app.services.audit import AuditService
from app.services.email import OutgoingEmail, render_email
from app.services.notifications import queue_email
from app.services.plans import plan_state
from app.services.tenant_defaults import default_gst_settings, default_tax_rates
from app.utils.clock import today_ist, utcnow
from app.utils.ids import uuid7

logger = logging.getLogger("app.auth")

INVALID_CREDENTIALS = "Incorrect email or password."
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)


class InvalidLink(AppError):
    status, slug, title = 400, "invalid-token", "Invalid or expired link"


async def authenticate_access_token(
    session: AsyncSession, settings: Settings, token: str | None
) -> Principal:
    """The access token's claims, checked against a live session and an active user."""
    if not token:
        raise Unauthorized("Send an access token as 'Authorization: Bearer <token>'.")
    if is_api_token(token):
        return await authenticate_api_token(session, settings, token)
    try:
        claims = decode_access_token(token, settings)
    except InvalidToken as exc:
        raise Unauthorized(f"The access token is not valid: {exc}.") from exc
    now = utcnow()
    found = await session_principal(
        session, claims.tenant_id, claims.session_id, claims.user_id, now
    )
    if found is None:
        raise Unauthorized("The session has ended; sign in again.")
    tenant_scoped_by_statement(session, claims.tenant_id)
    if now - found.last_used_at > SESSION_TOUCH_INTERVAL:
        # coarse: most requests write nothing
        await SessionRepository(session).touch(claims.session_id, now)
    return Principal(
        user_id=found.user_id,
        tenant_id=found.tenant_id,
        role=found.role,
        session_id=claims.session_id,
        email=found.email,
        plan=plan_state(found if found.plan is not None else None, today_ist(), settings),
    )


class AuthService:
    def __init__(self, session: AsyncSession, settings: Settings, request: RequestInfo) -> None:
        self.session = session
        self.settings = settings
        self.request = request
        self.audit = AuditService(session, request)

    # -- sign-up -------------------------------------------------------------------------

    async def register(self, data: RegisterRequest) -> tuple[Tenant, User, TokenPair]:
        if await find_login(self.session, data.email) is not None:
            raise Conflict("An account with this email already exists; sign in instead.")
        password_hash = await hash_password(data.password, self.settings)
        tenant_id = uuid7()
        await set_tenant(self.session, tenant_id)
        today = today_ist()
        trial_end = today + timedelta(days=self.settings.TRIAL_DAYS)
        tenant = await TenantRepository(self.session).add(
            Tenant(
                id=tenant_id,
                name=data.company_name,
                email=data.email.lower(),
                phone=data.phone,
                trial_start_date=today,
                trial_end_date=trial_end,
                is_trial_used=True,
            )
        )
        await SubscriptionRepository(self.session).add(
            Subscription(
                plan=Plan.TRIAL,
                status=SubscriptionStatus.TRIALING,
                trial_start_date=today,
                trial_end_date=trial_end,
            )
        )
        user = await UserRepository(self.session).add(
            User(
                email=data.email.lower(),
                full_name=data.full_name,
                password_hash=password_hash,
                role=Role.OWNER,
                password_changed_at=utcnow(),
            )
        )
        await self._provision_defaults()
        self.audit.record("tenant.registered", "tenant", tenant.id, user_id=user.id)
        await self._send_verification(user, tenant)
        tokens = await self.open_session(user)
        return tenant, user, tokens

    async def _provision_defaults(self) -> None:
        await GstSettingsRepository(self.session).add(default_gst_settings())
        await TaxRateRepository(self.session).add_all(default_tax_rates())

    # -- login, refresh, logout ------------------------------------------------------------

    async def login(self, email: str, password: str) -> tuple[User, TokenPair]:
        found = await find_login(self.session, email)
        if found is None:
            await verify_password(password, None, self.settings)  # same time as a real check
            logger.info("login failed: unknown email")
            raise Unauthorized(INVALID_CREDENTIALS)
        tenant_id, user_id = found
        await set_tenant(self.session, tenant_id)
        user = await UserRepository(self.session).get_or_404(user_id)
        if not await verify_password(password, user.password_hash, self.settings):
            self.audit.record("auth.login_failed", "user", user.id, user_id=user.id)
            raise PersistedUnauthorized(INVALID_CREDENTIALS)
        if not user.is_active:
            self.audit.record("auth.login_refused_inactive", "user", user.id, user_id=user.id)
            raise PersistedUnauthorized("This account has been deactivated.")
        user.last_login_at = utcnow()
        tokens = await self.open_session(user)
        self.audit.record("auth.login", "user", user.id, user_id=user.id)
        return user, tokens

    async def open_session(self, user: User) -> TokenPair:
        now = utcnow()
        login = await SessionRepository(self.session).add(
            UserSession(
                user_id=user.id,
                expires_at=now + timedelta(days=self.settings.REFRESH_TOKEN_EXPIRE_DAYS),
                ip_address=self.request.ip_address,
                user_agent=self.request.user_agent,
                last_used_at=now,
            )
        )
        return await self._issue_tokens(user, login)

    async def _issue_tokens(self, user: User, login: UserSession) -> TokenPair:
        now = utcnow()
        refresh = new_opaque_token()
        expires_at = now + timedelta(days=self.settings.REFRESH_TOKEN_EXPIRE_DAYS)
        await RefreshTokenRepository(self.session).add(
            RefreshToken(
                session_id=login.id, token_hash=token_digest(refresh), expires_at=expires_at
            )
        )
        access, access_expires = create_access_token(
            self.settings,
            user_id=user.id,
            tenant_id=user.tenant_id,
            role=user.role,
            session_id=login.id,
            now=now,
        )
        return TokenPair(
            access_token=access,
            expires_in=int((access_expires - now).total_seconds()),
            refresh_token=refresh,
            refresh_expires_at=expires_at,
        )

    async def refresh(self, refresh_token: str) -> TokenPair:
        digest = token_digest(refresh_token)
        tenant_id = await find_token_tenant(self.session, "refresh", digest)
        if tenant_id is None:
            raise Unauthorized("The refresh token is not valid.")
        await set_tenant(self.session, tenant_id)
        stored = await RefreshTokenRepository(self.session).by_hash_for_update(digest)
        if stored is None:
            raise Unauthorized("The refresh token is not valid.")
        sessions = SessionRepository(self.session)
        login = await sessions.get_or_404(stored.session_id, for_update=True)
        now = utcnow()
        if stored.rotated_at is not None:
            # A token that was already exchanged came back: assume it was stolen.
            if login.revoked_at is None:
                login.revoked_at, login.revoked_reason = now, "refresh_token_reuse"
            self.audit.record("auth.refresh_reuse", "session", login.id, user_id=login.user_id)
            raise PersistedUnauthorized("This refresh token was already used; sign in again.")
        if login.revoked_at is not None or stored.expires_at <= now or login.expires_at <= now:
            raise Unauthorized("The session has ended; sign in again.")
        found = await session_principal(self.session, tenant_id, login.id, login.user_id, now)
        if found is None:
            raise Unauthorized("The session has ended; sign in again.")
        user = await UserRepository(self.session).get_or_404(found.user_id)
        stored.rotated_at = now
        login.last_used_at = now
        return await self._issue_tokens(user, login)

    async def logout(self, principal: Principal) -> None:
        login = await SessionRepository(self.session).get_or_404(principal.session_id)
        login.revoked_at, login.revoked_reason = utcnow(), "logout"
        self.audit.record("auth.logout", "session", login.id, user_id=principal.user_id)
        await self.session.flush()

    # -- email verification ----------------------------------------------------------------

    async def _send_verification(self, user: User, tenant: Tenant | None = None) -> None:
        now = utcnow()
        repo = EmailVerificationRepository(self.session)
        await repo.expire_unused(user.id, now)
        token = new_opaque_token()
        hours = self.settings.EMAIL_VERIFICATION_EXPIRE_HOURS
        await repo.add(
            EmailVerification(
                user_id=user.id,
                email=user.email,
                token_hash=token_digest(token),
                expires_at=now + timedelta(hours=hours),
            )
        )
        tenant = tenant or await TenantRepository(self.session).current()
        await self._queue(
            user.email,
            "verify_email",
            user_name=user.full_name,
            tenant_name=tenant.name if tenant else "",
            verify_url=f"{self.settings.FRONTEND_URL}/verify-email?token={token}",
            expires_hours=hours,
        )

    async def verify_email(self, token: str) -> User:
        digest = token_digest(token)
        tenant_id = await find_token_tenant(self.session, "email_verification", digest)
        if tenant_id is None:
            raise InvalidLink("This verification link is not valid.")
        await set_tenant(self.session, tenant_id)
        record = await EmailVerificationRepository(self.session).by_hash_for_update(digest)
        now = utcnow()
        if record is None or record.used_at is not None or record.expires_at <= now:
            raise InvalidLink("This verification link has expired or was already used.")
        user = await UserRepository(self.session).get_or_404(record.user_id)
        if user.email.lower() != record.email.lower():
            raise InvalidLink("This link was sent to an address the account no longer uses.")
        record.used_at = now
        if user.email_verified_at is None:
            user.email_verified_at = now
        self.audit.record("auth.email_verified", "user", user.id, user_id=user.id)
        await self.session.flush()
        return user

    async def resend_verification(self, email: str) -> None:
        """Same answer whether or not the address exists or is already verified."""
        user = await self._user_for_email(email)
        if user is not None and user.email_verified_at is None and user.is_active:
            await self._send_verification(user)

    # -- passwords -------------------------------------------------------------------------

    async def forgot_password(self, email: str) -> None:
        """Same answer whether or not the address exists (no account enumeration)."""
        user = await self._user_for_email(email)
        if user is None or not user.is_active:
            return
        now = utcnow()
        repo = PasswordResetRepository(self.session)
        await repo.expire_unused(user.id, now)
        token = new_opaque_token()
        minutes = self.settings.PASSWORD_RESET_EXPIRE_MINUTES
        await repo.add(
            PasswordResetToken(
                user_id=user.id,
                token_hash=token_digest(token),
                expires_at=now + timedelta(minutes=minutes),
                requested_ip=self.request.ip_address,
            )
        )
        self.audit.record("auth.password_reset_requested", "user", user.id, user_id=user.id)
        await self._queue(
            user.email,
            "password_reset",
            user_name=user.full_name,
            reset_url=f"{self.settings.FRONTEND_URL}/reset-password?token={token}",
            expires_minutes=minutes,
        )

    async def reset_password(self, token: str, new_password: str) -> None:
        digest = token_digest(token)
        tenant_id = await find_token_tenant(self.session, "password_reset", digest)
        if tenant_id is None:
            raise InvalidLink("This password reset link is not valid.")
        await set_tenant(self.session, tenant_id)
        record = await PasswordResetRepository(self.session).by_hash_for_update(digest)
        now = utcnow()
        if record is None or record.used_at is not None or record.expires_at <= now:
            raise InvalidLink("This password reset link has expired or was already used.")
        user = await UserRepository(self.session).get_or_404(record.user_id)
        record.used_at = now
        await self._set_password(user, new_password, reason="password_reset")
        # The link proved control of the mailbox.
        user.email_verified_at = user.email_verified_at or now

    async def change_password(self, principal: Principal, current: str, new: str) -> None:
        user = await UserRepository(self.session).get_or_404(principal.user_id)
        if not await verify_password(current, user.password_hash, self.settings):
            self.audit.record("auth.password_change_failed", "user", user.id, user_id=user.id)
            raise PersistedUnauthorized("The current password is not correct.")
        await self._set_password(user, new, reason="password_changed", keep=principal.session_id)

    async def _set_password(
        self, user: User, password: str, *, reason: str, keep: uuid.UUID | None = None
    ) -> None:
        """New hash, every other session revoked, the owner told by email."""
        now = utcnow()
        user.password_hash = await hash_password(password, self.settings)
        user.password_changed_at = now
        await SessionRepository(self.session).revoke_all_for_user(user.id, now, reason, keep=keep)
        self.audit.record(f"auth.{reason}", "user", user.id, user_id=user.id)
        await self._queue(user.email, "password_changed", user_name=user.full_name)
        await self.session.flush()

    # -- helpers ---------------------------------------------------------------------------

    async def _user_for_email(self, email: str) -> User | None:
        found = await find_login(self.session, email)
        if found is None:
            return None
        await set_tenant(self.session, found[0])
        return await UserRepository(self.session).get(found[1])

    async def _queue(self, to: str, template: str, **context: object) -> None:
        subject, html, text = render_email(
            template, {"product_name": self.settings.PROJECT_NAME, **context}
        )
        await queue_email(
            self.session, OutgoingEmail(to=(to,), subject=subject, html=html, text=text)
        )
