"""The ``Idempotency-Key`` header on the POSTs that create or move money."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import Response

from app.core.dependencies import CurrentPrincipal, DbSession, SettingsDep
from app.services.idempotency import Replay, bind_to_transaction, claim, fingerprint

STATE_KEY = "idempotency_claim"  # read by app.middleware.idempotency

KeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "Any unique string (a UUID is ideal). A retry with the same key and body gets the "
            "first response again, byte for byte, for 24 hours, and creates nothing new; the "
            "same key with a different body is a 422; while the first is still running, 409."
        ),
    ),
]


async def idempotency_key(
    request: Request,
    principal: CurrentPrincipal,
    session: DbSession,
    settings: SettingsDep,
    key: KeyHeader = None,
) -> None:
    if key is None:
        return
    body = await request.body()
    claimed = await claim(
        request.app.state.sessionmaker,
        principal.tenant_id,
        key,
        fingerprint(request.method, request.url.path, request.scope["query_string"], body),
        timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS),
    )
    bind_to_transaction(session, claimed)
    request.scope.setdefault("state", {})[STATE_KEY] = claimed


Idempotent = Depends(idempotency_key)


def install_replay_handler(app: FastAPI) -> None:
    @app.exception_handler(Replay)
    async def _replay(request: Request, exc: Replay) -> Response:
        headers = {**exc.stored.headers, "Idempotency-Replayed": "true"}
        return Response(exc.stored.body, status_code=exc.stored.status, headers=headers)
