"""Customers: GST identity rules, references checked within the tenant, archive on delete."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select

from app.core.errors import ValidationFailed
from app.crud.catalog import AccountManagerRepository, ClientTypeRepository
from app.crud.customer import CustomerRepository
from app.models import Customer
from app.models.enums import GstTreatment
from app.schemas.customer import CustomerFilters
from app.services.crud import CrudService, merged
from app.services.plans import enforce_free_tier
from app.services.statement import customer_balances
from app.utils import gst
from app.utils.clock import today_ist, utcnow

EXPORT_STATE = "96"
GST_FIELDS = ("gst_treatment", "gstin", "state_code", "country_code")
NEEDS_GSTIN = {GstTreatment.REGISTERED, GstTreatment.COMPOSITION, GstTreatment.SEZ}


def resolve_gst_identity(values: dict[str, Any]) -> dict[str, Any]:
    """Fill and cross-check treatment, GSTIN, state and country; raise on contradictions."""
    gstin = values.get("gstin")
    treatment = values.get("gst_treatment") or (
        GstTreatment.REGISTERED if gstin else GstTreatment.UNREGISTERED
    )
    state = values.get("state_code")
    country = values.get("country_code") or "IN"
    if treatment == GstTreatment.OVERSEAS:
        if gstin:
            raise ValidationFailed("An overseas customer has no GSTIN.", field="gstin")
        state, country = EXPORT_STATE, country if country != "IN" else "ZZ"
    elif gstin:
        gstin_state = gst.gstin_state_code(gstin)
        if state is None:
            state = gstin_state
        elif gst.normalize_state_code(state) != gstin_state:
            raise ValidationFailed(
                f"The GSTIN belongs to state {gstin_state} ({gst.state_name(gstin_state)}), "
                f"not {state}.",
                field="state_code",
            )
    if treatment in NEEDS_GSTIN and not gstin:
        raise ValidationFailed(f"A {treatment} customer needs a GSTIN.", field="gstin")
    if treatment == GstTreatment.UNREGISTERED and gstin:
        raise ValidationFailed("An unregistered customer has no GSTIN.", field="gst_treatment")
    if state is None:
        raise ValidationFailed(
            "Give the state code (or a GSTIN to take it from).", field="state_code"
        )
    if state == EXPORT_STATE and treatment != GstTreatment.OVERSEAS:
        raise ValidationFailed("State 96 is only for overseas customers.", field="state_code")
    return {
        **values,
        "gstin": gstin,
        "gst_treatment": treatment,
        "state_code": state,
        "country_code": country,
    }


class CustomerService(CrudService[Customer]):
    repository_class = CustomerRepository
    entity_type = "customer"
    repository: CustomerRepository

    async def prepare(self, values: dict[str, Any], current: Customer | None) -> dict[str, Any]:
        if any(field in values for field in GST_FIELDS) or current is None:
            proposed = merged(current, values, GST_FIELDS)
            if current is not None and values.get("gstin") and "state_code" not in values:
                proposed["state_code"] = None  # a new GSTIN brings its own state
            values = {**values, **_only_gst(resolve_gst_identity(proposed))}
        if values.get("email"):
            values["email"] = values["email"].lower()
        if "cc_emails" in values:
            values["cc_emails"] = [e.lower() for e in values["cc_emails"] or []]
        if current is None:
            await enforce_free_tier(self.session, self.principal.plan, "customers", today_ist())
        if current is None and not values.get("code"):
            values["code"] = await self.repository.next_code()
        await self._check_reference(values, "client_type_id", ClientTypeRepository, "client type")
        await self._check_reference(
            values, "account_manager_id", AccountManagerRepository, "account manager"
        )
        return values

    async def get(self, id_: uuid.UUID) -> Customer:
        """With its balances (outstanding, overdue, advances), computed in SQL."""
        customer = await super().get(id_)
        customer.balances = await customer_balances(self.session, customer.id)  # type: ignore[attr-defined]
        return customer

    def filtered(self, filters: BaseModel | None) -> Select[Customer]:
        return self.repository.filtered(
            filters if isinstance(filters, CustomerFilters) else CustomerFilters()
        )

    async def _check_reference(
        self, values: dict[str, Any], field: str, repository: type[Any], label: str
    ) -> None:
        ref = values.get(field)
        if ref is not None and not await repository(self.session).exists(ref):
            raise ValidationFailed(f"No {label} with id {ref}.", field=field)

    async def before_delete(self, obj: Customer) -> bool:
        """A customer on any invoice is archived (kept for the documents), else deleted."""
        if await self.repository.has_invoices(obj.id):
            obj.archived_at = utcnow()
            obj.is_active = False
            await self.session.flush()
            return False
        return True


def _only_gst(values: dict[str, Any]) -> dict[str, Any]:
    return {k: values[k] for k in GST_FIELDS}
