"""GST rates of the tenant (seeded with today's slabs and the historic ones)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from app.api.v1.pagination import Pagination, page_out
from app.core.dependencies import DbSession, Principal, require
from app.core.permissions import Permission
from app.crud.catalog import TaxRateRepository
from app.schemas.catalog import TaxRateOut
from app.schemas.common import Page

router = APIRouter(prefix="/tax-rates", tags=["tax-rates"])


@router.get("")
async def list_tax_rates(
    session: DbSession,
    _: Annotated[Principal, Depends(require(Permission.READ))],
    pagination: Pagination,
) -> Page[TaxRateOut]:
    repository = TaxRateRepository(session)
    page = await repository.paginate(repository.select(), pagination)
    return page_out(page, TaxRateOut)
