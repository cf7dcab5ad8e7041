"""Events -> one e-mail digest per run and recipient list, sent by SMTP with STARTTLS or TLS.

The channel's variable holds the SMTP server and its credentials as a URL:
`smtp://user:password@smtp.example.org:587` (STARTTLS, required: a server that does not offer it
is an error, never a clear-text fallback) or `smtps://user:password@smtp.example.org:465` (TLS from
the first byte). A user name or password with `@`, `:` or `/` is percent-encoded (`%40`).

The message has a plain text part and an HTML part; posting text is escaped in the HTML and made
inert in both (no address or link a mail client would turn clickable). With `list_unsubscribe`
(the recipient is a mailing list), the message says how to leave it (`List-Unsubscribe`, RFC 2369).
Its `Message-ID` is derived from the events, so a digest sent again after a lost answer has the
same id, which mail clients and list servers use to drop the copy.

Answers: 2xx delivered; 4xx (421, 450, 451, 452) and lost connections are transient, retried with
backoff; 5xx (535 bad credentials, 550, 552 too big, 554) are permanent. SMTP has no Retry-After.
The password never appears in an error: the server's text is redacted and nothing is chained.
"""

from __future__ import annotations

import email.utils
import hashlib
import html
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from jobfeed.announce.diff import Event
from jobfeed.announce.messages import (
    Message,
    _groups,
    _t,
    details,
    heading,
    is_web_link,
    neutralise_mentions,
    summary_line,
)
from jobfeed.announce.redact import redact, secrets_of
from jobfeed.errors import DeliveryError

#: Events per e-mail: one message per run unless a run has more (about 0.5 MB of HTML then).
EMAIL_MAX_EVENTS = 1_000
SUBJECT_MAX = 200


def _inert(text: str) -> str:
    return neutralise_mentions(" ".join(text.split()))


def email_messages(
    events: Sequence[Event],
    language: str = "fr",
    *,
    sender: str = "",
    to: Sequence[str] = (),
    list_unsubscribe: str = "",
    site_url: str = "",
) -> list[Message]:
    """The digest: one message (per EMAIL_MAX_EVENTS events) to the channel's recipient list."""
    messages = []
    for start in range(0, len(events), EMAIL_MAX_EVENTS):
        chunk = list(events[start : start + EMAIL_MAX_EVENTS])
        text_lines: list[str] = []
        html_parts: list[str] = []
        for kind, group in _groups(chunk):
            title = heading(kind, len(group), language)
            text_lines += ["", title, "=" * len(title)]
            html_parts.append(f"<h2>{html.escape(title)}</h2>\n<ul>")
            for event in group:
                parts = [p for p in (_inert(event.contract), details(event, language)) if p]
                text_lines.append(f"- {_inert(event.title)} · {' · '.join(parts)}")
                name = html.escape(_inert(event.title))
                if event.kind != "closed" and is_web_link(event.link):
                    text_lines.append(f"  {event.link}")
                    name = f'<a href="{html.escape(event.link, quote=True)}">{name}</a>'
                html_parts.append(f"<li><strong>{name}</strong> · {html.escape(' · '.join(parts))}</li>")
            html_parts.append("</ul>")
        if is_web_link(site_url):
            text_lines += ["", _t(language, "all_roles", url=site_url)]
            link = f'<a href="{html.escape(site_url, quote=True)}">{html.escape(site_url)}</a>'
            html_parts.append(f"<p>{html.escape(_t(language, 'all_roles', url=''))}{link}</p>")
        subject = summary_line(chunk, language)
        payload: dict[str, Any] = {
            "from": sender,
            "to": list(to),
            "subject": subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…",
            "text": "\n".join(text_lines).strip() + "\n",
            "html": f'<!DOCTYPE html>\n<html lang="{language}"><body>\n'
            + "\n".join(html_parts)
            + "\n</body></html>\n",
        }
        if list_unsubscribe:
            payload["list_unsubscribe"] = list_unsubscribe
        ids = tuple(e.id for e in chunk)
        payload["message_id"] = _message_id(ids, sender)
        messages.append(Message(payload, ids))
    return messages


def _message_id(ids: Sequence[str], sender: str) -> str:
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "jobfeed.invalid"
    return f"<{hashlib.sha256(chr(10).join(ids).encode('utf-8')).hexdigest()[:32]}@{domain}>"


