"""Erasing people from a tenant's data: the one place that knows what is personal.

Users become pseudonyms that still satisfy every constraint (unique emails, foreign keys
from invoices and audit rows), so the financial records that must be kept stay whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, cast, func, literal
from sqlalchemy.ext.asyncio import AsyncSession

from app.crud.base import Repository
from app.crud.data_rights import AuditRedactionRepository
from app.models import (
    AuditLog,
    EmailVerification,
    PasswordResetToken,
    User,
    UserInvitation,
    UserSession,
)
from app.utils.serialize import json_safe

ERASED_NAME = "Erased user"
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: can never receive mail
# Keys of audit ``changes`` that hold personal data (of users, customers' contacts, the
# supplier's own contact and bank details).
PERSONAL_KEYS = frozenset(
    {
        "email",
        "full_name",
        "phone",
        "contact_person",
        "cc_emails",
        "sent_to",
        "to",
        "bank_account_name",
        "bank_account_number",
        "upi_vpa",
        "notes",
    }
)
USER_KEYS = frozenset({"email", "full_name"})
# An account manager is a person too.
ERASED_ACCOUNT_MANAGER = {"name": ERASED_NAME, "email": None, "phone": None}


def pseudonym_email(user_id: uuid.UUID) -> str:
    return f"erased-{user_id.hex}@{ERASED_DOMAIN}"


def pseudonym_email_sql(id_column: Any) -> Any:
    """``pseudonym_email`` as SQL, for updating many users in one statement."""
    hex_id = func.replace(cast(id_column, Text), "-", "")
    return func.concat(literal("erased-", String), hex_id, literal(f"@{ERASED_DOMAIN}", String))


def strip_keys(value: Any, keys: frozenset[str]) -> Any:
    """``value`` without ``keys`` at any depth (the result is contained in the input)."""
    if isinstance(value, dict):
        return {k: strip_keys(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [strip_keys(item, keys) for item in value]
    return value


def repository(session: AsyncSession, model: type[Any]) -> Repository[Any]:
    """A tenant-scoped repository for ``model`` (deletes and updates without a subclass)."""
    scoped = type(f"{model.__name__}Repository", (Repository,), {"model": model})
    instance: Repository[Any] = scoped(session)
    return instance


ERASED_USER_VALUES: dict[str, Any] = {
    "full_name": ERASED_NAME,
    "password_hash": None,
    "is_active": False,
    "email_verified_at": None,
    "last_login_at": None,
}


async def erase_users(session: AsyncSession, now: datetime, *criteria: Any) -> int:
    """Pseudonymise the matching users and delete everything that lets them sign in.

    The user row stays (invoices, receipts and audit rows name it) but no longer says
    who the person was; with no password, no sessions and ``deleted_at`` set, every
    login and refresh is refused."""
    users = repository(session, User)
    erased = await users.update_where(
        *criteria,
        values={
            **ERASED_USER_VALUES,
            "email": pseudonym_email_sql(User.id),
            "deleted_at": func.coalesce(User.deleted_at, now),
        },
    )
    ids = users.select().with_only_columns(User.id).where(*criteria).scalar_subquery()
    for model in (UserSession, EmailVerification, PasswordResetToken):
        await repository(session, model).delete_where(model.user_id.in_(ids))
    await repository(session, UserInvitation).delete_where(UserInvitation.user_id.in_(ids))
    return erased


async def redact_audit(
    session: AsyncSession,
    *criteria: Any,
    keys: frozenset[str],
    clear_client: Iterable[uuid.UUID] | None = None,
) -> int:
    """Remove ``keys`` from the ``changes`` of the matching audit rows, and their client IP
    and user agent (of every row, or only of rows made by the users ``clear_client``)."""
    audit = AuditRedactionRepository(session)
    clear_for = set(clear_client) if clear_client is not None else None
    redacted = 0
    async for rows in audit.batches(*criteria):
        redactions = [_redaction(row, keys, clear_for) for row in rows]
        redacted += await audit.redact(redactions)
    return redacted


def _redaction(
    row: AuditLog, keys: frozenset[str], clear_for: set[uuid.UUID] | None
) -> dict[str, Any]:
    clear = clear_for is None or row.user_id in clear_for
    return {
        "id": str(row.id),
        "changes": json_safe(strip_keys(row.changes, keys)) if row.changes is not None else None,
        "clear_client": clear,
    }
