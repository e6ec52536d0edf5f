"""Master data services: client types, account managers, service types, tax rates."""

from __future__ import annotations

from typing import Any

from app.core.errors import ValidationFailed
from app.crud.catalog import (
    AccountManagerRepository,
    ClientTypeRepository,
    ServiceTypeRepository,
    TaxRateRepository,
)
from app.crud.identity import UserRepository
from app.models import AccountManager, ClientType, ServiceType
from app.services.crud import CrudService
from app.utils.clock import today_ist


class ClientTypeService(CrudService[ClientType]):
    repository_class = ClientTypeRepository
    entity_type = "client_type"


class AccountManagerService(CrudService[AccountManager]):
    repository_class = AccountManagerRepository
    entity_type = "account_manager"

    async def prepare(
        self, values: dict[str, Any], current: AccountManager | None
    ) -> dict[str, Any]:
        if values.get("email"):
            values["email"] = values["email"].lower()
        user_id = values.get("user_id")
        if user_id is not None and not await UserRepository(self.session).exists(user_id):
            raise ValidationFailed("No user with this id in your organisation.", field="user_id")
        return values


class ServiceTypeService(CrudService[ServiceType]):
    repository_class = ServiceTypeRepository
    entity_type = "service_type"

    async def prepare(self, values: dict[str, Any], current: ServiceType | None) -> dict[str, Any]:
        rate = values.get("default_gst_rate")
        if rate is not None and not await TaxRateRepository(self.session).is_known(
            rate, today_ist()
        ):
            raise ValidationFailed(
                f"{rate}% is not one of your GST rates in force today; see /tax-rates.",
                field="default_gst_rate",
            )
        return values
