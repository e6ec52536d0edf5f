"""Emails wanted by a request go out only after its transaction commits.

A rolled-back request sends nothing. Delivery runs in the background with retries so
a slow or briefly unavailable SMTP server never slows down or fails the request.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from app.services.email import EmailDeliveryError, EmailSender, OutgoingEmail

logger = logging.getLogger("app.email")

PENDING_KEY = "pending_emails"
DISPATCHER_KEY = "email_dispatcher"


class EmailDispatcher:
    """Sends committed emails in background tasks; ``drain`` waits for them at shutdown."""

    def __init__(self, sender: EmailSender, *, attempts: int = 5, backoff: float = 0.5) -> None:
        self.sender = sender
        self.attempts = attempts
        self.backoff = backoff
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, email: OutgoingEmail) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(email))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, email: OutgoingEmail) -> None:
        for attempt in range(1, self.attempts + 1):
            try:
                await self.sender.send(email)
                return
            except EmailDeliveryError:
                logger.warning(
                    "email delivery failed", extra={"attempt": attempt, "subject": email.subject}
                )
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        logger.error("email dropped after retries", extra={"subject": email.subject})

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def queue_email(session: AsyncSession, email: OutgoingEmail) -> None:
    """Ask for ``email`` to be sent once the session's transaction commits."""
    session.info.setdefault(PENDING_KEY, []).append(email)


def release_emails(session: AsyncSession) -> None:
    """Hand the committed transaction's emails to the dispatcher (call after commit)."""
    pending: list[OutgoingEmail] = session.info.pop(PENDING_KEY, [])
    dispatcher = session.info.get(DISPATCHER_KEY)
    for email in pending:
        if isinstance(dispatcher, EmailDispatcher):
            dispatcher.submit(email)
        else:
            logger.error("no email dispatcher; email dropped", extra={"subject": email.subject})


def discard_emails(session: AsyncSession) -> None:
    session.info.pop(PENDING_KEY, None)
