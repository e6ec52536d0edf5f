"""Every /api/v1 router, in one place."""

from fastapi import APIRouter

from app.api.v1.endpoints import audit_logs, auth, catalog, customers, tax_rates, tenants

api_router = APIRouter()
api_router.include_router(auth.router)
api_router.include_router(tenants.router)
api_router.include_router(customers.router)
api_router.include_router(catalog.service_types)
api_router.include_router(catalog.client_types)
api_router.include_router(catalog.account_managers)
api_router.include_router(tax_rates.router)
api_router.include_router(audit_logs.router)
