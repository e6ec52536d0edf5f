"""Users, their login sessions, and the single-use tokens of the auth flows."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TenantOwned, one_of, tenant_fk
from app.models.enums import Role


class User(TenantOwned, Base):
    __tablename__ = "users"
    __table_args__ = (
        one_of("role", Role, "role_known"),
        UniqueConstraint("tenant_id", "email", name="uq_users_tenant_id_email"),
        # Login is by email alone, so an address belongs to one user across all tenants.
        Index("uq_users_email_lower", func.lower(text("email")), unique=True),
    )

    email: Mapped[str]
    full_name: Mapped[str]
    password_hash: Mapped[str | None]
    role: Mapped[str]
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    email_verified_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class UserSession(TenantOwned, Base):
    """One login (device). Access tokens name it in ``sid``; revoking it ends them at once."""

    __tablename__ = "sessions"
    __table_args__ = (
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        Index("ix_sessions_tenant_id_user_id", "tenant_id", "user_id"),
    )

    user_id: Mapped[uuid.UUID]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None]
    ip_address: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None]


class RefreshToken(TenantOwned, Base):
    """Each refresh rotates the token; a rotated one presented again revokes the session."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        tenant_fk("session_id", "sessions", ondelete="CASCADE"),
        Index("ix_refresh_tokens_tenant_id_session_id", "tenant_id", "session_id"),
        Index("uq_refresh_tokens_token_hash", "token_hash", unique=True),
    )

    session_id: Mapped[uuid.UUID]
    token_hash: Mapped[str]
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]


class _SingleUseToken(TenantOwned):
    user_id: Mapped[uuid.UUID]
    token_hash: Mapped[str]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class EmailVerification(_SingleUseToken, Base):
    __tablename__ = "email_verifications"
    __table_args__ = (
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        Index("ix_email_verifications_tenant_id_user_id", "tenant_id", "user_id"),
        Index("uq_email_verifications_token_hash", "token_hash", unique=True),
    )

    email: Mapped[str]


class PasswordResetToken(_SingleUseToken, Base):
    __tablename__ = "password_reset_tokens"
    __table_args__ = (
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        Index("ix_password_reset_tokens_tenant_id_user_id", "tenant_id", "user_id"),
        Index("uq_password_reset_tokens_token_hash", "token_hash", unique=True),
    )

    requested_ip: Mapped[str | None] = mapped_column(INET)


class UserInvitation(TenantOwned, Base):
    """An emailed, single-use link that lets an invited (inactive) user set a password."""

    __tablename__ = "user_invitations"
    __table_args__ = (
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        tenant_fk("invited_by", "users"),
        one_of("role", Role, "role_known"),
        Index("ix_user_invitations_tenant_id_user_id", "tenant_id", "user_id"),
        Index("ix_user_invitations_tenant_id_invited_by", "tenant_id", "invited_by"),
        Index("uq_user_invitations_token_hash", "token_hash", unique=True),
    )

    user_id: Mapped[uuid.UUID]
    email: Mapped[str]
    role: Mapped[str]
    token_hash: Mapped[str]
    invited_by: Mapped[uuid.UUID | None]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ApiToken(TenantOwned, Base):
    """A long-lived token for scripts (paid plans), used as ``Authorization: Bearer``.

    Only the SHA-256 digest is stored; the prefix lets a person recognise a token."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        tenant_fk("created_by", "users"),
        one_of("role", Role, "role_known"),
        Index("ix_api_tokens_tenant_id_created_by", "tenant_id", "created_by"),
        Index("uq_api_tokens_token_hash", "token_hash", unique=True),
    )

    name: Mapped[str]
    token_prefix: Mapped[str]
    token_hash: Mapped[str]
    role: Mapped[str]
    created_by: Mapped[uuid.UUID]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
