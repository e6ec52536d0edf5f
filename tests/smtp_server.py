"""A real SMTP server for tests, so email is exercised over the wire instead of mocked.

``SmtpTestServer`` runs aiosmtpd in its own thread (with its own event loop) on
127.0.0.1, so a test's event loop can send to it without deadlocking. It keeps its
port across ``stop()``/``start()``, which lets a test simulate an SMTP outage and the
recovery after it.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any, Self, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["ReceivedEnvelope", "SmtpTestServer", "extract_url", "free_port"]

MessagePredicate = Callable[[EmailMessage], bool]


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS considers free right now (aiosmtpd's Controller cannot bind port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ReceivedEnvelope:
    """The SMTP envelope of a received message (which can differ from its headers)."""

    __slots__ = ("mail_from", "rcpt_tos")

    def __init__(self, mail_from: str, rcpt_tos: list[str]) -> None:
        self.mail_from = mail_from
        self.rcpt_tos = rcpt_tos

    def __repr__(self) -> str:
        return f"ReceivedEnvelope(mail_from={self.mail_from!r}, rcpt_tos={self.rcpt_tos!r})"


class _Handler:
    """aiosmtpd handler: parses every accepted message and hands it to ``record``."""

    def __init__(
        self, record: Callable[[EmailMessage, ReceivedEnvelope], None], *, requires_auth: bool
    ) -> None:
        self._record = record
        self._requires_auth = requires_auth

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        # Enforced here rather than with aiosmtpd's auth_required, which warns when TLS is
        # not required too (there is no TLS in tests).
        if self._requires_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        # SMTP transfers CRLF; store native line endings as a local mailbox would, so a
        # received text part compares equal to the string that was sent.
        raw = raw.replace(b"\r\n", b"\n")
        message = BytesParser(policy=default_policy).parsebytes(raw)
        self._record(message, ReceivedEnvelope(envelope.mail_from or "", list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpTestServer:
    """An in-process SMTP server that records the messages it receives.

    ``auth``: when given as ``(username, password)``, the server requires AUTH with
    exactly these credentials (over plain text, as there is no TLS in tests).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        auth: tuple[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port if port is not None else free_port(host)
        self._auth = auth
        self._controller: Controller | None = None
        self._messages: list[EmailMessage] = []
        self._envelopes: list[ReceivedEnvelope] = []
        self._changed = threading.Condition()

    # -- lifecycle ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        """Start listening on ``host:port`` (the same port again after a ``stop()``)."""
        if self._controller is not None:
            raise RuntimeError("SmtpTestServer is already running")
        kwargs: dict[str, Any] = {}
        if self._auth is not None:
            kwargs.update(authenticator=self._authenticate, auth_require_tls=False)
        # A new Controller each time: a stopped Controller has closed its event loop.
        controller = Controller(
            _Handler(self._record, requires_auth=self._auth is not None),
            hostname=self.host,
            port=self.port,
            ready_timeout=10.0,
            **kwargs,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop listening; connections are refused until ``start()`` is called again."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert self._auth is not None
        username, password = self._auth
        ok = (
            isinstance(data, LoginPassword)
            and data.login == username.encode()
            and data.password == password.encode()
        )
        # handled=False: let aiosmtpd send the standard 535 reply on failure.
        return AuthResult(success=ok, handled=False)

    # -- received messages ---------------------------------------------------------

    def _record(self, message: EmailMessage, envelope: ReceivedEnvelope) -> None:
        with self._changed:
            self._messages.append(message)
            self._envelopes.append(envelope)
            self._changed.notify_all()

    @property
    def messages(self) -> list[EmailMessage]:
        """A snapshot of the messages received so far, oldest first."""
        with self._changed:
            return list(self._messages)

    @property
    def envelopes(self) -> list[ReceivedEnvelope]:
        """The envelopes of ``messages``, in the same order."""
        with self._changed:
            return list(self._envelopes)

    def clear(self) -> None:
        with self._changed:
            self._messages.clear()
            self._envelopes.clear()

    def _matching(self, predicate: MessagePredicate | None) -> list[EmailMessage]:
        return [m for m in self._messages if predicate is None or predicate(m)]

    def _timeout_error(
        self, predicate: MessagePredicate | None, count: int, timeout: float
    ) -> AssertionError:
        with self._changed:
            found = len(self._matching(predicate))
            summary = [f"  to={m['To']!r} subject={m['Subject']!r}" for m in self._messages] or [
                "  (none)"
            ]
        what = "matching message(s)" if predicate is not None else "message(s)"
        return AssertionError(
            f"Expected {count} {what} within {timeout}s on {self.host}:{self.port}, "
            f"got {found}. Received:\n" + "\n".join(summary)
        )

    def wait_for(
        self,
        predicate: MessagePredicate | None = None,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[EmailMessage]:
        """Block until ``count`` messages matching ``predicate`` have arrived; return them.

        Blocks the calling thread: from async code whose own event loop does the
        sending (e.g. a background task of the app under test), use ``wait_for_async``.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matching = self._matching(predicate)
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(min(remaining, 0.1))
        raise self._timeout_error(predicate, count, timeout)

    async def wait_for_async(
        self,
        predicate: MessagePredicate | None = None,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[EmailMessage]:
        """Like ``wait_for`` but yields to the event loop while polling."""
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                matching = self._matching(predicate)
            if len(matching) >= count:
                return matching
            if time.monotonic() >= deadline:
                raise self._timeout_error(predicate, count, timeout)
            await asyncio.sleep(0.02)


def extract_url(message: EmailMessage, startswith: str) -> str:
    """The first URL in the text/plain part that starts with ``startswith``."""
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        raise AssertionError(f"Message {message['Subject']!r} has no text/plain part")
    body = cast(str, part.get_content())
    match = re.search(re.escape(startswith) + r"[^\s<>\"']*", body)
    if match is None:
        raise AssertionError(
            f"No URL starting with {startswith!r} in message {message['Subject']!r}:\n{body}"
        )
    return match.group(0)
