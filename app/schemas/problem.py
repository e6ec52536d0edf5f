"""The RFC 9457 problem document, as the OpenAPI describes every error response."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str = Field(description="Dotted path, e.g. body.gstin or query.page_size")
    message: str
    type: str


class Problem(BaseModel):
    type: str = Field(description="URI identifying the problem type")
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = Field(default=None, description="Validation failures")


_TITLES = {
    400: "Bad request",
    401: "Missing, invalid or expired credentials",
    402: "Plan limit reached",
    403: "Your role does not allow this",
    404: "Not found (also for another tenant's ids)",
    409: "Conflict with the current state",
    413: "Payload too large",
    422: "Validation failed",
    429: "Too many requests",
}


def _inline_schema() -> dict[str, Any]:
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = schema.pop("$defs", {})
    errors = schema["properties"]["errors"]["anyOf"][0]
    errors["items"] = definitions["FieldError"]
    schema["additionalProperties"] = True
    return schema


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for ``statuses``, all as application/problem+json."""
    schema = _inline_schema()
    return {
        status: {
            "description": _TITLES[status],
            "content": {"application/problem+json": {"schema": schema}},
        }
        for status in statuses
    }
