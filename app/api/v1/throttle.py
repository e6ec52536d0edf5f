"""Rate-limit dependencies for the routes that work before anyone is signed in.

Per client IP first (before any database work or bcrypt), then per account once the
body names one: a botnet guessing one password hits the account limit, one address
guessing many passwords hits the IP limit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.core.rate_limit import RateLimiter, account_key, limiter_of


def client_ip(request: Request) -> str:
    """The caller's address; uvicorn has already applied trusted X-Forwarded-For."""
    return request.client.host if request.client else "unknown"


class AuthThrottle:
    def __init__(self, request: Request, limiter: RateLimiter) -> None:
        self._request = request
        self._limiter = limiter

    async def account(self, identity: str) -> None:
        """Guessing: login, refresh, password changes of one account."""
        await self._limiter.hit(self._request, "auth-account", account_key(identity))

    async def mailbox(self, email: str) -> None:
        """Email bombing: verification and reset mails to one address."""
        await self._limiter.hit(self._request, "email-account", account_key(email))


async def throttle_auth(request: Request) -> AuthThrottle:
    limiter = limiter_of(request)
    await limiter.hit(request, "auth-ip", client_ip(request))
    return AuthThrottle(request, limiter)


AuthThrottleDep = Annotated[AuthThrottle, Depends(throttle_auth)]
