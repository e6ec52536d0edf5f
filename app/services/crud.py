"""Create / read / update / delete for one entity, audited, with hooks for domain rules.

Simple master data (client types, account managers, service types) uses this as is;
richer entities subclass it and override ``prepare`` (normalise and check the values
a write would store) or ``before_delete``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Generic

from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import Principal, RequestInfo
from app.core.errors import Conflict, sqlstate_of
from app.crud.base import ModelT, Page, PageParams, Repository
from app.services.audit import AuditService
from app.utils.serialize import snapshot

FOREIGN_KEY_VIOLATION = "23503"


class CrudService(Generic[ModelT]):
    repository_class: ClassVar[type[Repository[Any]]]
    entity_type: ClassVar[str]

    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.principal = principal
        self.repository: Repository[ModelT] = self.repository_class(session)
        self.audit = AuditService(session, request, principal.user_id)

    async def get(self, id_: uuid.UUID) -> ModelT:
        return await self.repository.get_or_404(id_)

    def filtered(self, filters: BaseModel | None) -> Select[ModelT]:
        """The list query for ``filters`` (none by default; subclasses add theirs)."""
        return self.repository.select()

    async def list(self, params: PageParams, filters: BaseModel | None = None) -> Page[ModelT]:
        return await self.repository.paginate(self.filtered(filters), params)

    async def prepare(self, values: dict[str, Any], current: ModelT | None) -> dict[str, Any]:
        """Normalise and check the values about to be written (``current`` on update)."""
        return values

    async def create(self, data: BaseModel) -> ModelT:
        # Schema defaults count on create (None means "not given": the column default applies).
        values = await self.prepare(data.model_dump(exclude_none=True), None)
        obj = await self.repository.add(self.repository.model(**values))
        self.audit.created(self.entity_type, obj)
        return obj

    async def update(self, id_: uuid.UUID, data: BaseModel) -> ModelT:
        obj = await self.repository.get_or_404(id_, for_update=True)
        before = snapshot(obj)
        values = await self.prepare(data.model_dump(exclude_unset=True), obj)
        await self.repository.update(obj, values)
        self.audit.updated(self.entity_type, obj, before)
        return obj

    async def before_delete(self, obj: ModelT) -> bool:
        """Return False to keep the row (the override archived it instead)."""
        return True

    async def delete(self, id_: uuid.UUID) -> None:
        obj = await self.repository.get_or_404(id_, for_update=True)
        if await self.before_delete(obj):
            self.audit.deleted(self.entity_type, obj)
            try:
                await self.repository.delete(obj)
            except IntegrityError as exc:
                if sqlstate_of(exc) != FOREIGN_KEY_VIOLATION:
                    raise
                raise Conflict(
                    f"This {self.repository.entity.lower()} is still used by other records."
                ) from exc
        else:
            self.audit.deleted(self.entity_type, obj, action="archived")


def merged(current: Any, values: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The row as it would be after the write: stored values overlaid with the new ones."""
    base = {name: getattr(current, name) for name in fields} if current is not None else {}
    return {**base, **values}
