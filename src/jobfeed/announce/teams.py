"""Events -> Microsoft Teams messages for a Workflows webhook: one Adaptive Card per message. Pure.

Teams' Office 365 connectors are retired for Workflows ("Post to a channel when a webhook request
is received"), whose trigger takes a `message` with an Adaptive Card attachment and answers
202 Accepted. The card is version 1.4, the highest that Teams renders on desktop, web and mobile.

Text from a posting only ever goes into a `TextRun` of a `RichTextBlock`: unlike a `TextBlock`,
a text run is never read as Markdown, so a title cannot bold, link or format anything. Mentions
in a card need an `<at>` tag and an entity, which jobfeed never writes; the word joiners of
`neutralise_mentions` also stop the clients' link detection. A role's link is jobfeed's own (the
role's page), put on the title as an `Action.OpenUrl`, and only when it is a web link.

Teams takes at most about 28 KB per message: a digest is split into cards of at most
`TEAMS_MAX_BYTES` of JSON, each announcing whole events.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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

CARD_VERSION = "1.4"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
#: Teams refuses messages above about 28 KB; jobfeed keeps a margin for the envelope Teams adds.
TEAMS_MAX_BYTES = 24_000
#: A title or a team this long is cut: a card stays readable and one event always fits.
TEAMS_MAX_TEXT = 1_000


def _clip(text: str, limit: int = TEAMS_MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _run(text: str, **style: Any) -> dict[str, Any]:
    """A text run: plain text, never Markdown; posting text made inert."""
    return {"type": "TextRun", "text": neutralise_mentions(_clip(text)), **style}


def _header(text: str) -> dict[str, Any]:
    """jobfeed's own words (a kind of event and a count): a TextBlock, no posting text."""
    return {"type": "TextBlock", "text": text, "weight": "Bolder", "size": "Medium", "wrap": True}


def _event_block(event: Event, language: str) -> dict[str, Any]:
    title = _run(event.title, weight="Bolder")
    if event.kind != "closed" and is_web_link(event.link):
        title["selectAction"] = {"type": "Action.OpenUrl", "url": event.link, "title": _t(language, "view")}
    parts = [p for p in (event.contract, details(event, language)) if p]
    return {
        "type": "Container",
        "spacing": "Small",
        "items": [
            {"type": "RichTextBlock", "inlines": [title]},
            {"type": "RichTextBlock", "inlines": [_run(" · ".join(parts), isSubtle=True)]},
        ],
    }


def card_payload(body: list[dict[str, Any]], language: str = "fr", fallback: str = "") -> dict[str, Any]:
    """The Workflows webhook payload: a message with one Adaptive Card attachment (only the
    properties of the published card schema: no Teams-only `msteams` extension)."""
    card = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "lang": language,
        "fallbackText": fallback,
        "body": body,
    }
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }


def _size(body: list[dict[str, Any]]) -> int:
    return len(json.dumps(card_payload(body), ensure_ascii=False).encode("utf-8"))


def teams_messages(events: Sequence[Event], language: str = "fr", site_url: str = "") -> list[Message]:
    """The Teams digest of `events`: Adaptive Cards of at most TEAMS_MAX_BYTES each."""
    pages: list[tuple[list[dict[str, Any]], list[str]]] = [([], [])]
    for kind, group in _groups(events):
        title = heading(kind, len(group), language)
        header = _header(title)
        if pages[-1][1] and _size([*pages[-1][0], header]) + 2_000 > TEAMS_MAX_BYTES:
            pages.append(([], []))
        pages[-1][0].append(header)
        for event in group:
            block = _event_block(event, language)
            if pages[-1][1] and _size([*pages[-1][0], block]) > TEAMS_MAX_BYTES:
                pages.append(([_header(_t(language, "continued", title=title))], []))
            pages[-1][0].append(block)
            pages[-1][1].append(event.id)
    messages = []
    for body, ids in pages:
        if not ids:
            continue
        if is_web_link(site_url):
            body = [
                *body,
                {
                    "type": "ActionSet",
                    "actions": [
                        {
                            "type": "Action.OpenUrl",
                            "title": _t(language, "all_roles", url="").strip(" :"),
                            "url": site_url,
                        }
                    ],
                },
            ]
        announced = [e for e in events if e.id in set(ids)]
        messages.append(Message(card_payload(body, language, summary_line(announced, language)), tuple(ids)))
    return messages


def teams_error(body: str) -> str | None:
    """The Workflows (Logic Apps) error text: `{"error": {"code": …, "message": …}}` -> `message (code)`."""
    body = body.strip()
    if not body.startswith("{"):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None
    message, code = str(error.get("message") or ""), str(error.get("code") or "")
    message = " ".join(message.split())[:200]
    return f"{message} ({code})" if message and code else (message or code) or None
