"""A signed-in person's own data: a copy of it, and erasing it (members, not owners)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.dependencies import Principal, RequestInfo
from app.core.errors import Conflict, Forbidden
from app.crud.audit import AuditLogRepository
from app.crud.identity import SessionRepository, UserRepository
from app.models import AccountManager, ApiToken, AuditLog, User, UserSession
from app.models.enums import Role
from app.schemas.data_rights import (
    PersonalAuditEntry,
    PersonalDataExport,
    PersonalProfile,
    PersonalSession,
)
from app.services.audit import AuditService
from app.services.data_rights.erasure import reauthenticate
from app.services.data_rights.pseudonymise import (
    ERASED_ACCOUNT_MANAGER,
    USER_KEYS,
    erase_users,
    redact_audit,
    repository,
)
from app.utils.clock import utcnow

# The erasure's own audit row carries no client details of the person erased.
ANONYMOUS_REQUEST = RequestInfo(ip_address=None, user_agent=None, request_id=None)


class PersonalDataService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.principal = principal
        self.request = request
        self.audit = AuditService(session, request, principal.user_id)

    def _in_person(self) -> None:
        """A person's own data is theirs: an API token (made by them or not) is refused."""
        if self.principal.via_api_token:
            raise Forbidden("Sign in as yourself to export or erase your personal data.")

    async def export(self) -> PersonalDataExport:
        """Profile, every session, and every audit entry the person made (three queries)."""
        self._in_person()
        user = await UserRepository(self.session).get_or_404(self.principal.user_id)
        sessions = SessionRepository(self.session)
        rows = await self.session.execute(
            sessions.select()
            .where(UserSession.user_id == user.id)
            .order_by(UserSession.created_at, UserSession.id)
        )
        audit = AuditLogRepository(self.session)
        entries = await self.session.execute(
            audit.select().where(AuditLog.user_id == user.id).order_by(AuditLog.id)
        )
        return PersonalDataExport(
            generated_at=utcnow(),
            profile=PersonalProfile.model_validate(user),
            sessions=[PersonalSession.model_validate(s) for s in rows.scalars()],
            audit_entries=[PersonalAuditEntry.model_validate(e) for e in entries.scalars()],
        )

    async def erase(self, password: str, settings: Settings) -> None:
        """Pseudonymise the caller, end their sessions, revoke the API tokens they made.
        An owner must hand ownership on (or erase the whole organisation) first."""
        self._in_person()
        user = await reauthenticate(
            self.session, settings, self.principal, password, self.audit, "user.erasure"
        )
        if user.role == Role.OWNER:
            raise Conflict(
                "An owner cannot erase their own account. Make another member the owner and "
                "step down first, or erase the whole organisation (DELETE /api/v1/tenants/me).",
                extra={"reason": "owner"},
            )
        now = utcnow()
        await erase_users(self.session, now, User.id == user.id)
        await repository(self.session, ApiToken).update_where(
            ApiToken.created_by == user.id,
            ApiToken.revoked_at.is_(None),
            values={"revoked_at": now},
        )
        await repository(self.session, AccountManager).update_where(
            AccountManager.user_id == user.id,
            values=ERASED_ACCOUNT_MANAGER,
        )
        # Rows about the person lose their name and address; rows they made, their IP
        # address and browser. What was done to the books stays.
        await redact_audit(
            self.session, AuditLog.entity_id == user.id, keys=USER_KEYS, clear_client=[user.id]
        )
        await redact_audit(
            self.session,
            AuditLog.user_id == user.id,
            AuditLog.entity_id.is_distinct_from(user.id),
            keys=frozenset(),
            clear_client=[user.id],
        )
        AuditService(self.session, ANONYMOUS_REQUEST, user.id).record(
            "user.erased", "user", user.id
        )
        await self.session.flush()
