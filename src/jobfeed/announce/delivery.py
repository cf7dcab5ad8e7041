"""Every channel kind behind two calls: the messages of a channel's events, and sending one of them.

`jobfeed notify`, `jobfeed preview` (and `notify --test`) go through `channel_messages_for` and
`send`, so a new kind is a module with a payload builder and a sender, and two lines here:

| kind | payload | sent by |
|---|---|---|
| `slack`, `mattermost` | `messages` | `webhooks.post_message` |
| `teams` | `teams` (Adaptive Card) | `webhooks.post_message` (202 Accepted) |
| `webhook` | `jsonhook` (versioned JSON) | `webhooks.post_message`, signed |
| `email` | `mail` (text + HTML) | `mail.send_email` (SMTP) |
| `apprise` | `apprise_kind` (plain text) | `apprise_kind.send_apprise` |
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from jobfeed.announce.diff import Event
from jobfeed.announce.messages import Message, channel_messages
from jobfeed.config import ChannelConfig

if TYPE_CHECKING:
    import requests

    from jobfeed.announce.routing import Channel
    from jobfeed.announce.webhooks import RetryPolicy


def channel_messages_for(channel: ChannelConfig, events: Sequence[Event], site_url: str) -> list[Message]:
    """The messages `channel` gets for `events`, in its kind's format and within its limits. Pure."""
    kind, language = channel.kind, channel.language
    if kind == "teams":
        from jobfeed.announce.teams import teams_messages

        return teams_messages(events, language, site_url)
    if kind == "webhook":
        from jobfeed.announce.jsonhook import webhook_messages

        return webhook_messages(events, site_url)
    if kind == "email":
        from jobfeed.announce.mail import email_messages

        return email_messages(
            events,
            language,
            sender=channel.sender,
            to=channel.to,
            list_unsubscribe=channel.list_unsubscribe,
            site_url=site_url,
        )
    if kind == "apprise":
        from jobfeed.announce.apprise_kind import apprise_messages

        return apprise_messages(events, language, site_url)
    return channel_messages(
        kind, events, language, username=channel.username, icon_url=channel.icon_url, site_url=site_url
    )


def missing_secret(channel: Channel) -> str | None:
    """The variable a channel needs and lacks, else None."""
    if channel.url is None:
        return channel.config.env
    if channel.config.kind == "webhook" and not channel.secret:
        return channel.config.secret_env
    return None


def send(
    channel: Channel,
    message: Message,
    session: requests.Session,
    *,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    warnings: list[str] | None = None,
) -> None:
    """Deliver one message of `channel` or raise DeliveryError (whose text holds no secret)."""
    kind = channel.config.kind
    assert channel.url is not None
    if kind == "email":
        from jobfeed.announce.mail import send_email

        send_email(channel.url, message.payload, policy=policy, sleep=sleep, warnings=warnings)
        return
    if kind == "apprise":
        from jobfeed.announce.apprise_kind import send_apprise

        send_apprise(channel.url, message.payload, policy=policy, sleep=sleep)
        return
    from jobfeed.announce.webhooks import post_message

    sign: Callable[[bytes], dict[str, str]] | None = None
    if kind == "webhook":
        from jobfeed.announce.jsonhook import signer

        assert channel.secret is not None
        sign = signer(channel.secret, message.payload)
    post_message(
        session, channel.url, message.payload, kind, policy=policy, sleep=sleep, warnings=warnings, sign=sign
    )


def secrets_for(channel: Channel) -> list[str]:
    """Everything of `channel` that must never be shown: its URL's secrets, and its signing secret."""
    from jobfeed.announce.redact import secrets_of

    found = secrets_of(channel.url) if channel.url else []
    if channel.config.kind == "email" and channel.url:
        from jobfeed.announce.mail import SmtpServer
        from jobfeed.errors import DeliveryError

        with contextlib.suppress(DeliveryError):
            found += SmtpServer(channel.url).secrets
    if channel.config.kind == "apprise" and channel.url:
        from jobfeed.announce.apprise_kind import apprise_secrets

        found += apprise_secrets(channel.url)
    return found + ([channel.secret] if channel.secret else [])
