"""One small exception hierarchy, mapped once to RFC 9457 ``application/problem+json``.

Services raise these; nothing else builds an error response. Database errors that
bad input can still cause (a unique or foreign-key violation) are mapped to 4xx
here, so no client input reaches a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.core.request_context import current_request_id

logger = logging.getLogger("app.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://rms-billing.dev/problems/"


class AppError(Exception):
    """A failure the client can act on. Subclasses set status, slug and title."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"
    # When True the request's transaction is committed even though the request fails
    # (a failed login still writes its audit row; a reused refresh token still revokes).
    keeps_writes: bool = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra or {}
        self.headers = headers or {}


class BadRequest(AppError):
    pass


class NotFound(AppError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, slug, title = 409, "conflict", "Conflict"


class ValidationFailed(AppError):
    status, slug, title = 422, "validation-error", "Validation failed"

    def __init__(self, detail: str, *, field: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        if field is not None:
            self.extra.setdefault("errors", []).append(
                {"field": field, "message": detail, "type": "value_error"}
            )


class Unauthorized(AppError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class PersistedUnauthorized(Unauthorized):
    """A 401 whose side effects (audit row, revoked session) must be kept."""

    keeps_writes = True


class Forbidden(AppError):
    status, slug, title = 403, "forbidden", "Forbidden"


class PayloadTooLarge(AppError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


def problem_response(
    request: Request | None,
    status: int,
    slug: str,
    title: str,
    detail: str | None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update(extra or {})
    body["request_id"] = current_request_id()
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _field_path(location: Sequence[Any]) -> str:
    return ".".join(str(part) for part in location)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "field": _field_path(error.get("loc", ())),
            "message": str(error.get("msg", "invalid")).removeprefix("Value error, "),
            "type": str(error.get("type", "value_error")),
        }
        for error in exc.errors()
    ]


# SQLSTATE classes a client can cause with well-formed but unacceptable input.
_SQLSTATE_PROBLEMS: dict[str, tuple[int, str, str, str]] = {
    "23505": (409, "conflict", "Conflict", "A record with these values already exists."),
    "23503": (422, "invalid-reference", "Invalid reference", "A referenced record does not exist."),
    "23514": (
        422,
        "validation-error",
        "Validation failed",
        "A value is outside its allowed range.",
    ),
    "23502": (422, "validation-error", "Validation failed", "A required value is missing."),
    "22003": (422, "validation-error", "Validation failed", "A number is too large."),
    "22001": (422, "validation-error", "Validation failed", "A value is too long."),
    "22021": (422, "validation-error", "Validation failed", "Text contains invalid characters."),
    "22P05": (422, "validation-error", "Validation failed", "Text contains invalid characters."),
    "40001": (409, "conflict", "Conflict", "A concurrent change interfered; retry the request."),
    "40P01": (409, "conflict", "Conflict", "A concurrent change interfered; retry the request."),
}


def sqlstate_of(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(code, str):
            return code
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None


_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (RFC 9110: a 405 lists them all;
    Starlette names only the first matching route's)."""
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
        )
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem_response(
            request, exc.status, exc.slug, exc.title, exc.detail, exc.extra, exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem_response(
            request, 422, "validation-error", "Validation failed", detail, {"errors": errors}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        detail = exc.detail if isinstance(exc.detail, str) else title
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem_response(request, exc.status_code, slug, title, detail, headers=headers)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        mapped = _SQLSTATE_PROBLEMS.get(sqlstate_of(exc) or "")
        if mapped is None:
            raise exc
        status, slug, title, detail = mapped
        logger.info("database refused a write", extra={"sqlstate": sqlstate_of(exc)})
        return problem_response(request, status, slug, title, detail)
