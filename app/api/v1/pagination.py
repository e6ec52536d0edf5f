"""Query parameters shared by every list endpoint."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel

from app.core.config import get_settings
from app.core.errors import ValidationFailed
from app.crud.base import Page as RowPage
from app.crud.base import PageParams
from app.schemas.common import Page

_MAX = get_settings().MAX_PAGE_SIZE


async def reject_repeated_query_parameters(request: Request) -> None:
    """``?status=a&status=b`` is ambiguous for a single-valued parameter: refuse it (422)."""
    keys = [key for key, _ in request.query_params.multi_items()]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValidationFailed(
            f"Query parameter(s) given more than once: {', '.join(repeated)}.",
            field=f"query.{repeated[0]}",
        )


async def page_params(
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=_MAX, description=f"At most {_MAX}")] = 20,
    sort: Annotated[
        str | None,
        Query(max_length=40, pattern=r"^-?[a-z_]+$", description="Field name; prefix - for desc"),
    ] = None,
    after: Annotated[
        uuid.UUID | None,
        Query(
            description="Keyset paging: the id of the last item of the previous page (same "
            "filters and sort); the page after it comes back, as fast deep in a long list as "
            "at its start. Use instead of page (page must then be 1)."
        ),
    ] = None,
) -> PageParams:
    if after is not None and page != 1:
        raise ValidationFailed("Give either page or after, not both.", field="query.page")
    limit = request.app.state.settings.LIST_COUNT_LIMIT
    return PageParams(page=page, page_size=page_size, sort=sort, after=after, count_limit=limit)


Pagination = Annotated[PageParams, Depends(page_params)]


SchemaT = TypeVar("SchemaT", bound=BaseModel)


def page_out(
    rows: RowPage[Any], schema: type[SchemaT], convert: Callable[[Any], SchemaT] | None = None
) -> Page[SchemaT]:
    """A page of ORM rows as a page of response schemas: each row validated into
    ``schema``, or built by ``convert`` when it needs more than the row (links)."""
    build = convert or schema.model_validate
    return Page[schema](  # type: ignore[valid-type]
        items=[build(row) for row in rows.items],
        total=rows.total,
        total_exact=rows.total_exact,
        page=rows.page,
        page_size=rows.page_size,
    )