def unsubscribe_header(value: str) -> str:
    """`mailto:x@y?subject=unsubscribe` or an https URL -> `<…>`; both may be given, comma-separated."""
    return ", ".join(f"<{part.strip().strip('<>')}>" for part in value.split(",") if part.strip())


def mime_of(payload: dict[str, Any]) -> EmailMessage:
    """The MIME message of an e-mail payload; its Date is the time of sending (the edge)."""
    message = EmailMessage()
    message["From"] = payload["from"]
    message["To"] = ", ".join(payload["to"])
    message["Subject"] = payload["subject"]
    message["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = payload["message_id"]
    message["Auto-Submitted"] = "auto-generated"
    if payload.get("list_unsubscribe"):
        message["List-Unsubscribe"] = unsubscribe_header(payload["list_unsubscribe"])
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    return message


# --- sending -----------------------------------------------------------------------------------------


class SmtpServer:
    """The SMTP URL of the channel's variable, read once. Never printed (`repr` hides it)."""

    def __init__(self, url: str) -> None:
        self.secrets = secrets_of(url)
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise DeliveryError(
                "the variable does not hold an SMTP URL (smtp://user:password@host:587 or smtps://…:465)",
                transient=False,
            ) from None
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise DeliveryError(
                "the variable does not hold an SMTP URL (smtp://user:password@host:587 or smtps://…:465)",
                transient=False,
            )
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = port or (465 if self.tls else 587)
        self.user = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.secrets += [s for s in (self.password, parts.password or "") if s]

    def __repr__(self) -> str:
        return "SmtpServer(***)"


def _describe(error: Exception, timeout: float) -> tuple[str, bool]:
    """An SMTP or network failure in words, and whether it is worth retrying."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = sorted(error.recipients.items())
        transient = all(400 <= code < 500 for _, (code, _) in answers)
        text = "; ".join(f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in answers)
        return f"every recipient was refused: {text}", transient
    if isinstance(error, smtplib.SMTPNotSupportedError):
        if "STARTTLS" in str(error):
            return "the server does not offer STARTTLS; use smtps:// if it takes TLS on another port", False
        return "the server does not accept a login (SMTP AUTH) on this connection", False
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        return f"SMTP {code} {_text(error.smtp_error)}", 400 <= code < 500 or code == -1
    if isinstance(error, smtplib.SMTPServerDisconnected):
        if "timed out" in str(error):
            return f"no answer within {timeout:g} s", True
        return "the server closed the connection before the answer came", True
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"the server's TLS certificate is not valid: {error.verify_message}", False
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or type(error).__name__}", False
    if isinstance(error, (socket.timeout, TimeoutError)):
        return f"no answer within {timeout:g} s", True
    if isinstance(error, OSError):
        return f"cannot connect: {error.strerror or type(error).__name__}", True
    return f"SMTP failed: {type(error).__name__}", True


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())[:200]


def send_email(
    url: str,
    payload: dict[str, Any],
    *,
    policy: Any = None,
    sleep: Callable[[float], None] = time.sleep,
    context: ssl.SSLContext | None = None,
    warnings: list[str] | None = None,
) -> int:
    """Send one digest until the server takes it; returns the attempts. Raises DeliveryError (redacted)."""

    from jobfeed.announce import webhooks

    policy = policy or webhooks.DEFAULT_POLICY
    server = SmtpServer(url)
    context = context or ssl.create_default_context()
    message = mime_of(payload)
    timeout = policy.connect_timeout + policy.read_timeout

    def attempt() -> None:
        client: smtplib.SMTP | None = None
        try:
            if server.tls:
                client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
            else:
                client = smtplib.SMTP(server.host, server.port, timeout=timeout)
                client.starttls(context=context)
            if server.user or server.password:
                client.login(server.user, server.password)
            refused = client.send_message(message)
        except (smtplib.SMTPException, OSError) as e:
            text, transient = _describe(e, timeout)
            raise webhooks._Attempt(redact(text, server.secrets), transient=transient) from None
        finally:
            if client is not None:
                try:
                    client.quit()
                except (smtplib.SMTPException, OSError):
                    client.close()
        if refused and warnings is not None:
            lost = "; ".join(f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in sorted(refused.items()))
            warnings.append(redact(f"delivered, but some recipients were refused: {lost}", server.secrets))

    return webhooks.with_retries(attempt, policy, sleep)
