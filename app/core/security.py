"""Passwords (bcrypt, off the event loop), access JWTs (PyJWT, HS256 pinned), opaque tokens."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import bcrypt
import jwt

from app.core.config import Settings

ACCESS_TOKEN_TYPE = "access"
BCRYPT_MAX_BYTES = 72
MIN_PASSWORD_LENGTH = 8
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[1] / "data" / "common-passwords.txt.gz"


class InvalidToken(Exception):
    """The access token is missing a claim, forged, expired or of the wrong kind."""


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The 20,000 most common passwords (Royce Williams' list, as shipped by Django)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def is_common_password(password: str) -> bool:
    return password.strip().lower() in _common_passwords()


def password_too_long(password: str) -> bool:
    """bcrypt silently ignores bytes past 72; we refuse such passwords instead."""
    return len(password.encode("utf-8")) > BCRYPT_MAX_BYTES


def _hash_sync(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def _verify_sync(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:
        return False


async def hash_password(password: str, settings: Settings) -> str:
    """Hash in a worker thread: one cost-12 hash is ~0.3 s of CPU the event loop can't spare."""
    if password_too_long(password):
        raise ValueError("password longer than 72 bytes")
    return await asyncio.to_thread(_hash_sync, password, settings.BCRYPT_ROUNDS)


async def verify_password(password: str, hashed: str | None, settings: Settings) -> bool:
    """Check a password; with no stored hash, burn the same time against a dummy one."""
    target = hashed or _dummy_hash(settings.BCRYPT_ROUNDS)
    matched = await asyncio.to_thread(_verify_sync, password, target)
    return matched and hashed is not None


@lru_cache
def _dummy_hash(rounds: int) -> str:
    return _hash_sync(secrets.token_urlsafe(16), rounds)


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str
    session_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime
    token_id: str


def create_access_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    tenant_id: uuid.UUID,
    role: str,
    session_id: uuid.UUID,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    issued = now or datetime.now(UTC)
    expires = issued + timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    payload: dict[str, Any] = {
        "sub": str(user_id),
        "tenant_id": str(tenant_id),
        "role": role,
        "sid": str(session_id),
        "type": ACCESS_TOKEN_TYPE,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(payload, settings.SECRET_KEY.get_secret_value(), algorithm="HS256")
    return token, expires


def decode_access_token(token: str, settings: Settings) -> AccessClaims:
    """Verify signature, expiry and shape. Only HS256 is accepted: never ``none``, never RS*."""
    claims = _verified_claims(token, settings.SECRET_KEY.get_secret_value())
    if claims.expires_at.timestamp() <= time.time():  # the wall clock, as PyJWT checks it
        raise InvalidToken("token has expired")
    return claims


@lru_cache(maxsize=4096)
def _verified_claims(token: str, secret: str) -> AccessClaims:
    """A token's signature and shape, checked once per worker: a client sends the same
    token for many requests, and the check is a fair share of a small request's cost.
    Only valid tokens are remembered (a raise is not cached); expiry is checked per use."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={
                "require": ["sub", "tenant_id", "sid", "type", "iat", "exp", "jti"],
                "verify_exp": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken("token is invalid") from exc
    if payload.get("type") != ACCESS_TOKEN_TYPE:
        raise InvalidToken("not an access token")
    try:
        return AccessClaims(
            user_id=uuid.UUID(str(payload["sub"])),
            tenant_id=uuid.UUID(str(payload["tenant_id"])),
            role=str(payload.get("role", "")),
            session_id=uuid.UUID(str(payload["sid"])),
            issued_at=datetime.fromtimestamp(int(payload["iat"]), UTC),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
            token_id=str(payload["jti"]),
        )
    except (ValueError, TypeError, OverflowError, OSError) as exc:
        raise InvalidToken("token claims are malformed") from exc


def new_opaque_token() -> str:
    """A random single-use secret for refresh, verification and reset links (256 bits)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Only this SHA-256 digest is stored; a database leak reveals no usable token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
