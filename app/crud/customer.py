"""Customer queries: search and filters are applied here, on top of the tenant scope."""

from __future__ import annotations

import uuid

from sqlalchemy import Numeric, Select, exists, func, or_, select

from app.crud.base import Repository
from app.models import Customer, Invoice
from app.schemas.customer import CustomerFilters


class CustomerRepository(Repository[Customer]):
    model = Customer
    entity = "Customer"
    sortable = {"name": "name", "code": "code", "created_at": "created_at"}
    default_sort = "name"

    def filtered(self, filters: CustomerFilters) -> Select[Customer]:
        stmt = self.select()
        if not filters.include_archived:
            stmt = stmt.where(Customer.archived_at.is_(None))
        if filters.search:
            pattern = f"%{_escape_like(filters.search)}%"
            stmt = stmt.where(
                or_(
                    Customer.name.ilike(pattern, escape="\\"),
                    Customer.email.ilike(pattern, escape="\\"),
                    Customer.gstin.ilike(pattern, escape="\\"),
                    Customer.code.ilike(pattern, escape="\\"),
                )
            )
        if filters.client_type_id:
            stmt = stmt.where(Customer.client_type_id == filters.client_type_id)
        if filters.account_manager_id:
            stmt = stmt.where(Customer.account_manager_id == filters.account_manager_id)
        if filters.state_code:
            stmt = stmt.where(Customer.state_code == filters.state_code)
        return stmt

    async def has_invoices(self, customer_id: uuid.UUID) -> bool:
        stmt = select(
            exists().where(Invoice.tenant_id == self.tenant_id, Invoice.customer_id == customer_id)
        )
        return bool((await self.session.execute(stmt)).scalar())

    async def next_code(self) -> str:
        """``C-00001`` style codes, one above the highest numeric code in use."""
        digits = func.nullif(func.regexp_replace(Customer.code, "[^0-9]", "", "g"), "")
        stmt = select(func.max(digits.cast(Numeric))).where(Customer.tenant_id == self.tenant_id)
        highest = (await self.session.execute(stmt)).scalar() or 0
        return f"C-{int(highest) + 1:05d}"


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
