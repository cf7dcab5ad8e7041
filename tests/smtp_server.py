"""A real SMTP server on 127.0.0.1 (aiosmtpd) with STARTTLS or TLS from the first byte, login
required over TLS, and scripted answers: an SMTP reply ("451 4.3.0 …"), "drop" (close the
connection once the message is in, without answering) or "hang". The server's certificate comes
from a throwaway CA (trustme); `ca_file` is what a client must trust (SSL_CERT_FILE).

`shown` lists the messages a real server would have taken: answered 250, or whose answer was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email
import email.policy
import socket
import ssl
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "jobs@example.org"
PASSWORD = "p@ss:w0rd/S3CRET-smtp"


@dataclasses.dataclass
class Reply:
    kind: str  # "reply", "drop", "hang", "rcpt" (refuse every recipient with `text`)
    text: str = ""
    seconds: float = 1.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class SmtpServer:
    def __init__(self, folder: Path, *, implicit_tls: bool = False, delay: float = 0.0) -> None:
        self.ca = trustme.CA()
        self.ca_file = folder / "smtp-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self.implicit_tls = implicit_tls
        self.delay = delay
        self.replies: list[Reply] = []
        self.sticky = False
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.shown: list[EmailMessage] = []
        self.logins: list[bool] = []
        self.requests = 0
        self.answered = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.port = free_port()
        kwargs: dict[str, Any] = {
            "authenticator": self._authenticate,
            "auth_require_tls": True,
            "auth_required": True,
        }
        if implicit_tls:  # aiosmtpd only knows of STARTTLS: the connection is TLS from the start
            kwargs.update(ssl_context=context, auth_require_tls=False)
        else:
            kwargs.update(tls_context=context, require_starttls=True)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    def url(self, password: str = PASSWORD) -> str:
        from urllib.parse import quote

        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{quote(USER, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}"

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == USER.encode()
            and data.password == PASSWORD.encode()
        )
        self.logins.append(ok)
        return AuthResult(success=ok, handled=False)

    def fail(self, *replies: Reply, sticky: bool = False) -> None:
        with self._lock:
            self.replies = list(replies)
            self.sticky = sticky

    def clear(self) -> None:
        self.fail()

    def _next(self) -> Reply | None:
        with self._lock:
            if not self.replies:
                return None
            return self.replies[0] if self.sticky and len(self.replies) == 1 else self.replies.pop(0)

    def wait_until(self, ready: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        with self._lock:
            refuse = self.replies[0] if self.replies and self.replies[0].kind == "rcpt" else None
        if refuse is not None:
            return refuse.text
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._changed:
            self.requests += 1
            self.received.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._changed.notify_all()
        try:
            reply = self._next()
            if reply is None:
                with self._lock:
                    self.shown.append(message)  # queued; a slow server (`delay`) only answers late
                if self.delay:
                    await asyncio.sleep(self.delay)
                return "250 2.0.0 Ok: queued"
            if reply.kind == "drop":
                with self._lock:
                    self.shown.append(message)  # taken; only the answer is lost
                server.transport.close()
                return "250 2.0.0 Ok: queued"
            if reply.kind == "hang":
                await asyncio.sleep(reply.seconds)
                server.transport.close()
                return "451 4.3.0 too late"
            return reply.text
        finally:
            with self._changed:
                self.answered += 1
                self._changed.notify_all()

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self.controller.stop()
