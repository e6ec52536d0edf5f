"""The caller's own tenant: profile and subscription."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from app.api.v1.services import service_for
from app.core.permissions import Permission
from app.schemas.tenant import SubscriptionOut, TenantOut, TenantUpdate
from app.services.tenant import TenantService

router = APIRouter(prefix="/tenants", tags=["tenants"])


Reader = Annotated[TenantService, Depends(service_for(TenantService, Permission.READ))]
Manager = Annotated[TenantService, Depends(service_for(TenantService, Permission.MANAGE_SETTINGS))]


@router.get("/me")
async def get_my_tenant(service: Reader) -> TenantOut:
    return TenantOut.model_validate(await service.current())


@router.put("/me")
async def update_my_tenant(body: TenantUpdate, service: Manager) -> TenantOut:
    return TenantOut.model_validate(await service.update(body))


@router.get("/subscription")
async def get_subscription(service: Reader) -> SubscriptionOut:
    """Plan, status and trial dates; days remaining are counted in Indian (IST) dates."""
    return await service.subscription()
