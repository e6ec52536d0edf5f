"""API tokens for scripts and integrations (paid plans and the trial).

``rms_<random>``: shown once, stored as a SHA-256 digest, scoped to the tenant and to a
role no higher than its creator's, revocable at any time, usable as a bearer token.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.database import set_tenant
from app.core.dependencies import Principal, RequestInfo
from app.core.errors import Conflict, Forbidden, Unauthorized
from app.core.permissions import ROLE_PERMISSIONS
from app.core.security import new_opaque_token, token_digest
from app.crud.base import Page, PageParams, Repository
from app.crud.identity import SubscriptionRepository, UserRepository, find_token_tenant
from app.models import ApiToken
from app.schemas.user import ApiTokenCreate
from app.services.audit import AuditService
from app.services.plans import Access, PlanLimitExceeded, plan_state
from app.utils.clock import today_ist, utcnow

TOKEN_PREFIX = "rms_"


class ApiTokenRepository(Repository[ApiToken]):
    model = ApiToken
    entity = "API token"


def is_api_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


class ApiTokenService:
    def __init__(self, session: AsyncSession, principal: Principal, request: RequestInfo) -> None:
        self.session = session
        self.principal = principal
        self.tokens = ApiTokenRepository(session)
        self.audit = AuditService(session, request, principal.user_id)

    async def list(self, params: PageParams) -> Page[ApiToken]:
        return await self.tokens.paginate(self.tokens.select(), params)

    async def create(self, data: ApiTokenCreate) -> tuple[ApiToken, str]:
        if self.principal.plan is not None and self.principal.plan.access == Access.FREE_TIER:
            raise PlanLimitExceeded(
                "API tokens are a paid feature; upgrade to create them.",
                extra={"resource": "api_tokens", "upgrade_url": self.principal.plan.upgrade_url},
            )
        if self.principal.via_api_token:
            # A leaked token must not be able to outlive its own revocation.
            raise Forbidden("API tokens cannot create API tokens; sign in to create one.")
        if not ROLE_PERMISSIONS[data.role] <= ROLE_PERMISSIONS[self.principal.role]:
            raise Forbidden("A token cannot have more rights than its creator.")
        secret = TOKEN_PREFIX + new_opaque_token()
        token = await self.tokens.add(
            ApiToken(
                name=data.name,
                token_prefix=secret[:12],
                token_hash=token_digest(secret),
                role=data.role,
                created_by=self.principal.user_id,
                expires_at=utcnow() + timedelta(days=data.expires_in_days)
                if data.expires_in_days
                else None,
            )
        )
        self.audit.record("api_token.created", "api_token", token.id, {"name": data.name})
        return token, secret

    async def revoke(self, token_id: uuid.UUID) -> ApiToken:
        token = await self.tokens.get_or_404(token_id, for_update=True)
        if token.revoked_at is not None:
            raise Conflict("This token is already revoked.")
        token.revoked_at = utcnow()
        self.audit.record("api_token.revoked", "api_token", token.id)
        await self.session.flush()
        return token


async def authenticate_api_token(
    session: AsyncSession, settings: Settings, secret: str
) -> Principal:
    digest = token_digest(secret)
    tenant_id = await find_token_tenant(session, "api_token", digest)
    if tenant_id is None:
        raise Unauthorized("The API token is not valid.")
    await set_tenant(session, tenant_id)
    repository = ApiTokenRepository(session)
    stmt = repository.select().where(ApiToken.token_hash == digest)
    token = (await session.execute(stmt)).scalar_one_or_none()
    now = utcnow()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
    ):
        raise Unauthorized("The API token was revoked or has expired.")
    creator = await UserRepository(session).get(token.created_by)
    if creator is None or not creator.is_active or creator.deleted_at is not None:
        raise Unauthorized("The API token's creator no longer has access.")
    subscription = await SubscriptionRepository(session).current()
    plan = plan_state(subscription, today_ist(), settings)
    if plan.access == Access.FREE_TIER:
        raise PlanLimitExceeded("API tokens work on paid plans; upgrade to use this token.")
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now  # coarse, so every request is not a write
    role = token.role
    if not ROLE_PERMISSIONS[role] <= ROLE_PERMISSIONS.get(creator.role, frozenset()):
        role = creator.role  # a token never has more rights than its creator has now
    return Principal(
        user_id=token.created_by,
        tenant_id=token.tenant_id,
        role=role,
        session_id=token.id,
        email=f"api-token:{token.token_prefix}",
        plan=plan,
        via_api_token=True,
    )
