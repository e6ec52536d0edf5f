"""The aging rows PostgreSQL writes as JSON: the same text the response models write."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.schemas.reports import AgingBucketsOut, AgingCustomerOut
from app.services.reports.dashboard import AGING_BUCKETS, aging_row_json

# Names JSON must escape (quote, backslash, control characters) or keep as they are.
NAMES = [
    'Rao "Infotech" \\ Pvt',
    "Tab\there\nand line\r\x01\x1f",
    "Café Ünïcode ₹ 日本",
    "</script>",
]


def _row_sql(values: dict[str, Any]) -> str:
    """A one-row relation ``g`` shaped like the grouped aging rows, from bound values."""
    columns = [
        "CAST(:is_total AS integer) AS is_total",
        "CAST(:customer_id AS uuid) AS customer_id",
    ]
    columns.append("CAST(:name AS text) AS name")
    for _, amount, count in AGING_BUCKETS:
        columns += [
            f"CAST(:{amount} AS numeric) AS {amount}",
            f"CAST(:{count} AS bigint) AS {count}",
        ]
    return f"SELECT {aging_row_json('g')} FROM (SELECT {', '.join(columns)}) AS g"


def _values(is_total: int, name: str) -> dict[str, Any]:
    amounts = [Decimal("10.50"), Decimal("0"), Decimal("3"), Decimal("1234567.89"), Decimal("0.01")]
    values: dict[str, Any] = {"is_total": is_total, "customer_id": str(uuid.uuid4()), "name": name}
    for (_, amount, count), value in zip(AGING_BUCKETS, [*amounts, sum(amounts)], strict=True):
        values[amount], values[count] = value, 7 if value else 0
    return values


@pytest.mark.parametrize("name", NAMES)
async def test_customer_row_is_the_models_json(connection: AsyncConnection, name: str) -> None:
    values = _values(0, name)
    written = (await connection.execute(text(_row_sql(values)), values)).scalar_one()
    model = AgingCustomerOut.model_validate_json(written)
    assert written == model.model_dump_json(by_alias=True)
    assert written == json.dumps(json.loads(written), ensure_ascii=False, separators=(",", ":"))
    assert model.name == name and str(model.customer_id) == values["customer_id"]
    assert json.loads(written)["1_30"] == {"amount": "0.00", "count": 0}
    assert json.loads(written)["61_90"] == {"amount": "1234567.89", "count": 7}
    assert json.loads(written)["total"]["amount"] == "1234581.40"


async def test_total_row_has_no_customer(connection: AsyncConnection) -> None:
    values = _values(1, "ignored")
    written = (await connection.execute(text(_row_sql(values)), values)).scalar_one()
    assert written == AgingBucketsOut.model_validate_json(written).model_dump_json(by_alias=True)
    assert list(json.loads(written)) == [key for key, _, _ in AGING_BUCKETS]
