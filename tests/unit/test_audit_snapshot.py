"""What an audit snapshot holds: a row's table columns, nothing a query merely computed."""

from __future__ import annotations

import uuid

from app.models import Invoice, User
from app.utils.serialize import snapshot


def test_a_snapshot_holds_the_table_columns_only() -> None:
    invoice = Invoice(id=uuid.uuid4(), billing_snapshot={"buyer": {"name": "Rao Infotech"}})
    taken = snapshot(invoice)
    assert set(taken) == {column.key for column in Invoice.__table__.columns}
    assert taken["billing_snapshot"] == {"buyer": {"name": "Rao Infotech"}}


def test_a_snapshot_never_holds_secrets() -> None:
    taken = snapshot(User(id=uuid.uuid4(), password_hash="$2b$12$secret"))
    assert "password_hash" not in taken and "email" in taken
