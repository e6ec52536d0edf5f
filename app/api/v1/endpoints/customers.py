"""Customers: searchable, filterable; deleting one that is on an invoice archives it."""

from __future__ import annotations

from app.api.v1.crud_router import crud_router
from app.core.permissions import Permission
from app.schemas.customer import CustomerCreate, CustomerFilters, CustomerOut, CustomerUpdate
from app.services.customer import CustomerService

router = crud_router(
    prefix="/customers",
    tag="customers",
    service_class=CustomerService,
    create_schema=CustomerCreate,
    update_schema=CustomerUpdate,
    out_schema=CustomerOut,
    write_permission=Permission.WRITE_DOCUMENTS,
    filter_schema=CustomerFilters,
)
