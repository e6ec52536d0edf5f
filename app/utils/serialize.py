"""JSON-safe snapshots of model rows, for audit ``changes``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, inspect

# Never copied into the audit trail.
SECRET_FIELDS = frozenset({"password_hash", "token_hash"})


# Most column values are of these exact types: checked first, by type, because a
# snapshot converts every column and the generic checks below (``Mapping`` is an ABC)
# cost more than the value itself.
_AS_IS = frozenset({str, int, float, bool, type(None)})
_AS_TEXT = frozenset({Decimal, uuid.UUID})


def json_safe(value: Any) -> Any:
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind in _AS_TEXT or isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, str):  # str enums stay what they are
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def snapshot(obj: Any, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The loaded column values of ``obj`` (all, or ``fields``), minus secrets."""
    names = (
        _column_names(type(obj))
        if fields is None
        else [name for name in fields if name not in SECRET_FIELDS]
    )
    return {name: json_safe(getattr(obj, name, None)) for name in names}


_COLUMN_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _column_names(model: type[Any]) -> tuple[str, ...]:
    names = _COLUMN_NAMES.get(model)
    if names is None:
        # Table columns only: not expressions a query may fill in (query_expression).
        names = _COLUMN_NAMES[model] = tuple(
            attr.key
            for attr in inspect(model).column_attrs
            if all(isinstance(column, Column) for column in attr.columns)
            and attr.key not in SECRET_FIELDS
        )
    return names


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Only what changed: ``{"before": {...}, "after": {...}}``."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {"before": {k: before.get(k) for k in keys}, "after": {k: after[k] for k in keys}}
