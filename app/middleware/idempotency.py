"""Stores the response of a request that claimed an Idempotency-Key, before sending it.

Storing first means a client that got the response and retries at once finds it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.v1.idempotency import STATE_KEY
from app.middleware.buffering import run_buffered
from app.services.idempotency import Claim, StoredResponse, complete, replayable_headers


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return

        async def finish(start: Message, body: bytes) -> None:
            claimed = scope["state"][STATE_KEY]
            stored = StoredResponse(start["status"], replayable_headers(start["headers"]), body)
            await complete(scope["app"].state.sessionmaker, claimed, stored)
            await send(start)
            await send({"type": "http.response.body", "body": body})

        def claimed(_: Message) -> bool:
            return isinstance(scope.get("state", {}).get(STATE_KEY), Claim)

        await run_buffered(self.app, scope, receive, send, finish, claimed)
