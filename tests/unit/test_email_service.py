"""EmailSender against a real SMTP server (aiosmtpd) and the .eml outbox fallback."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, cast

import pytest
from jinja2 import TemplateNotFound, UndefinedError

from app.core.config import Settings
from app.services.email import (
    Attachment,
    EmailDeliveryError,
    EmailSender,
    OutgoingEmail,
    build_message,
    render_email,
)
from tests.smtp_server import SmtpTestServer, extract_url

MAIL_FROM = "RMS Billing <no-reply@rms-billing.test>"
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

VERIFY_CONTEXT: dict[str, Any] = {
    "product_name": "RMS Billing",
    "user_name": "Asha Rao",
    "tenant_name": "Rao Traders",
    "verify_url": "http://localhost:5173/verify-email?token=abc.DEF-123_xyz&x=1",
    "expires_hours": 24,
}
RESET_CONTEXT: dict[str, Any] = {
    "product_name": "RMS Billing",
    "user_name": "Asha Rao",
    "reset_url": "http://localhost:5173/reset-password?token=" + "t" * 180,
    "expires_minutes": 60,
}
CHANGED_CONTEXT: dict[str, Any] = {"product_name": "RMS Billing", "user_name": "Asha Rao"}


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    with SmtpTestServer() as server:
        yield server


def smtp_settings(server: SmtpTestServer, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "SMTP_HOST": server.host,
        "SMTP_PORT": server.port,
        "SMTP_STARTTLS": False,
        "SMTP_SSL": False,
        "SMTP_USER": None,
        "SMTP_PASSWORD": None,
        "SMTP_TIMEOUT": 5.0,
        "MAIL_FROM": MAIL_FROM,
        "MAIL_OUTBOX_DIR": tmp_path / "outbox",
    }
    values.update(overrides)
    return Settings(**values)


def verify_email(to: str = "asha@example.com", **extra: Any) -> OutgoingEmail:
    subject, html, text = render_email("verify_email", VERIFY_CONTEXT)
    return OutgoingEmail(to=(to,), subject=subject, html=html, text=text, **extra)


def body_of(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    assert part.get_content_type() == f"text/{subtype}"
    return cast(str, part.get_content())


# -- rendering ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "context", "url_key"),
    [
        ("verify_email", VERIFY_CONTEXT, "verify_url"),
        ("password_reset", RESET_CONTEXT, "reset_url"),
        ("password_changed", CHANGED_CONTEXT, None),
    ],
)
def test_every_template_renders(
    template: str, context: dict[str, Any], url_key: str | None
) -> None:
    subject, html, text = render_email(template, context)

    assert "RMS Billing" in subject
    assert "\n" not in subject
    assert subject == subject.strip()
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert "RMS Billing" in html
    assert "Asha Rao" in html
    assert "Asha Rao" in text
    assert "{{" not in html + text
    if url_key is not None:
        url = context[url_key]
        # The URL stands on its own line in the text body...
        assert re.search(rf"^{re.escape(url)}$", text, re.MULTILINE)
        # ...and is a link in the HTML body (with & escaped as HTML requires).
        assert f'href="{url.replace("&", "&amp;")}"' in html


def test_verify_email_mentions_tenant_and_expiry() -> None:
    _, html, text = render_email("verify_email", VERIFY_CONTEXT)
    assert "Rao Traders" in html
    assert "Rao Traders" in text
    assert "24 hours" in text
    assert "24 hours" in html
    _, _, text_one = render_email("verify_email", {**VERIFY_CONTEXT, "expires_hours": 1})
    assert "1 hour." in text_one


def test_html_is_escaped_but_text_is_not() -> None:
    context = {**VERIFY_CONTEXT, "user_name": "<b>Tom & Jerry</b>"}
    _, html, text = render_email("verify_email", context)
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in html
    assert "<b>Tom" not in html
    assert "Hi <b>Tom & Jerry</b>," in text


def test_missing_context_variable_raises() -> None:
    context = {k: v for k, v in VERIFY_CONTEXT.items() if k != "verify_url"}
    with pytest.raises(UndefinedError, match="verify_url"):
        render_email("verify_email", context)


def test_unknown_template_raises() -> None:
    with pytest.raises(TemplateNotFound):
        render_email("no_such_template", VERIFY_CONTEXT)


# -- message building ----------------------------------------------------------------


def test_outgoing_email_rejects_a_bare_string_recipient() -> None:
    with pytest.raises(ValueError, match="non-empty tuple"):
        OutgoingEmail(to="a@example.com", subject="s", html="h", text="t")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty tuple"):
        OutgoingEmail(to=(), subject="s", html="h", text="t")


def test_build_message_headers_and_structure() -> None:
    message = build_message(verify_email(), MAIL_FROM)
    assert message["From"] == MAIL_FROM
    assert message["To"] == "asha@example.com"
    assert message["Subject"] == "Verify your email address for RMS Billing"
    assert re.fullmatch(r"<[^@>]+@rms-billing\.test>", message["Message-ID"])
    assert message["Date"].datetime is not None
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


# -- SMTP delivery -------------------------------------------------------------------


@pytest.mark.asyncio
async def test_smtp_delivers_text_html_and_attachment(
    smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    sender = EmailSender(smtp_settings(smtp_server, tmp_path))
    email = verify_email(
        attachments=(Attachment("INV-2024-0001.pdf", PDF_BYTES, "application/pdf"),)
    )

    await sender.send(email)

    [message] = smtp_server.wait_for()
    assert message["Subject"] == "Verify your email address for RMS Billing"
    assert message["From"] == MAIL_FROM
    assert message["To"] == "asha@example.com"
    assert message["Message-ID"]
    assert message.get_content_type() == "multipart/mixed"
    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == "no-reply@rms-billing.test"
    assert envelope.rcpt_tos == ["asha@example.com"]

    text = body_of(message, "plain")
    html = body_of(message, "html")
    assert text == email.text
    assert "Verify email address" in html
    assert "Asha Rao" in html
    assert (
        extract_url(message, "http://localhost:5173/verify-email") == (VERIFY_CONTEXT["verify_url"])
    )

    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "INV-2024-0001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF_BYTES
    assert sender.uses_outbox is False
    assert not (tmp_path / "outbox").exists()


@pytest.mark.asyncio
async def test_smtp_long_url_survives_transfer_encoding(
    smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    subject, html, text = render_email("password_reset", RESET_CONTEXT)
    sender = EmailSender(smtp_settings(smtp_server, tmp_path))

    await sender.send(OutgoingEmail(("asha@example.com",), subject, html, text))

    [message] = smtp_server.wait_for(lambda m: "Reset" in m["Subject"])
    assert (
        extract_url(message, "http://localhost:5173/reset-password") == (RESET_CONTEXT["reset_url"])
    )


@pytest.mark.asyncio
async def test_smtp_multiple_recipients_and_unicode(
    smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    sender = EmailSender(smtp_settings(smtp_server, tmp_path))
    email = OutgoingEmail(
        to=("a@example.com", "b@example.com"),
        subject="Invoice ₹1,180.00 — Café Dilli",
        html="<p>Total ₹1,180.00</p>",
        text="Total ₹1,180.00\n",
    )

    await sender.send(email)

    [message] = smtp_server.wait_for()
    assert message["Subject"] == "Invoice ₹1,180.00 — Café Dilli"
    assert body_of(message, "plain") == "Total ₹1,180.00\n"
    assert sorted(smtp_server.envelopes[0].rcpt_tos) == ["a@example.com", "b@example.com"]


@pytest.mark.asyncio
async def test_smtp_login_with_credentials(tmp_path: Path) -> None:
    with SmtpTestServer(auth=("mailer", "s3cret")) as server:
        good = EmailSender(
            smtp_settings(server, tmp_path, SMTP_USER="mailer", SMTP_PASSWORD="s3cret")
        )
        await good.send(verify_email())
        server.wait_for()

        bad = EmailSender(
            smtp_settings(server, tmp_path, SMTP_USER="mailer", SMTP_PASSWORD="wrong")
        )
        with pytest.raises(EmailDeliveryError):
            await bad.send(verify_email())

        anonymous = EmailSender(smtp_settings(server, tmp_path))
        with pytest.raises(EmailDeliveryError):
            await anonymous.send(verify_email())
        assert len(server.messages) == 1


@pytest.mark.asyncio
async def test_smtp_outage_raises_delivery_error_then_recovers(
    smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    sender = EmailSender(smtp_settings(smtp_server, tmp_path))
    port = smtp_server.port
    smtp_server.stop()

    with pytest.raises(EmailDeliveryError, match=rf"127\.0\.0\.1:{port}") as excinfo:
        await sender.send(verify_email())
    assert excinfo.value.__cause__ is not None

    smtp_server.start()
    assert smtp_server.port == port
    await sender.send(verify_email())
    smtp_server.wait_for()


@pytest.mark.asyncio
async def test_starttls_required_but_not_offered_fails(
    smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    sender = EmailSender(smtp_settings(smtp_server, tmp_path, SMTP_STARTTLS=True))
    with pytest.raises(EmailDeliveryError):
        await sender.send(verify_email())
    assert smtp_server.messages == []


def test_wait_for_times_out_with_a_helpful_message(smtp_server: SmtpTestServer) -> None:
    with pytest.raises(AssertionError, match=r"Expected 1 message\(s\) within 0\.2s.*got 0"):
        smtp_server.wait_for(timeout=0.2)


@pytest.mark.asyncio
async def test_clear_forgets_received_messages(smtp_server: SmtpTestServer, tmp_path: Path) -> None:
    sender = EmailSender(smtp_settings(smtp_server, tmp_path))
    await sender.send(verify_email("one@example.com"))
    await smtp_server.wait_for_async()
    smtp_server.clear()
    assert smtp_server.messages == []
    assert smtp_server.envelopes == []

    await sender.send(verify_email("two@example.com"))
    [message] = await smtp_server.wait_for_async(lambda m: m["To"] == "two@example.com")
    assert len(smtp_server.messages) == 1
    assert message["To"] == "two@example.com"


# -- outbox (no SMTP_HOST) ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_outbox_writes_a_parseable_eml(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = tmp_path / "outbox" / "nested"
    sender = EmailSender(Settings(SMTP_HOST=None, MAIL_FROM=MAIL_FROM, MAIL_OUTBOX_DIR=outbox))
    email = verify_email(attachments=(Attachment("note.txt", b"hello\n", "text/plain"),))

    with caplog.at_level(logging.INFO, logger="app.email"):
        await sender.send(email)
        await sender.send(email)

    assert sender.uses_outbox is True
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2
    assert re.fullmatch(
        r"\d{8}T\d{12}Z-verify-your-email-address-for-rms-[0-9a-f]{8}\.eml",
        files[0].name,
    )
    message = BytesParser(policy=default_policy).parsebytes(files[0].read_bytes())
    assert message["Subject"] == email.subject
    assert message["To"] == "asha@example.com"
    assert body_of(message, "plain") == email.text
    assert body_of(message, "html") == email.html
    assert (
        extract_url(message, "http://localhost:5173/verify-email") == (VERIFY_CONTEXT["verify_url"])
    )
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "note.txt"
    assert attachment.get_content() == "hello\n"

    records = [r for r in caplog.records if r.name == "app.email"]
    assert len(records) == 2
    assert any(str(f) in records[0].getMessage() for f in files)
    assert "asha@example.com" in records[0].getMessage()


@pytest.mark.asyncio
async def test_outbox_unwritable_raises_delivery_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the outbox directory should be")
    sender = EmailSender(Settings(SMTP_HOST=None, MAIL_OUTBOX_DIR=blocker / "outbox"))
    with pytest.raises(EmailDeliveryError, match="outbox"):
        await sender.send(verify_email())
