"""`jobfeed preview`: what one role looks like in the feeds and in each chat channel.

Nothing is written or sent. The feed entry is made by the same code as `jobfeed build`, from a
one-entry feed, so it is exactly what `feeds/atom.xml` and `feeds/feed.json` hold for this role;
the chat payloads are made by the same code as `jobfeed notify` (messages.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from jobfeed.author.listing import days_left
from jobfeed.config import ChannelConfig, Config
from jobfeed.core.identity import link_of
from jobfeed.core.lifecycle import Role, state_of
from jobfeed.core.markup import render
from jobfeed.core.postings import Posting
from jobfeed.publish.feeds import FeedMeta, atom_and_rss, items_of, json_feed

ATOM = "{http://www.w3.org/2005/Atom}"


@dataclasses.dataclass(frozen=True)
class ChatMessage:
    """The message one channel would receive about the role."""

    channel: str  # the channel's label (name, or kind:ENV_VAR), never its webhook URL
    text: str


@dataclasses.dataclass(frozen=True)
class Preview:
    role: Role
    link: str
    days_left: int | None
    atom_entry: str  # the <entry> element, as in feeds/atom.xml
    json_item: dict[str, Any]  # the item, as in feeds/feed.json
    channels: tuple[ChannelConfig, ...]
    messages: tuple[ChatMessage, ...]

    @property
    def in_feeds(self) -> bool:
        return self.role.is_open

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.role.id,
            "path": self.role.posting.path,
            "state": str(self.role.state),
            "in_feeds": self.in_feeds,
            "link": self.link,
            "atom_entry": self.atom_entry,
            "json_feed_item": self.json_item,
            "chat": [dataclasses.asdict(m) for m in self.messages],
        }

    def text(self) -> str:
        posting = self.role.posting
        where = (
            "in the feeds now"
            if self.in_feeds
            else f"not in the feeds: the role is {self.role.state} (only open roles are published)"
        )
        shown_in = "as in" if self.in_feeds else "as it would be in"
        deadline = "-"
        if posting.deadline is not None:
            deadline = posting.deadline.isoformat()
            if self.days_left is not None and self.days_left >= 0:
                deadline += f" ({self.days_left} day(s) left)"
        parts = [
            f"{posting.title}",
            f"id {posting.id}, {posting.path}, {self.role.state}; {where}",
            "",
            f"Link:     {self.link}",
            f"Team:     {posting.team or '-'}",
            f"Contract: {posting.contract or '-'}",
            f"Opened:   {posting.opened.isoformat() if posting.opened else '-'}",
            f"Deadline: {deadline}",
            f"Contact:  {posting.contact or '-'}",
            f"Summary:  {self.json_item.get('summary', '')}",
            "",
            f"== Atom entry, {shown_in} feeds/atom.xml (rss.xml carries the same) ==",
            self.atom_entry.rstrip(),
            "",
            f"== JSON Feed item, {shown_in} feeds/feed.json ==",
            json.dumps(self.json_item, ensure_ascii=False, indent=2),
        ]
        if self.messages:
            parts += ["", "== Chat messages, the exact payloads (nothing is sent) =="]
            for message in self.messages:
                parts += [f"-- {message.channel} --", message.text]
        return "\n".join(parts)


def atom_entry(atom: bytes) -> str:
    """The first <entry> of an Atom document, indented, with its namespace declared."""
    from lxml import etree

    root = etree.fromstring(atom)
    entry = root.find(f"{ATOM}entry")
    if entry is None:  # pragma: no cover - the feed was made with exactly one entry
        return ""
    etree.indent(entry, space="  ")
    entry.tail = None
    return str(etree.tostring(entry, encoding="unicode", pretty_print=True))


def chat_messages(
    role: Role, config: Config, now: dt.datetime, environ: Mapping[str, str] | None = None
) -> tuple[ChatMessage, ...]:
    """The exact payload each channel would get when this role is announced (opened, or closed
    with its reason once it has ended): the `[[notify]]` channels that want the event, else each
    default channel whose variable is set in `environ`, by `jobfeed notify`'s own rules (a preview
    has no state, so a default channel whose variable is unset is not shown). Nothing is sent."""
    from jobfeed.announce.delivery import channel_messages_for
    from jobfeed.announce.diff import event_of, snapshot_of
    from jobfeed.announce.routing import resolve_channels, wants
    from jobfeed.core.lifecycle import Catalog, State

    snapshot = snapshot_of(Catalog(now, (role,)), config.closing_soon_days, lambda p: link_of(p, config))
    shot = snapshot[role.id]
    ended = role.state in (State.FILLED, State.CLOSED, State.EXPIRED)
    kind = "closed" if ended else "opened"
    day = now.astimezone(config.tz).date().isoformat() if ended else (shot.opened or "")[:10]
    event = event_of(role.id, kind, day, shot, **({"reason": role.state.value} if ended else {}))
    shown = []
    for channel in (c.config for c in resolve_channels(config, environ or {})):
        if not wants(channel, event):
            continue
        for message in channel_messages_for(channel, [event], config.site_url):
            shown.append(
                ChatMessage(channel.label, json.dumps(message.payload, ensure_ascii=False, indent=2))
            )
    return tuple(shown)


def preview(
    posting: Posting, config: Config, now: dt.datetime, environ: Mapping[str, str] | None = None
) -> Preview:
    """The feed entry and chat messages of `posting` at `now`, whatever its state."""
    role = Role(posting, state_of(posting, now))
    link = link_of(posting, config)
    rendered = {role.id: render(posting, link, config.markdown)}
    items = items_of([role], rendered, config)
    meta = FeedMeta(title=config.title, path="atom", feed_id=f"tag:{config.id_authority}:feed")
    atom, _ = atom_and_rss(items, meta, config)
    item = json.loads(json_feed(items, config))["items"][0]
    left = days_left(posting.deadline, now, config)
    messages = chat_messages(role, config, now, environ)
    return Preview(role, link, left, atom_entry(atom), item, config.channels, messages)
