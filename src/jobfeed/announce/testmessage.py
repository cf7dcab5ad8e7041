"""`jobfeed notify --test [CHANNEL]`: one short test message to each channel, to check a webhook.

The message goes through the very step `notify` delivers with (`notify.send_message`: the channel
kind's delivery, retries and redaction), so a channel that passes the test is one `notify` can
deliver to. Nothing else is touched: no state file is read or written, no outbox entry is made, no
lock is taken. The report says, per channel, "delivered" or the platform's answer in jobfeed's
words, transient (try again later) or permanent (fix the webhook); never the webhook URL.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from jobfeed.announce.delivery import is_threaded, missing_secret, secrets_for, single_post
from jobfeed.announce.diff import Event
from jobfeed.announce.messages import Message, mattermost_escape, slack_escape
from jobfeed.announce.redact import redact
from jobfeed.announce.routing import Channel, resolve_channels
from jobfeed.config import Config
from jobfeed.errors import UsageError

if TYPE_CHECKING:
    import requests

    from jobfeed.announce.webhooks import RetryPolicy

#: The id of the one event a test message stands for; never recorded anywhere.
TEST_ID = "jobfeed-test-message"

_WORDS = {
    "fr": "Message de test de jobfeed : ce canal recevra les annonces de « {title} ». "
    "Aucun poste n'a été annoncé.",
    "en": "Test message from jobfeed: this channel will get the announcements of “{title}”. "
    "No role was announced.",
}


@dataclasses.dataclass
class ChannelTest:
    name: str
    kind: str
    status: str  # delivered | failed | unset
    error: str | None = None
    transient: bool = False
    warnings: list[str] = dataclasses.field(default_factory=list)

    def line(self) -> str:
        if self.status == "delivered":
            return f"{self.name}: delivered"
        if self.status == "unset":
            return f"{self.name}: not sent: {self.error}"
        advice = (
            "a transient error: the platform may be busy or unreachable, try again later"
            if self.transient
            else "a permanent error: check the webhook URL and the channel, then run the test again"
        )
        return f"{self.name}: failed: {self.error} ({advice})"

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class ChannelTestReport:
    channels: list[ChannelTest]

    @property
    def failures(self) -> int:
        return sum(c.status != "delivered" for c in self.channels)

    def summary(self) -> str:
        lines = [c.line() for c in self.channels]
        lines += [f"{c.name}: warning: {w}" for c in self.channels for w in c.warnings]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {"channels": [c.as_dict() for c in self.channels], "failures": self.failures}


def message_for_test(channel: Channel, config: Config) -> Message:
    """The short test message for the channel's kind and language. A kind without its own wording
    gets a one-role digest of its own format, whose title is the test sentence."""
    c = channel.config
    text = _WORDS.get(c.language, _WORDS["fr"]).format(title=config.title)
    if c.kind == "slack" and not is_threaded(c):
        return Message({"text": slack_escape(text), "mrkdwn": False}, (TEST_ID,))
    if c.kind == "mattermost" and not is_threaded(c):
        payload: dict[str, Any] = {"text": mattermost_escape(text)}
        if c.username:
            payload["username"] = c.username
        if c.icon_url:
            payload["icon_url"] = c.icon_url
        return Message(payload, (TEST_ID,))
    event = Event(TEST_ID, "opened", TEST_ID, text, link=config.site_url)
    return single_post(c, event, config.site_url)


def channels_to_test(config: Config, environ: Mapping[str, str], name: str | None) -> list[Channel]:
    """Every configured channel, or the one named (by its name, or its `kind:VARIABLE` label)."""
    channels = resolve_channels(config, environ)
    if not channels:
        raise UsageError(
            "no channel to test: set SLACK_WEBHOOK_URL or MATTERMOST_WEBHOOK_URL, or add [[notify]] "
            "channels to jobfeed.toml"
        )
    if name is None:
        return channels
    chosen = [c for c in channels if name in (c.label, c.config.name, c.config.kind)]
    if len(chosen) != 1:
        known = ", ".join(c.label for c in channels)
        what = "names several channels" if chosen else "is not a configured channel"
        raise UsageError(f"{name!r} {what}; the channels are: {known}")
    return chosen


def send_test(
    config: Config,
    environ: Mapping[str, str],
    name: str | None = None,
    *,
    session: requests.Session | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ChannelTestReport:
    """Send the test message to each channel (or the one named); changes no state."""
    from jobfeed.announce.notify import send_message
    from jobfeed.announce.webhooks import new_session
    from jobfeed.errors import DeliveryError

    channels = channels_to_test(config, environ, name)
    http = new_session() if session is None else session
    results = []
    try:
        for channel in channels:
            result = ChannelTest(channel.label, channel.config.kind, "delivered")
            unset = missing_secret(channel)
            if unset is not None:
                result.status, result.error = "unset", f"{unset} is not set"
            else:
                try:
                    send_message(
                        channel,
                        message_for_test(channel, config),
                        http,
                        policy=policy,
                        sleep=sleep,
                        warnings=result.warnings,
                    )
                except DeliveryError as e:
                    result.status, result.transient = "failed", e.transient
                    result.error = redact(str(e), secrets_for(channel))
            results.append(result)
    finally:
        if session is None:
            http.close()
    return ChannelTestReport(results)
