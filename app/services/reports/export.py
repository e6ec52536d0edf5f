"""Report output: exact JSON numbers (GSTR-1), CSV and XLSX from the JSON rows.

CSV and XLSX are written from the same Pydantic rows the JSON answer holds, column for
column, so the three forms never disagree. XLSX uses openpyxl (write-only mode, so a
large register streams into the file instead of building a tree in memory).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any, Final

from pydantic import BaseModel

XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE: Final = "text/csv; charset=utf-8"

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------- exact JSON


def exact_json(value: Any) -> str:
    """JSON text where a Decimal is written as a number with exactly its digits.

    ``json.dumps`` would need a float for a number, and ``float("100000.01")`` is not
    100000.01; the GST portal wants numbers, so Decimals are written digit for digit.
    Compact separators, non-ASCII text as is (``json.dumps(..., ensure_ascii=False)``);
    anything but None, bool, int, str, Decimal, mappings, lists and tuples (floats too)
    is refused.
    """
    return _render(value)


def _render(value: Any) -> str:
    """Each value becomes its text and containers join their items' texts: far cheaper
    than a ``json.dumps`` call per scalar. The exact built-in types (all a report body
    holds) take the first branches; subclasses and other mappings go the general way."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is Decimal:
        return _number(value)
    if kind is dict:
        return _object(value)
    if kind is list:
        return _array(value)
    if kind is int:
        return int.__repr__(value)
    return _render_other(value)


def _render_other(value: Any) -> str:
    if isinstance(value, Decimal):
        return _number(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)  # what json.dumps writes, for int subclasses too
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, Mapping):
        return _object(value)
    if isinstance(value, list | tuple):
        return _array(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _number(value: Decimal) -> str:
    """Plain notation, never an exponent (``str`` is quicker and the same unless it has one)."""
    if not value.is_finite():
        raise ValueError(f"{value} cannot be written as a JSON number")
    text = str(value)
    return format(value, "f") if "E" in text else text


def _object(value: Mapping[Any, Any]) -> str:
    return (
        "{"
        + ",".join(
            [encode_basestring(str(key)) + ":" + _render(item) for key, item in value.items()]
        )
        + "}"
    )


def _array(value: Sequence[Any]) -> str:
    return "[" + ",".join([_render(item) for item in value]) + "]"


# --------------------------------------------------------------------------- tables


def columns(model: type[BaseModel]) -> list[tuple[str, str]]:
    """The row model's (attribute, JSON key) pairs, in the JSON answer's order."""
    return [(name, field.alias or name) for name, field in model.model_fields.items()]


def _csv_cell(text_value: Any, raw: Any) -> Any:
    """The JSON value as text (``true``/``false`` for booleans, empty for null); text that
    a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(raw, str) and raw.startswith(_FORMULA_START):
        return "'" + raw
    if isinstance(text_value, bool):
        return "true" if text_value else "false"
    return "" if text_value is None else text_value


def table_csv(model: type[BaseModel], rows: Sequence[BaseModel]) -> str:
    """Header and one line per row, each value as the JSON answer writes it."""
    pairs = columns(model)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([key for _, key in pairs])
    for row in rows:
        as_json = row.model_dump(mode="json", by_alias=True)
        writer.writerow([_csv_cell(as_json[key], getattr(row, name)) for name, key in pairs])
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def table_xlsx(model: type[BaseModel], rows: Sequence[BaseModel], title: str) -> bytes:
    """One sheet: a bold header, then the rows with numbers as numbers and dates as dates."""
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.styles import Font  # type: ignore[import-untyped, unused-ignore]

    pairs = columns(model)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(value: Any) -> Any:
        written = WriteOnlyCell(sheet, value=_xlsx_value(value))
        if isinstance(value, str):
            written.data_type = "s"  # never a formula, whatever the text starts with
        elif isinstance(value, Decimal):
            exponent = value.as_tuple().exponent
            written.number_format = "#,##0.00" if exponent == -2 else "General"
        elif isinstance(value, date):
            written.number_format = "dd-mm-yyyy"
        return written

    header = []
    for _, key in pairs:
        written = WriteOnlyCell(sheet, value=key)
        written.font = bold
        header.append(written)
    sheet.append(header)
    for row in rows:
        sheet.append([cell(getattr(row, name)) for name, _ in pairs])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
