"""Dependency factory: a request-scoped service for a principal holding a permission.

No ``from __future__ import annotations``: FastAPI reads these signatures at runtime.
"""

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import (
    BearerCredentials,
    DbSession,
    Principal,
    RequestInfo,
    authenticate,
    authorize,
    request_info,
)
from app.core.permissions import Permission


class _PrincipalService(Protocol):
    def __init__(
        self, session: AsyncSession, principal: Principal, request: RequestInfo
    ) -> None: ...


ServiceT = TypeVar("ServiceT", bound=_PrincipalService)


def service_for(service_class: type[ServiceT], permission: Permission) -> Callable[..., Any]:
    """``Depends`` target building ``service_class`` once the caller is authorised.

    One dependency that calls the steps (authenticate, authorise, who is calling) as plain
    functions: FastAPI's per-dependency bookkeeping, paid on every request, was a tenth of
    a short request's CPU when each step was a dependency of its own."""

    async def build(
        request: Request, session: DbSession, credentials: BearerCredentials
    ) -> ServiceT:
        principal = await authenticate(request, session, credentials)
        authorize(principal, permission, request.method)
        return service_class(session, principal, request_info(request))

    build.__name__ = f"{service_class.__name__}_{permission.value}"
    return build
