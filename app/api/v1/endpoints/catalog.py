"""Client types, account managers and service types: standard audited CRUD."""

from __future__ import annotations

from app.api.v1.crud_router import crud_router
from app.schemas.catalog import (
    AccountManagerCreate,
    AccountManagerOut,
    AccountManagerUpdate,
    ClientTypeCreate,
    ClientTypeOut,
    ClientTypeUpdate,
    ServiceTypeCreate,
    ServiceTypeOut,
    ServiceTypeUpdate,
)
from app.services.catalog import AccountManagerService, ClientTypeService, ServiceTypeService

client_types = crud_router(
    prefix="/client-types",
    tag="client-types",
    service_class=ClientTypeService,
    create_schema=ClientTypeCreate,
    update_schema=ClientTypeUpdate,
    out_schema=ClientTypeOut,
)
account_managers = crud_router(
    prefix="/account-managers",
    tag="account-managers",
    service_class=AccountManagerService,
    create_schema=AccountManagerCreate,
    update_schema=AccountManagerUpdate,
    out_schema=AccountManagerOut,
)
service_types = crud_router(
    prefix="/service-types",
    tag="service-types",
    service_class=ServiceTypeService,
    create_schema=ServiceTypeCreate,
    update_schema=ServiceTypeUpdate,
    out_schema=ServiceTypeOut,
)
