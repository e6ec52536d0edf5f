"""Response conveniences for JSON GETs: partial responses (``?fields=``) and ETags.

``?fields=id,number,grand_total`` trims a detail response, or every item of a page, to
those fields. Which names are allowed comes from the response model of the route that
answered (``scope["route"]``); an unknown name is a 422. The OpenAPI document gets the
parameter on the same operations, read from their documented 200 schemas.

Every JSON 200 to a GET carries a weak ETag of its bytes (after trimming), and an
``If-None-Match`` that matches answers 304 with no body: a client polling an invoice
pays for the query but not for the transfer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.middleware.buffering import run_buffered
from app.middleware.request_context import send_problem
from app.utils.http import etag_matches

FIELDS_PARAMETER = "fields"
_MAX_FIELDS_LENGTH = 1000


@dataclass(frozen=True)
class Trimmable:
    """A response model whose JSON can be trimmed: its field names, and whether a page."""

    allowed: frozenset[str]
    paged: bool


_PAGE_FIELDS = frozenset({"items", "total", "page", "page_size"})


@lru_cache(maxsize=512)
def trimmable(model: Any) -> Trimmable | None:
    """What ``?fields=`` may name for a route answering with ``model`` (None: not at all)."""
    if not isinstance(model, type) or not issubclass(model, BaseModel):
        return None
    fields = model.model_fields
    if set(fields) >= _PAGE_FIELDS:
        item = getattr(fields["items"].annotation, "__args__", (None,))[0]
        if isinstance(item, type) and issubclass(item, BaseModel):
            return Trimmable(frozenset(item.model_fields), paged=True)
        return None
    return Trimmable(frozenset(fields), paged=False)


def _component(schema: dict[str, Any], ref: str | None) -> dict[str, Any] | None:
    if not ref or not ref.startswith("#/components/schemas/"):
        return None
    found: dict[str, Any] | None = schema["components"]["schemas"].get(ref.rsplit("/", 1)[1])
    return found


def _documented_fields(schema: dict[str, Any], operation: dict[str, Any]) -> Trimmable | None:
    """The same answer as ``trimmable``, read from the OpenAPI document of one GET."""
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    body = _component(schema, content.get("application/json", {}).get("schema", {}).get("$ref"))
    if body is None:
        return None
    properties: dict[str, Any] = body.get("properties", {})
    if set(properties) >= _PAGE_FIELDS:
        item = _component(schema, properties["items"].get("items", {}).get("$ref"))
        if item is None:
            return None
        return Trimmable(frozenset(item.get("properties", {})), paged=True)
    return Trimmable(frozenset(properties), paged=False)


def document_fields_parameter(app: FastAPI) -> None:
    """Add ``fields`` to the OpenAPI GET operations that honour it."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path_item in schema["paths"].values():
            operation = path_item.get("get")
            found = _documented_fields(schema, operation) if operation else None
            if operation is None or found is None:
                continue
            names = ", ".join(sorted(found.allowed))
            operation.setdefault("parameters", []).append(
                {
                    "name": FIELDS_PARAMETER,
                    "in": "query",
                    "required": False,
                    "description": (
                        "Comma-separated fields to return"
                        + (" for each item" if found.paged else "")
                        + f" (partial response). One of: {names}."
                    ),
                    "schema": {
                        "type": "string",
                        "maxLength": _MAX_FIELDS_LENGTH,
                        "pattern": r"^[a-z0-9_]+(,[a-z0-9_]+)*$",
                    },
                }
            )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _requested_fields(scope: Scope) -> str | None:
    query = scope.get("query_string", b"").decode("latin-1")
    values = parse_qs(query, keep_blank_values=True).get(FIELDS_PARAMETER)
    return values[-1] if values else None


def _trim(body: bytes, wanted: set[str], paged: bool) -> bytes:
    document = json.loads(body)
    if paged and isinstance(document, dict):
        document["items"] = [
            {k: v for k, v in item.items() if k in wanted} for item in document.get("items", [])
        ]
    elif isinstance(document, dict):
        document = {k: v for k, v in document.items() if k in wanted}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


class JsonGetMiddleware:
    """``?fields=`` trimming and ETag/304 for JSON GET responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return

        def json_ok(start: Message) -> bool:
            headers = Headers(raw=start["headers"])
            json = headers.get("content-type", "").startswith("application/json")
            return start["status"] == 200 and json and "etag" not in headers

        async def finish(start: Message, body: bytes) -> None:
            await _finish(scope, send, start, body)

        await run_buffered(self.app, scope, receive, send, finish, json_ok)


async def _finish(scope: Scope, send: Send, start: Message, body: bytes) -> None:
    requested = _requested_fields(scope)
    route = scope.get("route")
    shape = trimmable(route.response_model) if isinstance(route, APIRoute) else None
    if requested is not None and shape is not None:
        wanted = {name.strip() for name in requested.split(",") if name.strip()}
        unknown = sorted(wanted - shape.allowed)
        if unknown or not wanted or len(requested) > _MAX_FIELDS_LENGTH:
            await send_problem(
                send,
                scope,
                422,
                "validation-error",
                "Validation failed",
                f"query.fields: unknown field(s) {', '.join(unknown) or '(none given)'}; "
                f"allowed: {', '.join(sorted(shape.allowed))}.",
            )
            return
        body = _trim(body, wanted, shape.paged)
    etag = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = MutableHeaders(scope=start)
    headers["ETag"] = etag
    headers["Cache-Control"] = "private, no-cache"
    if etag_matches(Headers(scope=scope).get("if-none-match"), etag):
        del headers["Content-Length"]
        del headers["Content-Type"]
        start["status"] = 304
        await send(start)
        await send({"type": "http.response.body", "body": b""})
        return
    headers["Content-Length"] = str(len(body))
    await send(start)
    await send({"type": "http.response.body", "body": body})
