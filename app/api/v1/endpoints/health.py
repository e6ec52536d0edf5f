"""Liveness and readiness probes (outside /api/v1, no authentication)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "Not ready"}})
async def ready(request: Request) -> JSONResponse:
    """The database answers and its schema is at the migration head this code expects."""
    expected: str = request.app.state.migration_head
    try:
        async with request.app.state.engine.connect() as conn:
            applied = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "error": type(exc).__name__},
            status_code=503,
        )
    if applied != expected:
        return JSONResponse(
            {"status": "unavailable", "database": "ok", "migration": applied, "expected": expected},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "ok", "migration": applied})
