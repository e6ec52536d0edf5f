"""The generic repository: the one place that scopes every statement to the tenant.

The tenant comes from the session (set once per request from the verified token by
``set_tenant``), never from an argument, so no endpoint or service can forget it or
pass another tenant's id. Row-level security enforces the same rule a second time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.base import ExecutableOption

from app.core.database import current_tenant
from app.core.errors import NotFound, ValidationFailed
from app.models.base import Base

# Any model with a ``tenant_id`` column (TenantOwned tables and the audit log).
ModelT = TypeVar("ModelT", bound=Base)


class TenantNotSet(RuntimeError):
    """A repository was used on a session that was never scoped to a tenant (a bug)."""


@dataclass(frozen=True)
class PageParams:
    page: int = 1
    page_size: int = 20
    sort: str | None = None
    # Keyset continuation: the id of the last row of the previous page. The next page
    # starts right after it in the sort order, as fast on page 5,000 as on page 1.
    after: uuid.UUID | None = None
    # The total is counted up to here (None: exactly, however long the list).
    count_limit: int | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class Page(Generic[ModelT]):
    items: Sequence[ModelT]
    total: int
    page: int
    page_size: int
    total_exact: bool = True


_BY_ID: dict[tuple[type[Any], tuple[ExecutableOption, ...], bool], Select[Any]] = {}


class Repository(Generic[ModelT]):
    """CRUD over one tenant-owned model. Subclasses set ``model``, ``entity`` and ``sortable``."""

    model: ClassVar[type[Any]]
    entity: ClassVar[str] = "Record"
    sortable: ClassVar[Mapping[str, str]] = {"created_at": "created_at"}
    default_sort: ClassVar[str] = "-created_at"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def tenant_id(self) -> uuid.UUID:
        tenant_id = current_tenant(self.session)
        if tenant_id is None:
            raise TenantNotSet(f"{type(self).__name__} used without a tenant")
        return tenant_id

    def scope(self, **params: Any) -> dict[str, Any]:
        """Parameters for a statement built once with ``bindparam("tenant_id")``: the
        tenant comes from here, like every other filter this class adds."""
        return {"tenant_id": self.tenant_id, **params}

    def _column(self, name: str) -> InstrumentedAttribute[Any]:
        column: InstrumentedAttribute[Any] = getattr(self.model, name)
        return column

    @classmethod
    def visible(cls) -> tuple[ColumnElement[bool], ...]:
        """What every query of this repository adds besides the tenant (soft deletes)."""
        return ()

    def select(self) -> Select[ModelT]:
        """``SELECT model WHERE tenant_id = <current tenant>``: the start of every query."""
        return select(self.model).where(
            self._column("tenant_id") == self.tenant_id, *self.visible()
        )

    @classmethod
    def _by_id(cls, options: tuple[ExecutableOption, ...], for_update: bool) -> Select[ModelT]:
        """``get``'s statement, built once per repository and loader options: building a
        select costs more than running a cached one, and a lookup by id is on every request."""
        key = (cls, options, for_update)
        stmt = _BY_ID.get(key)
        if stmt is None:
            model = cls.model
            stmt = select(model).where(
                model.tenant_id == bindparam("tenant_id"),
                model.id == bindparam("id"),
                *cls.visible(),
            )
            stmt = stmt.options(*options)
            if for_update:  # re-read under the lock, even if the session holds an older copy
                stmt = stmt.with_for_update().execution_options(populate_existing=True)
            _BY_ID[key] = stmt
        return stmt

    async def get(
        self,
        id_: uuid.UUID,
        *,
        options: Iterable[ExecutableOption] = (),
        for_update: bool = False,
    ) -> ModelT | None:
        stmt = self._by_id(tuple(options), for_update)
        result = await self.session.execute(stmt, self.scope(id=id_))
        found: ModelT | None = result.unique().scalar_one_or_none()  # unique: joined lines
        return found

    async def get_or_404(
        self,
        id_: uuid.UUID,
        *,
        options: Iterable[ExecutableOption] = (),
        for_update: bool = False,
    ) -> ModelT:
        found = await self.get(id_, options=options, for_update=for_update)
        if found is None:
            raise NotFound(f"{self.entity} {id_} was not found.")
        return found

    async def exists(self, id_: uuid.UUID) -> bool:
        stmt = select(self.select().where(self._column("id") == id_).exists())
        return bool((await self.session.execute(stmt)).scalar())

    def _sort_key(self, sort: str | None) -> tuple[InstrumentedAttribute[Any], bool]:
        """The whitelisted column of ``sort`` (``name`` or ``-name``) and whether it descends."""
        key = sort or self.default_sort
        name = key.lstrip("-")
        if name not in self.sortable:
            allowed = ", ".join(sorted(self.sortable))
            raise ValidationFailed(f"Cannot sort by '{name}'; use one of: {allowed}.", field="sort")
        return self._column(self.sortable[name]), key.startswith("-")

    def order_by(self, stmt: Select[ModelT], sort: str | None) -> Select[ModelT]:
        """Apply ``sort`` (``name`` or ``-name``) from the whitelist, then ``id`` as tie-break."""
        column, descending = self._sort_key(sort)
        id_column = self._column("id")
        if descending:
            return stmt.order_by(column.desc(), id_column.desc())
        return stmt.order_by(column.asc(), id_column.asc())

    async def _after(self, params: PageParams) -> ColumnElement[bool]:
        """Rows after the ``after`` row in the sort order (PostgreSQL puts NULLs last when
        ascending, first when descending). An id this repository cannot see is refused."""
        column, descending = self._sort_key(params.sort)
        id_column = self._column("id")
        anchor = self.select().with_only_columns(column).where(id_column == params.after)
        found = (await self.session.execute(anchor)).first()
        if found is None:
            raise ValidationFailed("No row with this id to continue after.", field="after")
        value = found[0]
        if value is None:  # among the NULLs: the rest of them, then (descending) the values
            rest = and_(
                column.is_(None),
                id_column < params.after if descending else id_column > params.after,
            )
            return or_(rest, column.is_not(None)) if descending else rest
        if descending:
            return tuple_(column, id_column) < tuple_(
                literal(value, column.type), literal(params.after, id_column.type)
            )
        return or_(
            tuple_(column, id_column)
            > tuple_(literal(value, column.type), literal(params.after, id_column.type)),
            column.is_(None),
        )

    @staticmethod
    def where_equal(stmt: Select[ModelT], *pairs: tuple[Any, Any]) -> Select[ModelT]:
        """``column == value`` for every pair whose value was given (filters)."""
        for column, value in pairs:
            if value is not None:
                stmt = stmt.where(column == value)
        return stmt

    @staticmethod
    def where_between(
        stmt: Select[ModelT], column: Any, low: Any | None, high: Any | None
    ) -> Select[ModelT]:
        """Inclusive bounds, each optional (date and amount ranges)."""
        if low is not None:
            stmt = stmt.where(column >= low)
        if high is not None:
            stmt = stmt.where(column <= high)
        return stmt

    async def paginate(self, stmt: Select[Any], params: PageParams) -> Page[Any]:
        """One page of ``stmt`` plus the total count of ``stmt``: by offset (``page``) or,
        with ``after``, by keyset (no rows are skipped over, so deep pages stay fast).
        A statement of the model gives its objects; one of columns gives rows (read by
        label, like attributes), which a list that only shows them loads faster.

        The total rides on the page's own statement as an uncorrelated scalar subquery
        (PostgreSQL runs it once, as an InitPlan): one round trip instead of two. Only a
        page past the end, which has no row to carry it, counts separately. Counting
        stops one row past ``count_limit``: an exact count reads every matching row, so
        the 100,000-invoice tenant's first page would cost a hundred times a small one's."""
        counted = stmt.order_by(None)
        if params.count_limit is not None:
            counted = counted.limit(params.count_limit + 1)
        total_of = select(func.count()).select_from(counted.subquery()).correlate(None)
        ordered = self.order_by(stmt, params.sort).limit(params.page_size)
        if params.after is not None:
            ordered = ordered.where(await self._after(params))
        else:
            ordered = ordered.offset(params.offset)
        rows = (await self.session.execute(ordered.add_columns(total_of.scalar_subquery()))).all()
        if rows:
            total = int(rows[0][-1])
        elif params.after is None and params.page == 1:
            total = 0
        else:
            total = int((await self.session.execute(total_of)).scalar_one())
        limit = params.count_limit
        exact = limit is None or total <= limit
        if limit is not None:
            total = min(total, limit)
        entities = len(stmt.column_descriptions) == 1
        items = [row[0] for row in rows] if entities else rows
        return Page(items, total, params.page, params.page_size, total_exact=exact)

    async def add(self, obj: ModelT) -> ModelT:
        obj.tenant_id = self.tenant_id  # type: ignore[attr-defined]
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def add_all(self, objects: Sequence[ModelT]) -> None:
        for obj in objects:
            obj.tenant_id = self.tenant_id  # type: ignore[attr-defined]
        self.session.add_all(objects)
        await self.session.flush()

    async def update(self, obj: ModelT, values: Mapping[str, Any]) -> ModelT:
        if getattr(obj, "tenant_id", None) != self.tenant_id:
            raise NotFound(f"{self.entity} was not found.")
        for name, value in values.items():
            setattr(obj, name, value)
        await self.session.flush()
        return obj

    async def delete(self, obj: ModelT) -> None:
        if getattr(obj, "tenant_id", None) != self.tenant_id:
            raise NotFound(f"{self.entity} was not found.")
        await self.session.delete(obj)
        await self.session.flush()

    async def update_where(self, *criteria: Any, values: Mapping[str, Any]) -> int:
        stmt = (
            update(self.model)
            .where(self._column("tenant_id") == self.tenant_id, *criteria)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)

    async def delete_where(self, *criteria: Any) -> int:
        stmt = delete(self.model).where(self._column("tenant_id") == self.tenant_id, *criteria)
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)
