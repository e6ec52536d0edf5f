"""Pure ASGI middleware for web security: response headers and the request body cap.

The JSON API gets the strictest Content-Security-Policy there is (it never serves a page).
Swagger UI and ReDoc are HTML pages that load their bundles from jsdelivr and run one
inline bootstrap script: their policy allows exactly that script, by its SHA-256 taken
from the page actually served, so the docs keep working without ``'unsafe-inline'``
for scripts.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.middleware.buffering import run_buffered
from app.middleware.request_context import send_problem

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
_DOC_CDN = "https://cdn.jsdelivr.net"


@lru_cache(maxsize=8)
def docs_csp(page: bytes) -> str:
    """The policy for one docs page: its CDN bundles plus its own inline scripts."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self' {_DOC_CDN} {hashes}".strip(),
            # Both UIs set inline styles at run time; styles cannot run code.
            f"style-src 'self' 'unsafe-inline' {_DOC_CDN} https://fonts.googleapis.com",
            "font-src https://fonts.gstatic.com data:",
            "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
            "connect-src 'self'",
            "worker-src blob:",  # ReDoc searches in a web worker
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )


class SecurityHeadersMiddleware:
    """nosniff, no referrer, no framing, CSP, no caching by default; HSTS over HTTPS."""

    def __init__(self, app: ASGIApp, *, docs_paths: frozenset[str], hsts_max_age: int) -> None:
        self.app = app
        self.docs_paths = docs_paths
        self.hsts = f"max-age={hsts_max_age}; includeSubDomains" if hsts_max_age else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path") in self.docs_paths:
            await self._docs(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._common(MutableHeaders(scope=message), https, API_CSP)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _common(self, headers: MutableHeaders, https: bool, csp: str) -> None:
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        # Tenant data must not sit in shared caches; responses with an ETag say
        # "private, no-cache" themselves, so browsers still revalidate with If-None-Match.
        headers.setdefault("Cache-Control", "no-store")
        if https and self.hsts:
            headers.setdefault("Strict-Transport-Security", self.hsts)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the (small) docs page to derive its policy from the exact bytes sent."""

        async def finish(start: Message, page: bytes) -> None:
            headers = MutableHeaders(scope=start)
            self._common(headers, scope.get("scheme") == "https", docs_csp(page))
            del headers["Cache-Control"]  # a public page
            await send(start)
            await send({"type": "http.response.body", "body": page})

        await run_buffered(self.app, scope, receive, send, finish)


class BodySizeLimitMiddleware:
    """Refuse request bodies over the cap with 413, before any of it reaches an endpoint.

    A declared Content-Length over the cap is refused at once; a chunked body is read up
    to the cap and refused as soon as it goes over. Bodies here are JSON documents, so
    the buffered copy is small.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            body.extend(message.get("body", b""))
            if len(body) > self.max_bytes:
                await self._refuse(scope, send)
                return
            if not message.get("more_body"):
                break
        replayed: Message = {"type": "http.request", "body": bytes(body), "more_body": False}
        await self.app(scope, _replay([replayed], then=receive), send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await send_problem(
            send,
            scope,
            413,
            "payload-too-large",
            "Payload too large",
            f"The request body is larger than {self.max_bytes} bytes.",
            headers=[(b"connection", b"close")],
        )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A receive callable that hands out ``messages`` first, then defers to ``then``."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive
