"""Transactional email: render Jinja2 templates, build MIME messages, deliver them.

Delivery goes over SMTP when ``SMTP_HOST`` is set. Without it (local development, CI)
every message is written as an ``.eml`` file to ``MAIL_OUTBOX_DIR`` instead, so the
sign-up and password-reset flows work with zero setup and the links can be clicked
from the saved file.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.core.config import Settings
from app.core.metrics import EMAILS_FAILED, EMAILS_SENT

__all__ = [
    "TEMPLATE_DIR",
    "Attachment",
    "EmailDeliveryError",
    "EmailSender",
    "OutgoingEmail",
    "build_message",
    "render_email",
]

logger = logging.getLogger("app.email")

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates" / "email"

# One environment for the process: templates are compiled once and cached.
# Autoescape only for .html (the .txt bodies and subjects are plain text and must not
# contain HTML entities); StrictUndefined turns a missing context variable into an
# error instead of a silently blank link in a customer's inbox.
_env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

_WHITESPACE = re.compile(r"\s+")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG_MAX = 40


class EmailDeliveryError(Exception):
    """The message could not be handed to the SMTP server or written to the outbox."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message (e.g. an invoice PDF)."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"

    def __post_init__(self) -> None:
        maintype, _, subtype = self.mime_type.partition("/")
        if not maintype or not subtype:
            raise ValueError(f"mime_type must look like 'type/subtype', got {self.mime_type!r}")


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """Everything needed to send one message; independent of the delivery channel."""

    to: tuple[str, ...]
    subject: str
    html: str
    text: str
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        # A bare string would be iterated character by character as "recipients".
        recipients: object = self.to
        if isinstance(recipients, str) or not self.to:
            raise ValueError("to must be a non-empty tuple of addresses")


def render_email(template: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Render ``<template>.subject.txt``, ``.html`` and ``.txt`` into (subject, html, text).

    The subject is collapsed onto one line: a newline in a header would be rejected
    (or worse, interpreted) when the message is built.
    """
    subject = _env.get_template(f"{template}.subject.txt").render(context)
    html = _env.get_template(f"{template}.html").render(context)
    text = _env.get_template(f"{template}.txt").render(context)
    return _WHITESPACE.sub(" ", subject).strip(), html, text


def build_message(email: OutgoingEmail, mail_from: str) -> EmailMessage:
    """Build a standards-compliant MIME message (text + HTML alternative, attachments)."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = ", ".join(email.to)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(datetime.now(UTC), usegmt=True)
    # The domain is passed explicitly: make_msgid's default calls socket.getfqdn(),
    # which can block on a DNS lookup.
    message["Message-ID"] = make_msgid(domain=_domain_of(mail_from))
    # RFC 3834: tells vacation responders not to reply to a no-reply address.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        # Turns the message into multipart/mixed with the alternative part first.
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


class EmailSender:
    """Delivers messages over SMTP, or to the outbox directory when SMTP is not configured."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def uses_outbox(self) -> bool:
        """True when messages go to ``MAIL_OUTBOX_DIR`` rather than an SMTP server."""
        return not self._settings.SMTP_HOST

    async def send(self, email: OutgoingEmail) -> None:
        """Deliver ``email``; raises :class:`EmailDeliveryError` when that fails."""
        message = build_message(email, self._settings.MAIL_FROM)
        channel = "outbox" if self.uses_outbox else "smtp"
        try:
            if self.uses_outbox:
                await self._write_outbox(message, email)
            else:
                await self._send_smtp(message, email)
        except EmailDeliveryError:
            EMAILS_FAILED.labels(channel).inc()
            raise
        EMAILS_SENT.labels(channel).inc()

    async def _send_smtp(self, message: EmailMessage, email: OutgoingEmail) -> None:
        settings = self._settings
        password = settings.SMTP_PASSWORD.get_secret_value() if settings.SMTP_PASSWORD else None
        # Implicit TLS (port 465) and STARTTLS are exclusive; SMTP_SSL wins if both are set.
        # start_tls=True (not None) makes STARTTLS mandatory: a server that does not offer
        # it fails the send instead of silently receiving the credentials in clear text.
        use_tls = settings.SMTP_SSL
        start_tls = settings.SMTP_STARTTLS and not use_tls
        try:
            errors, _ = await aiosmtplib.send(
                message,
                hostname=settings.SMTP_HOST,
                port=settings.SMTP_PORT,
                username=settings.SMTP_USER or None,
                password=password if settings.SMTP_USER else None,
                use_tls=use_tls,
                start_tls=start_tls,
                timeout=settings.SMTP_TIMEOUT,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise EmailDeliveryError(
                f"Could not send email {email.subject!r} to {', '.join(email.to)} via "
                f"{settings.SMTP_HOST}:{settings.SMTP_PORT}: {exc}"
            ) from exc
        if errors:
            # Some (not all) recipients were refused. Not raised: a retry would send the
            # message again to the recipients who did get it.
            logger.warning(
                "Email partly refused by the SMTP server",
                extra={"subject": email.subject, "refused": sorted(errors)},
            )
        logger.info(
            "Email sent",
            extra={"subject": email.subject, "to": list(email.to), "smtp_host": settings.SMTP_HOST},
        )

    async def _write_outbox(self, message: EmailMessage, email: OutgoingEmail) -> None:
        path = self._settings.MAIL_OUTBOX_DIR / _outbox_filename(email.subject)
        try:
            # Off the event loop: disk I/O must not stall other requests.
            await asyncio.to_thread(_write_new_file, path, message.as_bytes())
        except OSError as exc:
            raise EmailDeliveryError(f"Could not write email to the outbox {path}: {exc}") from exc
        logger.info(
            "Email written to outbox %s for %s",
            path,
            ", ".join(email.to),
            extra={"subject": email.subject, "to": list(email.to), "path": str(path)},
        )


def _domain_of(address: str) -> str:
    """The domain part of an address such as ``Name <user@example.com>``."""
    _, addr = parseaddr(address)
    domain = addr.rpartition("@")[2]
    return domain or "localhost"


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > _SLUG_MAX:
        # Cut at a word boundary when there is one, not in the middle of a word.
        slug = slug[: _SLUG_MAX + 1].rpartition("-")[0] or slug[:_SLUG_MAX]
    return slug or "message"


def _outbox_filename(subject: str) -> str:
    """Sortable by time, readable at a glance, and unique even within one microsecond."""
    timestamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{timestamp}-{_slugify(subject)}-{secrets.token_hex(4)}.eml"


def _write_new_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # "x": never overwrite an existing message.
    with path.open("xb") as handle:
        handle.write(data)
