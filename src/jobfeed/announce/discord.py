"""Discord: webhook messages with embeds, a digest within Discord's limits, or (in a forum
channel, `forum = true`) one forum post per role whose updates are replies. Pure payloads, and the
webhook calls.

Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits): 10 embeds per
message, 6,000 characters in all of them, title 256, description 4,096, field name 256, field value
1,024, author name 256, 2,000 characters of content, a thread name of 100. Every message says
`allowed_mentions: {"parse": []}` so that nothing pings anybody, and text from a posting is
Markdown-escaped with its mentions and links neutralised.

Answers: with `?wait=true`, 200 and the message (its `id`, and `channel_id`, the thread of a forum
post); errors are JSON `{"code": …, "message": …}` (10015 Unknown Webhook, 50035 Invalid Form
Body); 429 says `retry_after` in seconds (a float) in its JSON and the X-RateLimit headers, and a
2xx whose `X-RateLimit-Remaining` is 0 makes the next call wait `X-RateLimit-Reset-After`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import requests

from jobfeed.announce.apicall import call, failure, http_failure, short
from jobfeed.announce.diff import Event
from jobfeed.announce.messages import (
    Message,
    _capital,
    _clip,
    _groups,
    _t,
    details,
    heading,
    is_web_link,
    neutralise_mentions,
    summary_line,
)
from jobfeed.announce.redact import secrets_of
from jobfeed.announce.webhooks import RetryPolicy, _Attempt, _retry_after
from jobfeed.errors import DeliveryError

MAX_EMBEDS = 10
MAX_TOTAL = 6000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_AUTHOR = 256
MAX_CONTENT = 2000
MAX_THREAD_NAME = 100
NO_MENTIONS: dict[str, list[str]] = {"parse": []}
COLOURS = {"opened": 0x2E7D32, "reopened": 0x2E7D32, "deadline_changed": 0x1565C0, "closing_soon": 0xEF6C00}
CLOSED_COLOUR = 0x616161

_MARKDOWN = set("\\*_~`|>#-[]()<:.!+=")


def escape(text: str) -> str:
    """Discord Markdown shown as written: every special character backslash-escaped, no mention, no link."""
    inert = neutralise_mentions(" ".join(text.split()))
    return "".join("\\" + c if c in _MARKDOWN else c for c in inert)


def _fit(text: str, limit: int) -> str:
    """`text` escaped, cut so that its escaped form fits `limit` (never half an escape)."""
    escaped = escape(text)
    while len(escaped) > limit:
        text = text[: max(1, len(text) - (len(escaped) - limit) // 2 - 1)]
        escaped = escape(text) + "…"
    return escaped


def embed_of(event: Event, language: str) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "author": {"name": _clip(heading(event.kind, 1, language), MAX_AUTHOR)},
        "title": _fit(event.title, MAX_TITLE),
        "description": _clip(_capital(details(event, language)), MAX_DESCRIPTION),
        "color": COLOURS.get(event.kind, CLOSED_COLOUR),
    }
    if event.contract:
        label = _t(language, "contract", v="").strip().rstrip(":").strip()
        embed["fields"] = [
            {
                "name": _clip(label, MAX_FIELD_NAME),
                "value": _fit(event.contract, MAX_FIELD_VALUE),
                "inline": True,
            }
        ]
    if event.kind != "closed" and is_web_link(event.link):
        embed["url"] = event.link
    return embed


def embed_size(embed: dict[str, Any]) -> int:
    """The characters Discord counts toward 6,000: title, description, field names and values,
    footer text, author name."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return size + len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))


def _base(username: str, icon_url: str) -> dict[str, Any]:
    base: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if username:
        base["username"] = _clip(username, 80)
    if icon_url:
        base["avatar_url"] = icon_url
    return base


