"""Idempotency keys: the first response to a money POST, replayed for 24 hours."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, LargeBinary, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of

IDEMPOTENCY_STATES = ("in_progress", "committed", "completed")


class IdempotencyKey(Base):
    """One client key of one tenant.

    ``in_progress`` is committed on its own before the request runs, so a duplicate that
    arrives meanwhile sees it (409). The request's own transaction moves it to
    ``committed`` atomically with the business writes, and the response is stored right
    after (``completed``). A row left ``in_progress`` by a crash is taken over after a
    while; one left ``committed`` is never run again.

    No foreign key to ``tenants``: the claim commits on a connection of its own, before
    and independently of the request's transaction. Rows expire after 24 hours and are
    purged by a periodic job.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        one_of("status", IDEMPOTENCY_STATES, "status_known"),
        CheckConstraint("char_length(key) BETWEEN 1 AND 255", name="key_length"),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(primary_key=True)
    request_hash: Mapped[str]
    status: Mapped[str]
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict[str, Any] | None]
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    locked_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
