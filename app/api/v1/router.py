"""Every /api/v1 router, in one place."""

from fastapi import APIRouter, Depends

from app.api.v1.endpoints import (
    api_tokens,
    audit_logs,
    auth,
    catalog,
    companies,
    credit_notes,
    customers,
    dashboard,
    data_rights,
    dunning,
    invoices,
    receipts,
    reports,
    tax_rates,
    tenants,
    users,
)
from app.api.v1.pagination import reject_repeated_query_parameters
from app.schemas.problem import problem_responses

# Every route documents the errors it can answer with, so clients (and the schema
# fuzzer) know their shape.
api_router = APIRouter(
    responses=problem_responses(400, 401, 402, 403, 404, 409, 413, 422),
    dependencies=[Depends(reject_repeated_query_parameters)],
)
api_router.include_router(auth.router)
api_router.include_router(tenants.router)
api_router.include_router(users.router)
api_router.include_router(api_tokens.router)
api_router.include_router(companies.companies)
api_router.include_router(companies.document_series)
api_router.include_router(companies.gst_settings)
api_router.include_router(customers.router)
api_router.include_router(dunning.router)
api_router.include_router(invoices.router)
api_router.include_router(receipts.router)
api_router.include_router(credit_notes.router)
api_router.include_router(catalog.service_types)
api_router.include_router(catalog.client_types)
api_router.include_router(catalog.account_managers)
api_router.include_router(tax_rates.router)
api_router.include_router(audit_logs.router)
api_router.include_router(dashboard.router)
api_router.include_router(reports.router)
api_router.include_router(data_rights.router)