def discord_messages(
    events: Sequence[Event], language: str = "fr", username: str = "", icon_url: str = ""
) -> list[Message]:
    """The digest: as few messages as fit 10 embeds and 6,000 characters each, in KINDS order."""
    pages: list[list[tuple[Event, dict[str, Any]]]] = [[]]
    for _, group in _groups(events):
        for event in group:
            embed = embed_of(event, language)
            page = pages[-1]
            used = sum(embed_size(e) for _, e in page)
            if page and (len(page) >= MAX_EMBEDS or used + embed_size(embed) > MAX_TOTAL):
                pages.append([])
            pages[-1].append((event, embed))
    messages = []
    for page in pages:
        if page:
            payload = {
                **_base(username, icon_url),
                "content": _clip(summary_line([e for e, _ in page], language), MAX_CONTENT),
                "embeds": [embed for _, embed in page],
            }
            messages.append(Message(payload, tuple(e.id for e, _ in page)))
    return messages


def forum_payload(event: Event, language: str, username: str = "", icon_url: str = "") -> dict[str, Any]:
    """One event as a forum post (its `thread_name` is dropped when it is a reply)."""
    return {
        **_base(username, icon_url),
        "thread_name": _clip(neutralise_mentions(" ".join(event.title.split())), MAX_THREAD_NAME),
        "content": _clip(heading(event.kind, 1, language), MAX_CONTENT),
        "embeds": [embed_of(event, language)],
    }


# --- the webhook ------------------------------------------------------------------------------------


def discord_judge(status: int, data: Any, body: str, headers: Mapping[str, str]) -> _Attempt | None:
    if 200 <= status < 300:
        return None
    text = short(body)
    if isinstance(data, dict) and "message" in data:
        text = f"{str(data['message'])[:200]} (code {data.get('code', '?')})"
    if status == 429:
        wait = data.get("retry_after") if isinstance(data, dict) else None
        seconds = float(wait) if isinstance(wait, (int, float)) and not isinstance(wait, bool) else 0.0
        seconds = max(seconds, _retry_after(headers.get("X-RateLimit-Reset-After")))
        seconds = seconds or _retry_after(headers.get("Retry-After"))
        return failure(text, transient=True, status=status, wait=seconds)
    return http_failure(status, text, headers)


class DiscordWebhook:
    """Posts (`?wait=true`, so the answer is the message), replies in a thread (`thread_id`) and
    edits (`PATCH …/messages/{id}`). A message's id here is `<channel or thread id>/<message id>`."""

    def __init__(
        self,
        session: requests.Session,
        url: str,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session, self.url, self.policy, self.sleep = session, url, policy, sleep

    def _address(self, suffix: str, **query: str) -> str:
        parts = urlsplit(self.url)
        extra = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
        joined = "&".join(q for q in (parts.query, extra) if q)
        return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix, query=joined))

    def _call(self, method: str, url: str, payload: dict[str, Any]) -> Any:
        return call(
            self.session,
            method,
            url,
            payload,
            discord_judge,
            secrets_of(self.url),
            policy=self.policy,
            sleep=self.sleep,
        )

    def post(self, payload: dict[str, Any], root: str | None, txn: str) -> str:
        if root:
            thread = root.partition("/")[0]
            body = {k: v for k, v in payload.items() if k != "thread_name"}
            answer = self._call("POST", self._address("", wait="true", thread_id=thread), body)
        else:
            answer = self._call("POST", self._address("", wait="true"), payload)
        if not isinstance(answer, dict) or not answer.get("id") or not answer.get("channel_id"):
            raise DeliveryError("Discord answered without the message's id", transient=False)
        return f"{answer['channel_id']}/{answer['id']}"

    def edit(self, root: str, payload: dict[str, Any], txn: str) -> None:
        thread, _, message = root.partition("/")
        body = {k: v for k, v in payload.items() if k not in ("thread_name", "username", "avatar_url")}
        self._call("PATCH", self._address(f"/messages/{quote(message, safe='')}", thread_id=thread), body)
