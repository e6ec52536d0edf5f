"""The request's building blocks: settings, the one database session, the principal.

One request, one transaction: ``get_db_session`` commits after the endpoint has built
its response (and before it is sent) or rolls everything back when it raised.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.errors import AppError, Forbidden
from app.core.permissions import WRITE_PERMISSIONS, Permission, role_allows
from app.core.request_context import current_request_id
from app.services.plans import Access, PlanState, ReadOnlyAccount


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with (tests and tools pass their own)."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


@asynccontextmanager
async def transaction_scope(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commit on success; on failure roll back, unless the error says its writes must stay."""
    try:
        yield session
    except AppError as exc:
        if exc.keeps_writes:
            await session.commit()
        else:
            await session.rollback()
        raise
    except BaseException:
        await session.rollback()
        raise
    else:
        await session.commit()


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session, transaction_scope(session):
        yield session


DbSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]


@dataclass(frozen=True)
class RequestInfo:
    """Who is calling from where: written into audit rows and sessions."""

    ip_address: str | None
    user_agent: str | None
    request_id: str | None


def request_info(request: Request) -> RequestInfo:
    user_agent = request.headers.get("user-agent")
    return RequestInfo(
        ip_address=request.client.host if request.client else None,
        user_agent=user_agent[:512] if user_agent else None,
        request_id=current_request_id(),
    )


async def get_request_info(request: Request) -> RequestInfo:
    return request_info(request)


RequestInfoDep = Annotated[RequestInfo, Depends(get_request_info)]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: the only source of the tenant for the whole request."""

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str
    session_id: uuid.UUID
    email: str
    plan: PlanState | None = None  # None only for internal callers (seeding, jobs)
    via_api_token: bool = False

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)


bearer_scheme = HTTPBearer(auto_error=False, description="Access token from /auth/login")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


_PRINCIPAL = "rms.principal"  # the request scope's key for the authenticated caller


async def authenticate(
    request: Request, session: AsyncSession, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    """The caller, authenticated once per request: a second dependency that asks for the
    principal in the same request gets the same one."""
    known: Principal | None = request.scope.get(_PRINCIPAL)
    if known is not None:
        return known
    from app.core.rate_limit import limiter_of
    from app.services.api_tokens import is_api_token
    from app.services.auth import authenticate_access_token

    token = credentials.credentials if credentials is not None else None
    settings: Settings = request.app.state.settings
    principal = await authenticate_access_token(session, settings, token)
    limiter = limiter_of(request)
    await limiter.hit(request, "tenant", str(principal.tenant_id))
    if token is not None and is_api_token(token):
        await limiter.hit(request, "api-token", str(principal.session_id))
    if principal.plan is not None and principal.plan.prompt_upgrade:
        # The SPA shows an upgrade banner whenever the response carries X-Upgrade-Prompt;
        # the request-context middleware adds it to every response, errors included.
        request.state.upgrade_prompt = principal.plan.access.value
    request.scope[_PRINCIPAL] = principal
    return principal


async def get_principal(
    credentials: BearerCredentials, session: DbSession, request: Request
) -> Principal:
    return await authenticate(request, session, credentials)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(permission: Permission) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """Dependency factory: the principal, if its role grants ``permission`` (else 403)."""

    async def dependency(principal: CurrentPrincipal, request: Request) -> Principal:
        return authorize(principal, permission, request.method)

    dependency.__name__ = f"require_{permission.value}"
    return dependency


def authorize(principal: Principal, permission: Permission, method: str) -> Principal:
    """``principal``, if its role grants ``permission`` (else 403) and, for a change, the
    account is not read-only."""
    if not principal.can(permission):
        raise Forbidden(
            f"Your role ({principal.role}) does not allow this action.",
            extra={"required_permission": permission.value},
        )
    locked = principal.plan is not None and principal.plan.access == Access.LOCKED
    reading = method in ("GET", "HEAD")
    if locked and permission in WRITE_PERMISSIONS and not reading:
        raise ReadOnlyAccount(
            "The trial has ended and the account is read-only; upgrade to make changes. "
            "Your data stays readable and exportable."
        )
    return principal
