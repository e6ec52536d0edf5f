"""Idempotency keys: a retried money POST runs once; its first response is replayed.

The life of a key (per tenant):

1. ``claim`` commits an ``in_progress`` row on a connection of its own, so a duplicate
   that arrives while the first runs finds it (409), whatever its own transaction sees.
2. The request's transaction marks the row ``committed`` in its last statement before
   COMMIT (``bind_to_transaction``): the key is consumed exactly when the invoice, the
   receipt or the allocation becomes real, never before and never without it.
3. ``complete`` stores the response (``completed``) before it is sent; replays answer
   those bytes. A failed request (no commit) releases its key so the client can retry.

A process that dies between 1 and 2 leaves ``in_progress``: it is taken over after
``TAKEOVER_AFTER``, which is safe because nothing was committed. One that dies between
2 and 3 leaves ``committed``: that key is never run again (409), since the work is done.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, delete, event, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from app.core.database import set_tenant
from app.core.errors import AppError, sqlstate_of
from app.models import IdempotencyKey
from app.services.jobs import JobRuntime, task

logger = logging.getLogger("app.idempotency")

PURGE_IDEMPOTENCY_KEYS = "purge_idempotency_keys"
LOCK_NOT_AVAILABLE = "55P03"
TAKEOVER_AFTER = timedelta(minutes=10)  # far beyond the statement timeout
REPLAYED_HEADERS = ("content-type", "location", "content-disposition")


class IdempotencyKeyReused(AppError):
    status, slug, title = 422, "idempotency-key-reused", "Idempotency key reused"


class IdempotencyKeyInUse(AppError):
    status, slug, title = 409, "idempotency-key-in-use", "Idempotency key in use"


@dataclass(frozen=True)
class Claim:
    tenant_id: uuid.UUID
    key: str


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


class Replay(Exception):
    """The key was used before: answer its stored response instead of running again."""

    def __init__(self, stored: StoredResponse) -> None:
        super().__init__("replay")
        self.stored = stored


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


async def claim(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: uuid.UUID,
    key: str,
    request_hash: str,
    ttl: timedelta,
) -> Claim:
    """Take the key for this request, or raise: Replay, IdempotencyKeyReused, ...InUse."""
    try:
        return await _claim(maker, tenant_id, key, request_hash, ttl)
    except DBAPIError as exc:
        if sqlstate_of(exc) != LOCK_NOT_AVAILABLE:
            raise
        raise IdempotencyKeyInUse(
            "A request with this Idempotency-Key is finishing; retry shortly."
        ) from exc


async def _claim(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: uuid.UUID,
    key: str,
    request_hash: str,
    ttl: timedelta,
) -> Claim:
    row = IdempotencyKey.__table__.c
    async with maker() as session, session.begin():
        await set_tenant(session, tenant_id)
        # The row is locked only between a request's last statement and its COMMIT.
        await session.execute(text("SET LOCAL lock_timeout = '2s'"))
        fresh = {
            "request_hash": request_hash,
            "status": "in_progress",
            "response_status": None,
            "response_headers": None,
            "response_body": None,
            "locked_at": func.now(),
            "expires_at": func.now() + ttl,
        }
        taken = await session.execute(
            insert(IdempotencyKey)
            .values(tenant_id=tenant_id, key=key, **fresh)
            .on_conflict_do_update(
                index_elements=[row.tenant_id, row.key],
                set_=fresh,
                where=or_(
                    row.expires_at < func.now(),
                    and_(row.status == "in_progress", row.locked_at < func.now() - TAKEOVER_AFTER),
                ),
            )
            .returning(row.key)
        )
        if taken.scalar_one_or_none() is not None:
            return Claim(tenant_id, key)
        existing = (
            await session.execute(
                select(IdempotencyKey).where(
                    IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.key == key
                )
            )
        ).scalar_one()
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used with a different request (method, path or body). "
            "Use a new key for a new request."
        )
    if existing.status == "completed" and existing.response_status is not None:
        raise Replay(
            StoredResponse(
                existing.response_status,
                dict(existing.response_headers or {}),
                existing.response_body or b"",
            )
        )
    if existing.status == "committed":
        raise IdempotencyKeyInUse(
            "The first request with this Idempotency-Key completed, but its response was not "
            "recorded. Look the result up instead of retrying."
        )
    raise IdempotencyKeyInUse(
        "A request with this Idempotency-Key is still being processed; retry shortly."
    )


def bind_to_transaction(session: AsyncSession, claimed: Claim) -> None:
    """Mark the key ``committed`` inside the request's own transaction, just before COMMIT."""

    def mark(sync_session: Session) -> None:
        sync_session.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.tenant_id == claimed.tenant_id,
                IdempotencyKey.key == claimed.key,
            )
            .values(status="committed")
        )

    event.listen(session.sync_session, "before_commit", mark, once=True)


async def complete(
    maker: async_sessionmaker[AsyncSession], claimed: Claim, stored: StoredResponse
) -> None:
    """Keep a success for replay; release the key of a failure so it can be retried."""
    try:
        async with maker() as session, session.begin():
            await set_tenant(session, claimed.tenant_id)
            # Only a test's never-committed outer transaction can hold the row; don't wait.
            await session.execute(text("SET LOCAL lock_timeout = '500ms'"))
            mine = and_(
                IdempotencyKey.tenant_id == claimed.tenant_id,
                IdempotencyKey.key == claimed.key,
            )
            if 200 <= stored.status < 300:
                await session.execute(
                    update(IdempotencyKey)
                    .where(mine)
                    .values(
                        status="completed",
                        response_status=stored.status,
                        response_headers=stored.headers,
                        response_body=stored.body,
                    )
                )
            else:
                await session.execute(
                    delete(IdempotencyKey).where(mine, IdempotencyKey.status == "in_progress")
                )
    except Exception:
        logger.warning("could not record the idempotent response", exc_info=True)


def replayable_headers(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in headers
        if name.decode("latin-1").lower() in REPLAYED_HEADERS
    }


async def purge_expired(session: AsyncSession) -> int:
    """Delete every tenant's expired keys."""
    purged = await session.execute(text("SELECT purge_idempotency_keys()"))
    return int(purged.scalar_one())


@task(PURGE_IDEMPOTENCY_KEYS)
async def purge_idempotency_keys_task(runtime: JobRuntime, **_: object) -> None:
    async with runtime.session_factory() as session:
        purged = await purge_expired(session)
    logger.info("purged expired idempotency keys", extra={"count": purged})
