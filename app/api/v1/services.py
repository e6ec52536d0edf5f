"""Dependency factory: a request-scoped service for a principal holding a permission.

No ``from __future__ import annotations``: FastAPI reads these signatures at runtime.
"""

from collections.abc import Callable
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import DbSession, Principal, RequestInfo, RequestInfoDep, require
from app.core.permissions import Permission


class _PrincipalService(Protocol):
    def __init__(
        self, session: AsyncSession, principal: Principal, request: RequestInfo
    ) -> None: ...


ServiceT = TypeVar("ServiceT", bound=_PrincipalService)


def service_for(service_class: type[ServiceT], permission: Permission) -> Callable[..., Any]:
    """``Depends`` target building ``service_class`` once the caller is authorised."""

    async def build(
        session: DbSession,
        request: RequestInfoDep,
        principal: Annotated[Principal, Depends(require(permission))],
    ) -> ServiceT:
        return service_class(session, principal, request)

    build.__name__ = f"{service_class.__name__}_{permission.value}"
    return build
