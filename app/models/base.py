"""Declarative base and the conventions every table follows.

- Tenant-owned tables have a composite primary key ``(tenant_id, id)`` so that they
  can be distributed by ``tenant_id`` (Citus requires the distribution column in
  every primary key and unique constraint).
- A reference from one tenant-owned table to another is a composite foreign key over
  ``(tenant_id, <id>)``: the database itself rejects a row that points at another
  tenant's record.
- Statuses are TEXT with CHECK constraints (cheaper to evolve than PostgreSQL enums).
- Money is ``NUMERIC(18,2)``; rates and quantities have their own explicit scale.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    MetaData,
    Numeric,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.utils.ids import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MONEY = Numeric(18, 2)
RATE = Numeric(7, 4)
QUANTITY = Numeric(18, 3)
UNIT_PRICE = Numeric(18, 4)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        uuid.UUID: UUID(as_uuid=True),
        datetime: DateTime(timezone=True),
        date: Date,
        Decimal: MONEY,
        str: Text,
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
    }


class Timestamped:
    # Server-side defaults (timestamps) come back with RETURNING, not another SELECT.
    __mapper_args__: ClassVar[dict[str, Any]] = {"eager_defaults": True}

    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), sort_order=900)
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), onupdate=func.now(), sort_order=901
    )


class TenantOwned(Timestamped):
    """Mixin for every row that belongs to one tenant."""

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, sort_order=-100
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7, sort_order=-99)


def tenant_fk(
    column: str, target: str, *, ondelete: str | None = None, name: str | None = None
) -> ForeignKeyConstraint:
    """Composite foreign key ``(tenant_id, column) -> target(tenant_id, id)``."""
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{target}.tenant_id", f"{target}.id"],
        ondelete=ondelete,
        name=name,
    )


def one_of(column: str, values: type[enum.StrEnum] | tuple[str, ...], name: str) -> CheckConstraint:
    """CHECK that ``column`` holds one of the known values."""
    options = [v.value for v in values] if isinstance(values, type) else list(values)
    quoted = ", ".join(f"'{value}'" for value in options)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


def non_negative(*columns: str) -> list[CheckConstraint]:
    return [CheckConstraint(f"{c} >= 0", name=f"{c}_non_negative") for c in columns]
