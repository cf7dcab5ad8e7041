"""Every channel kind behind two calls, used by `jobfeed notify`, `jobfeed preview` and
`notify --test`: `messages_for` (the payloads of a channel's events, in its kind's format and
within its limits) and `deliver` (one message sent). A new kind is a module with a payload builder
and a sender, and a few lines here:

| kind | payload | sent by |
|---|---|---|
| `slack`, `mattermost` (incoming webhooks) | `messages` | `webhooks.post_message` |
| `slack`, `mattermost` with a `channel` (a token) | `messages`, one per event | `botapis` through `threads` |
| `discord` | `discord` (embeds; a forum: one post per role) | `discord.DiscordWebhook` |
| `matrix` | `matrix` (notices) | `matrix.MatrixRoom` through `threads` |
| `teams` | `teams` (Adaptive Card) | `webhooks.post_message` (202 Accepted) |
| `webhook` | `jsonhook` (versioned JSON) | `webhooks.post_message`, signed |
| `email` | `mail` (text + HTML) | `mail.send_email` (SMTP) |
| `apprise` | `apprise_kind` (plain text) | `apprise_kind.send_apprise` |

The channels with threads (`threads.py`) get one message per event: Slack or Mattermost with a
token and a `channel`, a Discord forum (`forum = true`), Matrix (always).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from jobfeed.announce.diff import Event
from jobfeed.announce.messages import Message, channel_messages, mattermost_messages, slack_messages
from jobfeed.announce.routing import Channel
from jobfeed.announce.threads import ThreadAPI, ThreadMessage, send_threaded, txn_id
from jobfeed.config import ChannelConfig

if TYPE_CHECKING:
    import requests

    from jobfeed.announce.webhooks import RetryPolicy


def is_threaded(channel: ChannelConfig) -> bool:
    if channel.kind in ("slack", "mattermost"):
        return bool(channel.channel)
    return channel.kind == "matrix" or (channel.kind == "discord" and channel.forum)


def _one(channel: ChannelConfig, event: Event, site_url: str) -> dict[str, Any]:
    """The payload of one event in a threaded channel (its thread reference is added when sent)."""
    from jobfeed.announce import discord, matrix

    language = channel.language
    if channel.kind == "slack":
        payload = slack_messages([event], language, site_url)[0].payload
        return {"channel": channel.channel, **payload, "unfurl_links": False, "unfurl_media": False}
    if channel.kind == "mattermost":
        text = mattermost_messages([event], language)[0].payload["text"]
        return {"channel_id": channel.channel, "message": text}
    if channel.kind == "discord":
        return discord.forum_payload(event, language, channel.username, channel.icon_url)
    return matrix.notice(event, language)


def _edit(channel: ChannelConfig, payload: dict[str, Any]) -> dict[str, Any]:
    """What replaces the root when the role closes: the "closed" message itself."""
    if channel.kind == "mattermost":
        return {"message": payload["message"]}
    if channel.kind == "slack":
        return {k: payload[k] for k in ("channel", "text", "blocks")}
    return payload


def single_post(channel: ChannelConfig, event: Event, site_url: str = "") -> Message:
    """`event` as one post of the channel's own format, outside any thread (`notify --test`)."""
    if is_threaded(channel):
        return Message(_one(channel, event, site_url), (event.id,))
    return messages_for(channel, [event], site_url)[0]


def messages_for(channel: ChannelConfig, events: Sequence[Event], site_url: str = "") -> list[Message]:
    """The messages that deliver `events` on `channel`, in order."""
    if is_threaded(channel):
        messages: list[Message] = []
        for event in events:
            payload = _one(channel, event, site_url)
            edit = _edit(channel, payload) if event.kind == "closed" else None
            messages.append(ThreadMessage(payload, (event.id,), role=event.role, kind=event.kind, edit=edit))
        return messages
    if channel.kind == "discord":
        from jobfeed.announce.discord import discord_messages

        return discord_messages(events, channel.language, channel.username, channel.icon_url)
    if channel.kind == "teams":
        from jobfeed.announce.teams import teams_messages

        return teams_messages(events, channel.language, site_url)
    if channel.kind == "webhook":
        from jobfeed.announce.jsonhook import webhook_messages

        return webhook_messages(events, site_url)
    if channel.kind == "email":
        from jobfeed.announce.mail import email_messages

        return email_messages(
            events,
            channel.language,
            sender=channel.sender,
            to=channel.to,
            list_unsubscribe=channel.list_unsubscribe,
            site_url=site_url,
        )
    if channel.kind == "apprise":
        from jobfeed.announce.apprise_kind import apprise_messages

        return apprise_messages(events, channel.language, site_url)
    return channel_messages(
        channel.kind,
        events,
        channel.language,
        username=channel.username,
        icon_url=channel.icon_url,
        site_url=site_url,
    )


def thread_api(
    channel: Channel,
    session: requests.Session,
    policy: RetryPolicy | None,
    sleep: Callable[[float], None],
) -> ThreadAPI:
    c, secret = channel.config, channel.url or ""
    if c.kind == "slack":
        from jobfeed.announce.botapis import SlackBot

        return SlackBot(session, secret, c.server, policy=policy, sleep=sleep)
    if c.kind == "mattermost":
        from jobfeed.announce.botapis import MattermostBot

        return MattermostBot(session, secret, c.server, policy=policy, sleep=sleep)
    if c.kind == "discord":
        from jobfeed.announce.discord import DiscordWebhook

        return DiscordWebhook(session, secret, policy=policy, sleep=sleep)
    from jobfeed.announce.matrix import MatrixRoom

    return MatrixRoom(session, secret, c.server, c.channel, policy=policy, sleep=sleep)


def deliver(
    session: requests.Session,
    channel: Channel,
    message: Message,
    threads: dict[str, dict[str, str]],
    save: Callable[[], None],
    *,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    warnings: list[str] | None = None,
) -> None:
    """Send one message on `channel` (its secret, `channel.url`, is set); raises DeliveryError.
    A threaded channel's steps are recorded in `threads` (the channel's records) and saved."""
    assert channel.url is not None
    c = channel.config
    if isinstance(message, ThreadMessage):
        send_threaded(thread_api(channel, session, policy, sleep), message, threads, channel.label, save)
    elif c.kind == "discord" or is_threaded(c):  # a digest, or a message outside any thread
        txn = txn_id(channel.label, json.dumps([message.event_ids, message.payload], sort_keys=True), "post")
        thread_api(channel, session, policy, sleep).post(message.payload, None, txn)
    else:
        _send(channel, message, session, policy=policy, sleep=sleep, warnings=warnings)


def _send(
    channel: Channel,
    message: Message,
    session: requests.Session,
    *,
    policy: RetryPolicy | None,
    sleep: Callable[[float], None],
    warnings: list[str] | None,
) -> None:
    """One message of a kind without threads or its own API (webhooks, e-mail, Apprise)."""
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


def missing_secret(channel: Channel) -> str | None:
    """The variable a channel needs and lacks, else None."""
    if channel.url is None:
        return channel.config.env
    if channel.config.kind == "webhook" and not channel.secret:
        return channel.config.secret_env
    return None


def secrets_for(channel: Channel) -> list[str]:
    """Everything of `channel` that must never be shown: its URL's or token's secrets, and its
    signing secret."""
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
