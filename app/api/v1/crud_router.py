"""Builds the standard five routes for a simple audited resource.

No ``from __future__ import annotations`` here: FastAPI must see the real classes in
the signatures of the generated endpoints.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel

from app.api.v1.pagination import Pagination, page_out
from app.api.v1.routing import ResourceRouter
from app.api.v1.services import service_for
from app.core.permissions import Permission
from app.schemas.common import Page
from app.services.crud import CrudService


class _NoFilters(BaseModel):
    pass


def crud_router(
    *,
    prefix: str,
    tag: str,
    service_class: type[CrudService[Any]],
    create_schema: type[BaseModel],
    update_schema: type[BaseModel],
    out_schema: type[BaseModel],
    write_permission: Permission = Permission.MANAGE_SETTINGS,
    filter_schema: type[BaseModel] | None = None,
) -> APIRouter:
    router = ResourceRouter(prefix=prefix, tags=[tag])
    label = tag.rstrip("s").replace("-", " ")

    Reader = Annotated[CrudService[Any], Depends(service_for(service_class, Permission.READ))]
    Writer = Annotated[CrudService[Any], Depends(service_for(service_class, write_permission))]
    PageOut = Page[out_schema]  # type: ignore[valid-type]

    filters_type = filter_schema or _NoFilters

    @router.get("", response_model=PageOut, summary=f"List {tag}")
    async def list_items(
        service: Reader,
        pagination: Pagination,
        filters: Annotated[filters_type, Query()],  # type: ignore[valid-type]
    ) -> Any:
        return page_out(await service.list(pagination, filters), out_schema)

    @router.post(
        "",
        response_model=out_schema,
        status_code=status.HTTP_201_CREATED,
        summary=f"Create {label}",
    )
    async def create_item(body: create_schema, service: Writer) -> Any:  # type: ignore[valid-type]
        return out_schema.model_validate(await service.create(body))

    @router.get("/{item_id}", response_model=out_schema, summary=f"Get {label}")
    async def get_item(item_id: uuid.UUID, service: Reader) -> Any:
        return out_schema.model_validate(await service.get(item_id))

    @router.put("/{item_id}", response_model=out_schema, summary=f"Update {label}")
    async def update_item(item_id: uuid.UUID, body: update_schema, service: Writer) -> Any:  # type: ignore[valid-type]
        return out_schema.model_validate(await service.update(item_id, body))

    @router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT, summary=f"Delete {label}")
    async def delete_item(item_id: uuid.UUID, service: Writer) -> None:
        await service.delete(item_id)

    return router
