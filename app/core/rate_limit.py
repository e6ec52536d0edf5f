"""Rate limits: brute force and email bombing on the auth routes, fair use on the rest.

Counts live in memory (one process) or, with ``REDIS_URL``, in Redis so that every API
process behind the load balancer shares them. Fixed windows: one atomic increment per
limit, and an exact reset time for ``Retry-After``.

Responses carry the fields of draft-ietf-httpapi-ratelimit-headers-10::

    RateLimit-Policy: "auth-ip-60s";q=30;w=60, "auth-ip-3600s";q=300;w=3600
    RateLimit: "auth-ip-60s";r=27;t=42

``RateLimit`` names the policy closest to exhaustion. A limiter that cannot reach Redis
lets the request through and logs: an outage of the counter must not become an outage
of billing.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string
from starlette.requests import Request

from app.core.config import Settings
from app.core.errors import AppError

logger = logging.getLogger("app.rate_limit")

STATE_KEY = "rate_limits"  # request.state entry the middleware turns into headers


class RateLimited(AppError):
    status, slug, title = 429, "rate-limited", "Too many requests"


@dataclass(frozen=True)
class Policy:
    name: str
    items: tuple[RateLimitItem, ...]


@dataclass(frozen=True)
class Window:
    """One counted window after a hit: what the headers report."""

    policy: str
    quota: int
    seconds: int
    remaining: int
    reset_in: int


def storage_uri(settings: Settings) -> str:
    if settings.REDIS_URL is None:
        return "async+memory://"
    return "async+" + settings.REDIS_URL.removeprefix("async+")


def account_key(value: str) -> str:
    """Emails and tokens are hashed, so the counter store never holds personal data."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.RATE_LIMIT_ENABLED
        storage = storage_from_string(
            storage_uri(settings), key_prefix=settings.RATE_LIMIT_KEY_PREFIX
        )
        if not isinstance(storage, Storage):  # pragma: no cover - the URI is always async
            raise TypeError("rate limits need an async storage")
        self._strategy = FixedWindowRateLimiter(storage)
        self.policies = {
            "auth-ip": _policy("auth-ip", settings.RATE_LIMIT_AUTH_PER_IP),
            "auth-account": _policy("auth-account", settings.RATE_LIMIT_AUTH_PER_ACCOUNT),
            "email-account": _policy("email-account", settings.RATE_LIMIT_EMAIL_PER_ACCOUNT),
            "tenant": _policy("tenant", settings.RATE_LIMIT_PER_TENANT),
            "api-token": _policy("api-token", settings.RATE_LIMIT_PER_API_TOKEN),
        }

    async def hit(self, request: Request, policy_name: str, key: str) -> None:
        """Count one request against ``policy_name`` for ``key``; 429 when over a limit."""
        if not self.enabled:
            return
        policy = self.policies[policy_name]
        try:
            windows, refused = await self._count(policy, key)
        except Exception:  # the counter store is down: serve, and say so in the log
            logger.warning("rate limit storage unavailable", exc_info=True)
            return
        recorded: list[Window] = request.scope.setdefault("state", {}).setdefault(STATE_KEY, [])
        recorded.extend(windows)
        if refused is not None:
            raise RateLimited(
                f"Too many requests ({policy.name}); retry in {refused.reset_in} seconds.",
                extra={"policy": policy.name, "retry_after": refused.reset_in},
                headers={"Retry-After": str(refused.reset_in)},
            )

    async def _count(self, policy: Policy, key: str) -> tuple[list[Window], Window | None]:
        windows: list[Window] = []
        refused: Window | None = None
        now = time.time()
        for item in policy.items:
            allowed = await self._strategy.hit(item, policy.name, key)
            stats = await self._strategy.get_window_stats(item, policy.name, key)
            window = Window(
                policy=f"{policy.name}-{item.get_expiry()}s",
                quota=item.amount,
                seconds=item.get_expiry(),
                remaining=stats.remaining,
                reset_in=max(1, math.ceil(stats.reset_time - now)),
            )
            windows.append(window)
            if not allowed and (refused is None or window.reset_in > refused.reset_in):
                refused = window
        return windows, refused


def _policy(name: str, spec: str) -> Policy:
    return Policy(name, tuple(parse_many(spec)))


def rate_limit_headers(windows: list[Window]) -> list[tuple[str, str]]:
    """The draft-10 header fields for every window counted in this request."""
    if not windows:
        return []
    policies = ", ".join(f'"{w.policy}";q={w.quota};w={w.seconds}' for w in windows)
    tightest = min(windows, key=lambda w: (w.remaining, -w.reset_in))
    current = f'"{tightest.policy}";r={tightest.remaining};t={tightest.reset_in}'
    return [("RateLimit-Policy", policies), ("RateLimit", current)]


def limiter_of(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


def recorded_windows(scope_state: dict[str, Any]) -> list[Window]:
    windows: list[Window] = scope_state.get(STATE_KEY, [])
    return windows
