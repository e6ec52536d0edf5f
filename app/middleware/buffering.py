"""Run an ASGI app with its response held back, for middleware that must see it whole."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Finish = Callable[[Message, bytes], Awaitable[None]]


async def run_buffered(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    finish: Finish,
    wants: Callable[[Message], bool] = lambda start: True,
) -> None:
    """Call ``app``; when ``wants(start message)``, collect the whole body and hand it, with
    the start message, to ``finish`` (which sends the response); else pass it through."""
    start: Message | None = None
    chunks: list[bytes] = []
    holding = False

    async def hold(message: Message) -> None:
        nonlocal start, holding
        if message["type"] == "http.response.start":
            holding = wants(message)
            if not holding:
                await send(message)
                return
            start = message
            return
        if not holding:
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        assert start is not None
        await finish(start, b"".join(chunks))

    await app(scope, receive, hold)
