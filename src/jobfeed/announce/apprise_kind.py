"""Events -> the long tail of services (Telegram, ntfy, Rocket.Chat, Zulip, Google Chat, …) through
an Apprise URL (`tgram://…`, `ntfys://…`, `rocket://…`), with the `apprise` library.

jobfeed writes plain text and tells Apprise so (`body_format=text`): Apprise escapes it for the
services that read Markdown or HTML. Posting text is also made inert (word joiners after `@`, in
`www.` and between `:` and `/`), so no mention fires and no link forms.

What is weaker than the other kinds, because Apprise only says "sent" or "not sent":
- no status code and no platform error text: a failure reads "the service did not take the
  message", and Apprise's own log (redacted) is the only detail;
- no `Retry-After`: every failure is taken as transient and retried with jobfeed's backoff within
  the time budget, then left pending for the next run, even a failure that will never pass (a
  revoked token);
- a post whose answer was lost may have been shown: as everywhere, it is sent again (at most one
  copy more per lost answer), but Apprise itself may also retry inside one attempt on some
  services, so a copy more is possible there too;
- the limits are the smallest of the common services (Discord's 2,000 characters): a digest is
  split into messages of at most `APPRISE_MAX_BODY` characters and `APPRISE_MAX_EVENTS` events.

`apprise` is an optional dependency (`pip install 'jobfeed[apprise]'`); a run that needs it
without it says so and keeps the events pending.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import Any

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
from jobfeed.announce.redact import hide_in_logs, secrets_of
from jobfeed.errors import DeliveryError

APPRISE_MAX_BODY = 1_900
APPRISE_MAX_EVENTS = 20
TITLE_MAX = 200


def _inert(text: str) -> str:
    return neutralise_mentions(" ".join(text.split()))


def _line(event: Event, language: str) -> str:
    parts = [p for p in (_inert(event.contract), details(event, language)) if p]
    line = f"• {_inert(event.title)} · {' · '.join(parts)}"
    if len(line) > 600:
        line = line[:599] + "…"
    if event.kind != "closed" and is_web_link(event.link) and len(event.link) <= 500:
        line += f"\n  {event.link}"
    return line


def apprise_messages(events: Sequence[Event], language: str = "fr", site_url: str = "") -> list[Message]:
    """Plain-text messages (`title`, `body`) of at most APPRISE_MAX_BODY characters each."""
    pages: list[tuple[list[str], list[Event]]] = [([], [])]

    def size(lines: list[str]) -> int:
        return sum(len(line) + 1 for line in lines)

    for kind, group in _groups(events):
        title = heading(kind, len(group), language)
        header = [title] if not pages[-1][0] else ["", title]
        if size(pages[-1][0]) + size(header) + 200 > APPRISE_MAX_BODY:
            pages.append(([], []))
            header = [title]
        pages[-1][0].extend(header)
        for event in group:
            line = _line(event, language)
            lines, shown = pages[-1]
            if shown and (size(lines) + len(line) + 1 > APPRISE_MAX_BODY or len(shown) >= APPRISE_MAX_EVENTS):
                pages.append(([_t(language, "continued", title=title)], []))
            pages[-1][0].append(line)
            pages[-1][1].append(event)
    messages = []
    for lines, shown in pages:
        if not shown:
            continue
        subject = summary_line(shown, language)
        body = "\n".join(lines)
        footer = _t(language, "all_roles", url=site_url)
        if is_web_link(site_url) and len(body) + len(footer) + 2 <= APPRISE_MAX_BODY:
            body += "\n\n" + footer
        payload = {"title": subject[:TITLE_MAX], "body": body}
        messages.append(Message(payload, tuple(e.id for e in shown)))
    return messages


def apprise_secrets(url: str) -> list[str]:
    """An Apprise URL's secrets: those of any URL, and every part of it, the host included (a
    Telegram bot token is the host of `tgram://{token}/{chat}`)."""
    rest = url.partition("://")[2]
    return secrets_of(url) + [rest] + [part for part in re.split(r"[/@:?&=#]", rest) if len(part) >= 6]


def send_apprise(
    url: str,
    payload: dict[str, Any],
    *,
    policy: Any = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Notify through Apprise until it says sent; returns the attempts. Raises DeliveryError (redacted)."""
    try:
        import apprise
    except ImportError:
        raise DeliveryError(
            "the apprise library is not installed: pip install 'jobfeed[apprise]'", transient=True
        ) from None

    from jobfeed.announce import webhooks

    policy = policy or webhooks.DEFAULT_POLICY
    secrets = apprise_secrets(url)
    hide_in_logs(secrets)
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise DeliveryError(
            "the variable does not hold an Apprise URL that apprise knows (see its wiki for the schemes)",
            transient=False,
        )

    def attempt() -> None:
        sent = notifier.notify(
            title=payload["title"], body=payload["body"], body_format=apprise.NotifyFormat.TEXT
        )
        if not sent:
            raise webhooks._Attempt(
                "the service did not take the message (apprise says not sent)", transient=True
            )

    return webhooks.with_retries(attempt, policy, sleep, secrets)
