"""GST rates of the tenant (seeded with today's slabs and the historic ones)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, status

from app.api.v1.pagination import Pagination, page_out
from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.permissions import Permission
from app.schemas.catalog import TaxRateOut
from app.schemas.common import Page
from app.schemas.company import TaxRateCreate
from app.services.company import TaxRateService

router = ResourceRouter(prefix="/tax-rates", tags=["tax-rates"])
Reader = Annotated[TaxRateService, Depends(service_for(TaxRateService, Permission.READ))]
Manager = Annotated[
    TaxRateService, Depends(service_for(TaxRateService, Permission.MANAGE_SETTINGS))
]


@router.get("")
async def list_tax_rates(service: Reader, pagination: Pagination) -> Page[TaxRateOut]:
    return page_out(await service.list(pagination), TaxRateOut)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_tax_rate(body: TaxRateCreate, service: Manager) -> TaxRateOut:
    """Add a rate (with cess) and the dates it applies; rates are data, never hard-coded."""
    return TaxRateOut.model_validate(await service.create(body))
