"""The caller's own tenant: profile and subscription."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.api.v1.idempotency import Idempotent
from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.dependencies import SettingsDep
from app.core.permissions import Permission
from app.schemas.tenant import SubscriptionOut, TenantOut, TenantUpdate, UpgradeRequest
from app.services.tenant import TenantService

router = ResourceRouter(prefix="/tenants", tags=["tenants"])


Reader = Annotated[TenantService, Depends(service_for(TenantService, Permission.READ))]
Manager = Annotated[TenantService, Depends(service_for(TenantService, Permission.MANAGE_SETTINGS))]
Owner = Annotated[TenantService, Depends(service_for(TenantService, Permission.MANAGE_BILLING))]


@router.get("/me")
async def get_my_tenant(service: Reader) -> TenantOut:
    return TenantOut.model_validate(await service.current())


@router.put("/me")
async def update_my_tenant(body: TenantUpdate, service: Manager) -> TenantOut:
    return TenantOut.model_validate(await service.update(body))


@router.get("/subscription")
async def get_subscription(service: Reader, settings: SettingsDep) -> SubscriptionOut:
    """Plan, access (trial, paid, free tier, grace, locked), trial dates (days remaining in
    Indian dates), usage against the free tier's limits, and whether to prompt an upgrade."""
    return await service.subscription(settings)


@router.post("/upgrade", dependencies=[Idempotent])
async def upgrade(body: UpgradeRequest, service: Owner, settings: SettingsDep) -> SubscriptionOut:
    """Activate the monthly or yearly plan (``manual`` provider: an owner-confirmed payment
    reference); every limit is lifted at once."""
    await service.upgrade(body, settings)
    return await service.subscription(settings)


@router.post("/cancel")
async def cancel(service: Owner, settings: SettingsDep) -> SubscriptionOut:
    """Cancel at the end of the paid period."""
    await service.cancel()
    return await service.subscription(settings)
