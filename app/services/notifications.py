"""Transactional email through the job queue: queued with the change, sent by a worker."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.services.email import Attachment, OutgoingEmail
from app.services.jobs import JobRuntime, enqueue, task

SEND_EMAIL = "send_email"


def email_to_args(email: OutgoingEmail) -> dict[str, Any]:
    return {
        "to": list(email.to),
        "subject": email.subject,
        "html": email.html,
        "text": email.text,
        "attachments": [
            {
                "filename": a.filename,
                "mime_type": a.mime_type,
                "content": base64.b64encode(a.content).decode("ascii"),
            }
            for a in email.attachments
        ],
    }


def email_from_args(args: dict[str, Any]) -> OutgoingEmail:
    return OutgoingEmail(
        to=tuple(args["to"]),
        subject=args["subject"],
        html=args["html"],
        text=args["text"],
        attachments=tuple(
            Attachment(a["filename"], base64.b64decode(a["content"]), a["mime_type"])
            for a in args.get("attachments", [])
        ),
    )


async def queue_email(session: AsyncSession, email: OutgoingEmail) -> None:
    """Send ``email`` once the session's transaction commits (and never if it rolls back)."""
    await enqueue(session, SEND_EMAIL, email_to_args(email))


@task(SEND_EMAIL)
async def send_email(runtime: JobRuntime, **message: Any) -> None:
    """A failure raises, so the job is retried with backoff until SMTP takes it."""
    await runtime.email_sender.send(email_from_args(message))
