"""A user's own sign-ins: see where they are signed in, end one, or end all the others."""

from __future__ import annotations

import re
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import Principal, RequestInfo
from app.core.errors import Forbidden, NotFound
from app.crud.identity import SessionRepository
from app.models import UserSession
from app.services.audit import AuditService
from app.utils.clock import utcnow

_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"))
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
_TOOL = re.compile(r"^(curl|HTTPie|python-httpx|python-requests|PostmanRuntime|Wget)/", re.I)


def device_label(user_agent: str | None) -> str:
    """A short, human name for the device ("Chrome on Windows", "curl"), for the list."""
    if not user_agent:
        return "Unknown device"
    tool = _TOOL.match(user_agent)
    if tool:
        return tool.group(1)
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    if browser is None and "Safari/" in user_agent:
        browser = "Safari"
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or user_agent[:40]


class SessionService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        if principal.via_api_token:
            raise Forbidden("API tokens cannot see or end sign-in sessions; sign in instead.")
        self.principal = principal
        self.repo = SessionRepository(session)
        self.audit = AuditService(session, request, principal.user_id)
        self.session = session

    async def list(self) -> list[UserSession]:
        return await self.repo.live_for_user(self.principal.user_id, utcnow())

    async def revoke(self, session_id: uuid.UUID) -> None:
        """End one of the caller's sessions (another user's session is a 404)."""
        login = await self.repo.get_or_404(session_id)
        if login.user_id != self.principal.user_id or login.revoked_at is not None:
            raise NotFound(f"Session {session_id} was not found.")
        login.revoked_at, login.revoked_reason = utcnow(), "revoked_by_user"
        self.audit.record("auth.session_revoked", "session", login.id)
        await self.session.flush()

    async def revoke_others(self) -> int:
        """Log out everywhere else: every session of the caller but this one."""
        ended = await self.repo.revoke_all_for_user(
            self.principal.user_id,
            utcnow(),
            "revoked_by_user",
            keep=self.principal.session_id,
        )
        self.audit.record("auth.sessions_revoked", "user", self.principal.user_id, {"count": ended})
        return ended
