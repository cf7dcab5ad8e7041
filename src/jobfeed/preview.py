"""`jobfeed preview`: what one role looks like in the feeds (and, later, in each chat channel).

Nothing is written or sent. The feed entry is made by the same code as `jobfeed build`, from a
one-entry feed, so it is exactly what `feeds/atom.xml` and `feeds/feed.json` hold for this role.

Chat messages: `jobfeed notify` (messages.py, channels.py) is built on another branch. When it is
merged, `chat_messages()` below becomes one call to its message renderer; the CLI and the text and
JSON outputs already carry the messages through.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from lxml import etree

from .config import ChannelConfig, Config
from .feeds import FeedMeta, atom_and_rss, items_of, json_feed, link_of
from .lifecycle import Role, state_of
from .listing import days_left
from .markup import render
from .postings import Posting

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
        if self.channels:
            parts += ["", "== Chat messages (nothing is sent) =="]
            if self.messages:
                for message in self.messages:
                    parts += [f"-- {message.channel} --", message.text]
            else:
                parts.append(
                    "Not available yet: chat messages come with `jobfeed notify`. Channels configured: "
                    + ", ".join(c.label for c in self.channels)
                )
        return "\n".join(parts)


def atom_entry(atom: bytes) -> str:
    """The first <entry> of an Atom document, indented, with its namespace declared."""
    root = etree.fromstring(atom)
    entry = root.find(f"{ATOM}entry")
    if entry is None:  # pragma: no cover - the feed was made with exactly one entry
        return ""
    etree.indent(entry, space="  ")
    entry.tail = None
    return str(etree.tostring(entry, encoding="unicode", pretty_print=True))


def chat_messages(role: Role, config: Config, now: dt.datetime) -> tuple[ChatMessage, ...]:
    """The message each configured channel would get for this role.

    Empty until `jobfeed notify` is merged: that branch owns the message format (messages.py) and
    the channels (channels.py); this is the single place to call it from.
    """
    return ()


def preview(posting: Posting, config: Config, now: dt.datetime) -> Preview:
    """The feed entry and chat messages of `posting` at `now`, whatever its state."""
    role = Role(posting, state_of(posting, now))
    link = link_of(posting, config)
    rendered = {role.id: render(posting, link, config.markdown)}
    items = items_of([role], rendered, config)
    meta = FeedMeta(title=config.title, path="atom", feed_id=f"tag:{config.id_authority}:feed")
    atom, _ = atom_and_rss(items, meta, config)
    item = json.loads(json_feed(items, config))["items"][0]
    left = days_left(posting.deadline, now, config)
    messages = chat_messages(role, config, now)
    return Preview(role, link, left, atom_entry(atom), item, config.channels, messages)
