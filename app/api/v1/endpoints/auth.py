"""Authentication: sign-up, login, token refresh, logout, email verification, passwords."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, status

from app.api.v1.routing import ResourceRouter
from app.api.v1.throttle import AuthThrottleDep
from app.core.dependencies import CurrentPrincipal, DbSession, RequestInfoDep, SettingsDep
from app.core.errors import NotFound
from app.core.permissions import ROLE_PERMISSIONS
from app.crud.identity import TenantRepository, UserRepository
from app.schemas.auth import (
    ChangePasswordRequest,
    EmailRequest,
    LoginRequest,
    MeResponse,
    RefreshRequest,
    RegisterRequest,
    RegisterResponse,
    ResetPasswordRequest,
    SessionOut,
    SessionsRevoked,
    TenantSummary,
    TokenPair,
    TokenRequest,
    UserOut,
)
from app.schemas.common import Message, Page
from app.schemas.user import AcceptInviteRequest
from app.services.auth import AuthService
from app.services.sessions import SessionService, device_label
from app.services.users import accept_invitation

router = ResourceRouter(prefix="/auth", tags=["auth"])


async def get_auth_service(
    session: DbSession, settings: SettingsDep, request: RequestInfoDep
) -> AuthService:
    return AuthService(session, settings, request)


Auth = Annotated[AuthService, Depends(get_auth_service)]

SAME_ANSWER = "If that address belongs to an account, an email is on its way."


@router.post("/register", status_code=status.HTTP_201_CREATED)
async def register(
    body: RegisterRequest, throttle: AuthThrottleDep, auth: Auth
) -> RegisterResponse:
    """Create a firm (tenant) with its owner, start the 14-day trial, email a verification link."""
    await throttle.mailbox(body.email)
    tenant, user, tokens = await auth.register(body)
    return RegisterResponse(
        user=UserOut.model_validate(user),
        tenant=TenantSummary.model_validate(tenant),
        tokens=tokens,
    )


@router.post("/login")
async def login(body: LoginRequest, throttle: AuthThrottleDep, auth: Auth) -> TokenPair:
    await throttle.account(body.email)
    _, tokens = await auth.login(body.email, body.password)
    return tokens


@router.post("/refresh")
async def refresh(body: RefreshRequest, throttle: AuthThrottleDep, auth: Auth) -> TokenPair:
    """Exchange a refresh token for new tokens; the old refresh token stops working."""
    await throttle.account(body.refresh_token)
    return await auth.refresh(body.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentPrincipal, auth: Auth) -> None:
    await auth.logout(principal)


@router.post("/verify-email")
async def verify_email(body: TokenRequest, _: AuthThrottleDep, auth: Auth) -> UserOut:
    return UserOut.model_validate(await auth.verify_email(body.token))


@router.post("/resend-verification", status_code=status.HTTP_202_ACCEPTED)
async def resend_verification(body: EmailRequest, throttle: AuthThrottleDep, auth: Auth) -> Message:
    await throttle.mailbox(body.email)
    await auth.resend_verification(body.email)
    return Message(message=SAME_ANSWER)


@router.post("/forgot-password", status_code=status.HTTP_202_ACCEPTED)
async def forgot_password(body: EmailRequest, throttle: AuthThrottleDep, auth: Auth) -> Message:
    await throttle.mailbox(body.email)
    await auth.forgot_password(body.email)
    return Message(message=SAME_ANSWER)


@router.post("/reset-password")
async def reset_password(body: ResetPasswordRequest, _: AuthThrottleDep, auth: Auth) -> Message:
    """Set a new password from an emailed link; every session of the user is signed out."""
    await auth.reset_password(body.token, body.new_password)
    return Message(message="Your password has been changed. Sign in with the new one.")


@router.post("/change-password")
async def change_password(
    body: ChangePasswordRequest,
    throttle: AuthThrottleDep,
    principal: CurrentPrincipal,
    auth: Auth,
) -> Message:
    """Change the password; every other session of the user is signed out."""
    await throttle.account(str(principal.user_id))
    await auth.change_password(principal, body.current_password, body.new_password)
    return Message(message="Your password has been changed.")


@router.post("/accept-invite")
async def accept_invite(
    body: AcceptInviteRequest,
    _: AuthThrottleDep,
    auth: Auth,
    session: DbSession,
    settings: SettingsDep,
) -> TokenPair:
    """Join a team from an invitation link: set name and password; signs you in."""
    user = await accept_invitation(session, settings, body)
    auth.audit.record("user.joined", "user", user.id, user_id=user.id)
    return await auth.open_session(user)


@router.get("/me")
async def me(principal: CurrentPrincipal, session: DbSession) -> MeResponse:
    user = await UserRepository(session).get_or_404(principal.user_id)
    tenant = await TenantRepository(session).current()
    if tenant is None:
        raise NotFound("Tenant not found.")
    return MeResponse(
        user=UserOut.model_validate(user),
        tenant=TenantSummary.model_validate(tenant),
        permissions=sorted(ROLE_PERMISSIONS.get(principal.role, frozenset())),
    )


async def get_session_service(
    session: DbSession, principal: CurrentPrincipal, request: RequestInfoDep
) -> SessionService:
    return SessionService(session, principal, request)


Sessions = Annotated[SessionService, Depends(get_session_service)]


@router.get("/sessions")
async def list_sessions(sessions: Sessions) -> Page[SessionOut]:
    """Where you are signed in: device, address, when last used; ``current`` is this one.
    One page, most recently used first."""
    items = [
        SessionOut(
            id=login.id,
            device=device_label(login.user_agent),
            user_agent=login.user_agent,
            ip_address=str(login.ip_address) if login.ip_address is not None else None,
            created_at=login.created_at,
            last_used_at=login.last_used_at,
            expires_at=login.expires_at,
            current=login.id == sessions.principal.session_id,
        )
        for login in await sessions.list()
    ]
    return Page[SessionOut](items=items, total=len(items), page=1, page_size=len(items))


@router.delete("/sessions/{session_id:uuid}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_session(session_id: uuid.UUID, sessions: Sessions) -> None:
    """Sign out one of your sessions (its refresh token stops working at once)."""
    await sessions.revoke(session_id)


@router.post("/sessions/revoke-others")
async def revoke_other_sessions(sessions: Sessions) -> SessionsRevoked:
    """Log out everywhere else: every session of yours except this one."""
    return SessionsRevoked(revoked=await sessions.revoke_others())
