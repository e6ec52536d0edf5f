"""Companies (legal entities / branches with a GSTIN), their number series, GST settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.api.v1.crud_router import crud_router
from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.permissions import Permission
from app.schemas.company import (
    CompanyCreate,
    CompanyOut,
    CompanyUpdate,
    DocumentSeriesCreate,
    DocumentSeriesFilters,
    DocumentSeriesOut,
    DocumentSeriesUpdate,
    GstSettingsOut,
    GstSettingsUpdate,
)
from app.services.company import CompanyService, DocumentSeriesService, GstSettingsService

companies = crud_router(
    prefix="/companies",
    tag="companies",
    service_class=CompanyService,
    create_schema=CompanyCreate,
    update_schema=CompanyUpdate,
    out_schema=CompanyOut,
)
document_series = crud_router(
    prefix="/document-series",
    tag="document-series",
    service_class=DocumentSeriesService,
    create_schema=DocumentSeriesCreate,
    update_schema=DocumentSeriesUpdate,
    out_schema=DocumentSeriesOut,
    filter_schema=DocumentSeriesFilters,
)

gst_settings = ResourceRouter(prefix="/gst-settings", tags=["gst-settings"])
Reader = Annotated[GstSettingsService, Depends(service_for(GstSettingsService, Permission.READ))]
Manager = Annotated[
    GstSettingsService, Depends(service_for(GstSettingsService, Permission.MANAGE_SETTINGS))
]


@gst_settings.get("")
async def get_gst_settings(service: Reader) -> GstSettingsOut:
    return GstSettingsOut.model_validate(await service.current())


@gst_settings.put("")
async def update_gst_settings(body: GstSettingsUpdate, service: Manager) -> GstSettingsOut:
    """Registration type (a composition or unregistered supplier issues Bills of Supply),
    round-off, HSN digits required on lines, e-invoice applicability."""
    return GstSettingsOut.model_validate(await service.update(body))
