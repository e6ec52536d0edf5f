"""Companies (the tenant's GSTIN holders), their number series, GST settings, tax rates."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import Principal, RequestInfo
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.crud.catalog import (
    CompanyRepository,
    DocumentSeriesRepository,
    GstSettingsRepository,
    TaxRateRepository,
)
from app.models import Company, DocumentSeries, GstSettings, TaxRate
from app.models.enums import DocumentType
from app.schemas.company import DocumentSeriesFilters, GstSettingsUpdate
from app.services.audit import AuditService
from app.services.crud import CrudService, merged
from app.services.numbering import InvalidFormat, SeriesFormat
from app.utils import gst
from app.utils.serialize import snapshot

DEFAULT_PREFIXES = {
    DocumentType.INVOICE: "INV",
    DocumentType.CREDIT_NOTE: "CN",
    DocumentType.RECEIPT: "RCT",
}


class CompanyService(CrudService[Company]):
    repository_class = CompanyRepository
    entity_type = "company"
    repository: CompanyRepository

    async def prepare(self, values: dict[str, Any], current: Company | None) -> dict[str, Any]:
        proposed = merged(current, values, ("gstin", "state_code", "pan"))
        gstin, state = proposed.get("gstin"), proposed.get("state_code")
        if gstin:
            gstin_state = gst.gstin_state_code(gstin)
            if "gstin" in values and "state_code" not in values:
                state = gstin_state
            elif state is not None and gst.normalize_state_code(state) != gstin_state:
                raise ValidationFailed(
                    f"The GSTIN belongs to state {gstin_state} ({gst.state_name(gstin_state)}).",
                    field="state_code",
                )
            state = state or gstin_state
            pan = proposed.get("pan")
            if pan and pan != gstin[2:12]:
                raise ValidationFailed(
                    "The PAN differs from the one inside the GSTIN.", field="pan"
                )
            values.setdefault("pan", gstin[2:12])
        if state is None:
            raise ValidationFailed("Give the state code (or a GSTIN).", field="state_code")
        values["state_code"] = state
        if values.get("email"):
            values["email"] = values["email"].lower()
        if current is None and not await self.repository.any():
            values["is_default"] = True  # the first company is the default one
        if values.get("is_default"):
            await self.repository.clear_default(except_id=current.id if current else None)
        return values

    async def create(self, data: BaseModel) -> Company:
        company = await super().create(data)
        series = DocumentSeriesRepository(self.session)
        for document_type, prefix in DEFAULT_PREFIXES.items():
            await series.add(
                DocumentSeries(
                    company_id=company.id,
                    document_type=document_type,
                    prefix=prefix,
                    number_format="{prefix}/{fy}/{seq:04d}",
                    is_default=True,
                )
            )
        return company


class DocumentSeriesService(CrudService[DocumentSeries]):
    repository_class = DocumentSeriesRepository
    entity_type = "document_series"
    repository: DocumentSeriesRepository

    def filtered(self, filters: BaseModel | None) -> Select[DocumentSeries]:
        stmt = self.repository.select()
        if isinstance(filters, DocumentSeriesFilters):
            if filters.company_id:
                stmt = stmt.where(DocumentSeries.company_id == filters.company_id)
            if filters.document_type:
                stmt = stmt.where(DocumentSeries.document_type == filters.document_type)
        return stmt

    async def prepare(
        self, values: dict[str, Any], current: DocumentSeries | None
    ) -> dict[str, Any]:
        proposed = merged(current, values, ("prefix", "number_format", "company_id"))
        proposed.setdefault("number_format", "{prefix}/{fy}/{seq:04d}")
        try:
            SeriesFormat(proposed["prefix"], proposed["number_format"]).validate()
        except InvalidFormat as exc:
            raise ValidationFailed(str(exc), field="number_format") from exc
        if current is None and not await CompanyRepository(self.session).exists(
            values["company_id"]
        ):
            raise ValidationFailed("No company with this id.", field="company_id")
        if values.get("is_default"):
            document_type = values.get("document_type") or (current and current.document_type)
            await self.repository.clear_default(
                proposed["company_id"],
                str(document_type),
                except_id=current.id if current else None,
            )
        return values


class GstSettingsService:
    """One row per tenant, created at sign-up; read by every invoice calculation."""

    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.repository = GstSettingsRepository(session)
        self.audit = AuditService(session, request, principal.user_id)

    async def current(self) -> GstSettings:
        settings = await self.repository.current()
        if settings is None:
            raise NotFound("GST settings not found.")
        return settings

    async def update(self, data: GstSettingsUpdate) -> GstSettings:
        values = data.model_dump(exclude_unset=True)
        if values.get("hsn_digits_required") not in (None, 4, 6, 8):
            raise ValidationFailed("Use 4, 6 or 8 digits.", field="hsn_digits_required")
        settings = await self.current()
        before = snapshot(settings)
        await self.repository.update(settings, values)
        self.audit.updated("gst_settings", settings, before)
        return settings


class TaxRateService(CrudService[TaxRate]):
    repository_class = TaxRateRepository
    entity_type = "tax_rate"

    async def prepare(self, values: dict[str, Any], current: TaxRate | None) -> dict[str, Any]:
        end, start = values.get("effective_to"), values.get("effective_from")
        if end is not None and start is not None and end < start:
            raise ValidationFailed("effective_to is before effective_from.", field="effective_to")
        values.setdefault("name", f"GST {values['rate'].normalize():f}%")
        stmt = self.repository.select().where(
            TaxRate.rate == values["rate"],
            TaxRate.cess_rate == values.get("cess_rate", 0),
            TaxRate.effective_from == start,
        )
        if (await self.session.execute(select(stmt.exists()))).scalar():
            raise Conflict("This rate already exists from that date.")
        return values
