"""Which channels a run talks to, and which events each one wants.

`[[notify]]` channels, or the default ones whose webhook variable is set; each channel's filters
(event kinds, teams, contracts). `jobfeed notify` delivers by these rules and `jobfeed preview`
shows by them, so that a preview is what a run would send.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from jobfeed.announce.diff import Event
from jobfeed.config import ChannelConfig, Config

DEFAULT_CHANNELS = (("slack", "SLACK_WEBHOOK_URL"), ("mattermost", "MATTERMOST_WEBHOOK_URL"))


@dataclasses.dataclass(frozen=True)
class Channel:
    """A configured channel and its webhook URL (None when the variable is unset). Never printed."""

    config: ChannelConfig
    url: str | None = dataclasses.field(default=None, repr=False)
    #: The `webhook` kind's signing secret (`secret_env`), None when unset. Never printed.
    secret: str | None = dataclasses.field(default=None, repr=False)

    @property
    def label(self) -> str:
        return self.config.label


def resolve_channels(
    config: Config, environ: Mapping[str, str], known: list[str] | None = None
) -> list[Channel]:
    """`[[notify]]` channels; without any, each default variable that is set, plus each default
    channel the state already knows (so a run without the secret keeps its events pending)."""
    if config.channels:
        return [
            Channel(
                c, environ.get(c.env) or None, (environ.get(c.secret_env) or None) if c.secret_env else None
            )
            for c in config.channels
        ]
    channels = []
    for kind, env in DEFAULT_CHANNELS:
        channel = ChannelConfig(kind=kind, env=env)
        if environ.get(env) or channel.label in (known or []):
            channels.append(Channel(channel, environ.get(env) or None))
    return channels


def wants(channel: ChannelConfig, event: Event) -> bool:
    """The channel's filters: event kinds, teams, contracts (case-insensitive); empty means all."""
    if channel.events and event.kind not in channel.events:
        return False
    wanted = {t.casefold() for t in channel.teams}
    if channel.teams and not any(team.casefold() in wanted for team in event.teams or (event.team,)):
        return False
    return not (
        channel.contracts and event.contract.casefold() not in {c.casefold() for c in channel.contracts}
    )
