"""Repositories for the tenant's master data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select

from app.crud.base import Repository
from app.models import (
    AccountManager,
    ClientType,
    Company,
    GstSettings,
    ServiceType,
    TaxRate,
)


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

    async def is_known(self, rate: Decimal, on: date) -> bool:
        """A GST rate must be in the tenant's rate table and in force on ``on``."""
        stmt = self.select().where(
            TaxRate.rate == rate,
            TaxRate.is_active.is_(True),
            TaxRate.effective_from <= on,
            or_(TaxRate.effective_to.is_(None), TaxRate.effective_to >= on),
        )
        return bool((await self.session.execute(select(stmt.exists()))).scalar())


class GstSettingsRepository(Repository[GstSettings]):
    model = GstSettings
    entity = "GST settings"


class CompanyRepository(Repository[Company]):
    model = Company
    entity = "Company"
    sortable = {"legal_name": "legal_name", "created_at": "created_at"}
    default_sort = "legal_name"
