"""Repositories for the tenant's master data."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, or_, select
from sqlalchemy.orm import QueryableAttribute

from app.crud.base import Repository
from app.models import (
    AccountManager,
    ClientType,
    Company,
    DocumentSeries,
    GstSettings,
    ServiceType,
    TaxRate,
)

# Read on every invoice, receipt and credit note: built once, run with bound parameters.
TENANT: BindParameter[uuid.UUID] = bindparam("tenant_id")
RATES_IN_FORCE = select(TaxRate.rate).where(
    TaxRate.tenant_id == TENANT,
    TaxRate.is_active.is_(True),
    TaxRate.effective_from <= bindparam("on"),
    or_(TaxRate.effective_to.is_(None), TaxRate.effective_to >= bindparam("on")),
)
CURRENT_GST_SETTINGS = select(GstSettings).where(GstSettings.tenant_id == TENANT)
DEFAULT_COMPANY = (
    select(Company).where(Company.tenant_id == TENANT, Company.is_default.is_(True)).limit(1)
)


def default_series(
    series: type[DocumentSeries] | Any,
    company_id: ColumnElement[Any] | QueryableAttribute[Any],
    document_type: Any,
) -> Select[Any]:
    """The series a company numbers ``document_type`` with: its active default, else its
    oldest active one. ``series`` may be an alias (to nest this in a query of the table)."""
    return (
        select(series)
        .where(
            series.tenant_id == TENANT,
            series.company_id == company_id,
            series.document_type == document_type,
            series.is_active.is_(True),
        )
        .order_by(series.is_default.desc(), series.created_at)
        .limit(1)
    )


DEFAULT_SERIES = default_series(DocumentSeries, bindparam("company_id"), bindparam("document_type"))


class ClientTypeRepository(Repository[ClientType]):
    model = ClientType
    entity = "Client type"
    sortable = {"name": "name", "created_at": "created_at"}
    default_sort = "name"


class AccountManagerRepository(Repository[AccountManager]):
    model = AccountManager
    entity = "Account manager"
    sortable = {"name": "name", "created_at": "created_at"}
    default_sort = "name"


class ServiceTypeRepository(Repository[ServiceType]):
    model = ServiceType
    entity = "Service type"
    sortable = {"name": "name", "hsn_sac_code": "hsn_sac_code", "created_at": "created_at"}
    default_sort = "name"


class TaxRateRepository(Repository[TaxRate]):
    model = TaxRate
    entity = "Tax rate"
    sortable = {"rate": "rate", "effective_from": "effective_from", "created_at": "created_at"}
    default_sort = "rate"

    async def rates_in_force(self, on: date) -> set[Decimal]:
        return set((await self.session.execute(RATES_IN_FORCE, self.scope(on=on))).scalars())

    async def is_known(self, rate: Decimal, on: date) -> bool:
        """A GST rate must be in the tenant's rate table and in force on ``on``."""
        return rate in await self.rates_in_force(on)


class GstSettingsRepository(Repository[GstSettings]):
    model = GstSettings
    entity = "GST settings"

    async def current(self) -> GstSettings | None:
        """The tenant's one row (created at sign-up)."""
        result = await self.session.execute(CURRENT_GST_SETTINGS, self.scope())
        return result.scalar_one_or_none()


class CompanyRepository(Repository[Company]):
    model = Company
    entity = "Company"
    sortable = {"legal_name": "legal_name", "created_at": "created_at"}
    default_sort = "legal_name"

    async def any(self) -> bool:
        return bool((await self.session.execute(select(self.select().exists()))).scalar())

    async def default(self) -> Company | None:
        return (await self.session.execute(DEFAULT_COMPANY, self.scope())).scalar_one_or_none()

    async def clear_default(self, *, except_id: uuid.UUID | None) -> None:
        criteria: list[ColumnElement[bool]] = [Company.is_default.is_(True)]
        if except_id is not None:
            criteria.append(Company.id != except_id)
        await self.update_where(*criteria, values={"is_default": False})


class DocumentSeriesRepository(Repository[DocumentSeries]):
    model = DocumentSeries
    entity = "Document series"
    sortable = {"prefix": "prefix", "created_at": "created_at"}
    default_sort = "created_at"

    async def default_for(self, company_id: uuid.UUID, document_type: str) -> DocumentSeries | None:
        params = self.scope(company_id=company_id, document_type=document_type)
        found: DocumentSeries | None = (
            await self.session.execute(DEFAULT_SERIES, params)
        ).scalar_one_or_none()
        return found

    async def clear_default(
        self, company_id: uuid.UUID, document_type: str, *, except_id: uuid.UUID | None
    ) -> None:
        criteria: list[ColumnElement[bool]] = [
            DocumentSeries.company_id == company_id,
            DocumentSeries.document_type == document_type,
            DocumentSeries.is_default.is_(True),
        ]
        if except_id is not None:
            criteria.append(DocumentSeries.id != except_id)
        await self.update_where(*criteria, values={"is_default": False})
