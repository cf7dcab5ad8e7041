"""Every channel kind behind two calls, used by `jobfeed notify` (and `jobfeed preview`):
`messages_for` (the payloads of a channel's pending events) and `deliver` (one message sent).

Incoming webhooks (Slack, Mattermost) keep their digest and `webhooks.post_message`. A Discord
webhook gets an embed digest (`discord.py`). The channels with threads (`threads.py`) get one
message per event, sent through their platform's API: Slack or Mattermost with a token and a
`channel`, a Discord forum (`forum = true`), Matrix (always).
"""

from __future__ import annotations

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
        from jobfeed.announce.webhooks import post_message

        post_message(
            session, channel.url, message.payload, c.kind, policy=policy, sleep=sleep, warnings=warnings
        )
