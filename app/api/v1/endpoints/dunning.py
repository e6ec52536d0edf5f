"""Payment reminder settings (the reminders themselves go out from a periodic job)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.permissions import Permission
from app.schemas.dunning import DunningSettingsOut, DunningSettingsUpdate
from app.services.dunning import DunningService

router = ResourceRouter(prefix="/dunning-settings", tags=["dunning"])
Reader = Annotated[DunningService, Depends(service_for(DunningService, Permission.READ))]
Manager = Annotated[
    DunningService, Depends(service_for(DunningService, Permission.MANAGE_SETTINGS))
]


@router.get("")
async def get_dunning_settings(service: Reader) -> DunningSettingsOut:
    return DunningSettingsOut.model_validate(await service.current())


@router.put("")
async def update_dunning_settings(
    body: DunningSettingsUpdate, service: Manager
) -> DunningSettingsOut:
    """Remind N days before the due date, on it, and every M days after, up to K times;
    customers can be excluded (``exclude_from_reminders``)."""
    return DunningSettingsOut.model_validate(await service.update(body))
