"""Customers: searchable, filterable; deleting one that is on an invoice archives it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response

from app.api.v1.crud_router import crud_router
from app.api.v1.services import service_for
from app.core.dependencies import DbSession
from app.core.permissions import Permission
from app.crud.catalog import CompanyRepository
from app.schemas.common import IsoDate
from app.schemas.customer import (
    CustomerCreate,
    CustomerFilters,
    CustomerOut,
    CustomerUpdate,
    StatementEntryOut,
    StatementOut,
)
from app.services.customer import CustomerService
from app.services.statement import StatementService, statement_csv, statement_pdf

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


StatementReader = Annotated[
    StatementService, Depends(service_for(StatementService, Permission.READ))
]
StatementFormat = Literal["json", "csv", "pdf"]


@router.get(
    "/{item_id}/statement",
    response_model=StatementOut,
    responses={
        200: {
            "content": {"text/csv": {}, "application/pdf": {}},
            "description": "JSON, or CSV / PDF with ?format=",
        }
    },
)
async def customer_statement(
    item_id: uuid.UUID,
    service: StatementReader,
    session: DbSession,
    date_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to")] = None,
    format: StatementFormat = "json",
) -> Any:
    """Opening balance, every invoice, receipt (with TDS), credit note and refund in date
    order with a running balance, and the closing balance (default: this financial year)."""
    statement = await service.statement(item_id, date_from, date_to)
    filename = f"statement-{statement.customer.code}-{statement.date_to.isoformat()}"
    if format == "csv":
        return Response(
            statement_csv(statement),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )
    if format == "pdf":
        company = await CompanyRepository(session).default()
        content = await statement_pdf(
            statement,
            company.trade_name or company.legal_name if company else "",
            company.gstin if company else None,
        )
        return Response(
            content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'},
        )
    return StatementOut(
        customer_id=statement.customer.id,
        customer_name=statement.customer.name,
        date_from=statement.date_from,
        date_to=statement.date_to,
        opening_balance=statement.opening_balance,
        entries=[
            StatementEntryOut.model_validate(e, from_attributes=True) for e in statement.entries
        ],
        total_debit=statement.total_debit,
        total_credit=statement.total_credit,
        closing_balance=statement.closing_balance,
    )
