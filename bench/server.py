"""The bench server: the production app plus the reference routes, in one process stack.

``create_bench_app`` is a uvicorn factory (``bench.server:create_bench_app``) served
exactly like ``python -m app serve`` (workers, uvloop, httptools), so the references pay
the same HTTP, middleware and worker costs as the product routes they are compared to.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from fastapi import Depends, FastAPI, Request, Response

from app.api.v1.services import service_for
from app.core.config import get_settings
from app.core.permissions import Permission
from app.main import create_app
from app.services.invoice import InvoiceService
from bench import raw

JSON = "application/json"


def create_bench_app() -> FastAPI:
    settings = get_settings()
    app = create_app(settings)
    url = settings.DATABASE_URL
    if url is None:
        raise RuntimeError("the bench server needs DATABASE_URL")
    pool_size = int(os.environ.get("BENCH_RAW_POOL_SIZE", str(settings.DB_POOL_SIZE)))
    product_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        async with product_lifespan(application):
            application.state.raw_pool = await raw.create_pool(url, pool_size)
            try:
                yield
            finally:
                await application.state.raw_pool.close()

    app.router.lifespan_context = lifespan

    def pool(request: Request) -> asyncpg.Pool:
        found: asyncpg.Pool = request.app.state.raw_pool
        return found

    @app.get("/bench/constant", include_in_schema=False)
    async def constant() -> dict[str, Any]:
        return {"ok": True}

    reader = Depends(service_for(InvoiceService, Permission.READ))

    @app.get("/bench/authenticated", include_in_schema=False, dependencies=[reader])
    async def authenticated() -> dict[str, Any]:
        """What every product read pays before it reads anything: the product's own
        session, BEGIN, the sign-in session check, COMMIT and the dependencies."""
        return {"ok": True}

    @app.get("/bench/pk-select/{tenant_id}/{invoice_id}", include_in_schema=False)
    async def pk_select(tenant_id: uuid.UUID, invoice_id: uuid.UUID, request: Request) -> Response:
        return Response(await raw.pk_select(pool(request), tenant_id, invoice_id), media_type=JSON)

    @app.get("/bench/raw-list/{tenant_id}", include_in_schema=False)
    async def raw_list(
        tenant_id: uuid.UUID, request: Request, status: str, page: int = 1
    ) -> Response:
        body = await raw.list_page(pool(request), tenant_id, status, page)
        return Response(body, media_type=JSON)

    @app.post("/bench/raw-create-issue", include_in_schema=False)
    async def raw_create_issue(request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        client = (
            request.client.host if request.client else None,
            request.headers.get("user-agent"),
            request.headers.get("x-request-id"),
        )
        try:
            body = await raw.create_issue(
                pool(request), settings, token, await request.json(), client
            )
        except raw.Refused as exc:
            return Response(str(exc), status_code=422)
        return Response(body, status_code=201, media_type=JSON)

    return app
