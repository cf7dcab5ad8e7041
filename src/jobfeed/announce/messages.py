"""Events -> chat messages: Slack Block Kit and Mattermost Markdown, in French or English. Pure.

Text that comes from a posting is always shown as plain text: on Slack it only ever goes into
`plain_text` objects, escaped (`&`, `<`, `>`); on Mattermost every Markdown character is
backslash-escaped. On both, an invisible word joiner follows every `@` from a posting, so
`@channel`, `@here`, `@all` or `@someone` can never notify anybody, and breaks every pattern that
a client would turn into a link (`www.`, `https://`, `x.example/y`, `a@b.example`).

Several events of one run go out as one digest, split into as few messages as the platform's
limits allow (Slack: 50 blocks, 3,000 characters per section, 150 per header; Mattermost: 16,383
characters per post).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from jobfeed.announce.diff import KINDS, Event
from jobfeed.core.humandates import language_of, long_date

SLACK_MAX_BLOCKS = 50
SLACK_MAX_SECTION = 3000
SLACK_MAX_FIELD = 2000
SLACK_MAX_HEADER = 150
SLACK_MAX_BUTTON_URL = 3000
#: Jobfeed's own cap on the text of one Slack message, so that a digest stays readable.
SLACK_MAX_MESSAGE_TEXT = 12_000
MATTERMOST_MAX_POST = 16_383
#: Up to this many events, each gets its own card (fields and a button); beyond, a compact list.
CARDS_UP_TO = 10
WORD_JOINER = "\u2060"


_TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "opened": "Nouveau poste",
        "opened+": "Nouveaux postes ({n})",
        "reopened": "Poste rouvert",
        "reopened+": "Postes rouverts ({n})",
        "deadline_changed": "Date limite modifiée",
        "deadline_changed+": "Dates limites modifiées ({n})",
        "closing_soon": "Clôture bientôt",
        "closing_soon+": "Clôturent bientôt ({n})",
        "closed": "Poste fermé",
        "closed+": "Postes fermés ({n})",
        "continued": "{title} (suite)",
        "team": "Équipe : {v}",
        "contract": "Contrat : {v}",
        "closes": "clôture le {d}",
        "closes_at": "clôture le {d} à {t}",
        "no_deadline": "sans date limite",
        "was": "{now} (au lieu du {before})",
        "was_none": "{now} (auparavant sans date limite)",
        "extended": "date limite prolongée",
        "brought_forward": "date limite avancée",
        "view": "Voir le poste",
        "filled": "pourvu",
        "closed_reason": "fermé",
        "expired": "date limite passée",
        "removed": "retiré",
        "all_roles": "Tous les postes : {url}",
        "left_0": "{deadline} (dernier jour)",
        "left_1": "{deadline} (demain)",
        "left_n": "{deadline} (dans {n} jours)",
    },
    "en": {
        "opened": "New role",
        "opened+": "New roles ({n})",
        "reopened": "Role reopened",
        "reopened+": "Roles reopened ({n})",
        "deadline_changed": "Deadline changed",
        "deadline_changed+": "Deadlines changed ({n})",
        "closing_soon": "Closing soon",
        "closing_soon+": "Closing soon ({n})",
        "closed": "Role closed",
        "closed+": "Roles closed ({n})",
        "continued": "{title} (continued)",
        "team": "Team: {v}",
        "contract": "Contract: {v}",
        "closes": "closes on {d}",
        "closes_at": "closes on {d} at {t}",
        "no_deadline": "no deadline",
        "was": "{now} (was {before})",
        "was_none": "{now} (had no deadline)",
        "extended": "deadline extended",
        "brought_forward": "deadline brought forward",
        "view": "View role",
        "filled": "filled",
        "closed_reason": "closed",
        "expired": "deadline passed",
        "removed": "removed",
        "all_roles": "All roles: {url}",
        "left_0": "{deadline} (last day)",
        "left_1": "{deadline} (tomorrow)",
        "left_n": "{deadline} (in {n} days)",
    },
}


@dataclasses.dataclass(frozen=True)
class Message:
    """One HTTP post: its JSON payload and the ids of the events it announces."""

    payload: dict[str, Any]
    event_ids: tuple[str, ...]


# --- words -----------------------------------------------------------------------------------------


def _t(language: str, key: str, **values: Any) -> str:
    return _TEXT.get(language, _TEXT["fr"])[key].format(**values)


def format_day(day: dt.date, language: str) -> str:
    """`23 février 2022`, `23 February 2022`; `1er` for the first of the month in French."""
    return long_date(day, language_of(language))


def format_deadline(value: str | None, language: str) -> str:
    """A deadline as stored (`2022-02-23` or a local date-time) -> `clôture le 23 février 2022`."""
    if not value:
        return _t(language, "no_deadline")
    try:
        if len(value) == 10:
            return _t(language, "closes", d=format_day(dt.date.fromisoformat(value), language))
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return _t(language, "closes", d=value)
    return _t(language, "closes_at", d=format_day(moment.date(), language), t=moment.strftime("%H:%M"))


def heading(kind: str, count: int, language: str) -> str:
    return _t(language, kind if count == 1 else f"{kind}+", n=count)


def details(event: Event, language: str) -> str:
    """What is said about the event besides the role: deadline, reason, change."""
    if event.kind == "closed":
        reason = event.reason if event.reason and event.reason != "closed" else "closed_reason"
        return _t(language, reason)
    deadline = format_deadline(event.deadline, language)
    if event.kind == "closing_soon" and event.days_left is not None:
        key = f"left_{event.days_left}" if event.days_left in (0, 1) else "left_n"
        return _t(language, key, deadline=deadline, n=event.days_left)
    if event.kind != "deadline_changed":
        return deadline
    if not event.previous_deadline:
        return _t(language, "was_none", now=deadline)
    before = format_deadline(event.previous_deadline, language).split(" ", 2)[-1]  # "23 février 2022"
    change = _t(language, "was", now=deadline, before=before)
    colon = " : " if language == "fr" else ": "  # French typography: a space before the colon
    return _t(language, _direction(event.previous_deadline, event.deadline)) + colon + change


def _direction(before: str, after: str | None) -> str:
    if after is None or after[:10] > before[:10] or (after[:10] == before[:10] and after > before):
        return "extended"
    return "brought_forward"


def is_web_link(link: str) -> bool:
    return link.startswith(("https://", "http://")) and len(link) <= SLACK_MAX_BUTTON_URL


def _groups(events: Sequence[Event]) -> list[tuple[str, list[Event]]]:
    return [
        (kind, [e for e in events if e.kind == kind]) for kind in KINDS if any(e.kind == kind for e in events)
    ]


def summary_line(events: Sequence[Event], language: str) -> str:
    """`Nouveaux postes (3) · Poste fermé`: the notification text of a digest."""
    return " · ".join(heading(kind, len(group), language) for kind, group in _groups(events))


# --- escaping ----------------------------------------------------------------------------------------


#: Where a chat client would start a mention or a link in text (Mattermost's GitHub-style
#: autolinks, Slack's URL detection, linkifiers of mobile and desktop apps): after an `@`, inside
#: `www`, between `:` and `/`, after a dot (also an ideographic or full-width one) before a letter
#: or digit, so that no `@here`, `www.x`, `https://x`, `x.example/y` or `a@b.example` stays whole.
_TRIGGERS = re.compile(r"(?<=@)|(?<=[wW])(?=[wW]{2})|(?<=:)(?=/)|(?<=[.\u3002\uff0e\uff61])(?=\w)")


def neutralise_mentions(text: str) -> str:
    """`@here` -> `@\u2060here`, `www.evil.example` -> `w\u2060ww.\u2060evil.\u2060example`: reads the
    same (a word joiner is invisible), notifies nobody and links nowhere."""
    return _TRIGGERS.sub(WORD_JOINER, text)


def slack_escape(text: str, inert: bool = True) -> str:
    """Slack's three control characters as entities, and (`inert`) no mention or link."""
    text = neutralise_mentions(text) if inert else text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#!|<>~:&$")


def mattermost_escape(text: str) -> str:
    """Every Markdown character backslash-escaped, and no mention: the text shows exactly as written."""
    inert = neutralise_mentions(" ".join(text.split()))
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in inert)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Slack -----------------------------------------------------------------------------------------


def _plain(text: str, limit: int, inert: bool = True) -> dict[str, Any]:
    """A plain_text object of at most `limit` characters once escaped: when it is too long, the
    longest start of `text` whose escaped form fits with "…" (escaping first, then cutting, could
    cut an entity in two). A longer start never escapes shorter, so it is found by bisection.
    `inert=False` only for jobfeed's own text (the site's address)."""
    escaped = slack_escape(text, inert)
    if len(escaped) > limit:
        fits, too_long = 1, len(text)  # at least one character is kept
        while too_long - fits > 1:
            middle = (fits + too_long) // 2
            if len(slack_escape(text[:middle] + "…", inert)) <= limit:
                fits = middle
            else:
                too_long = middle
        escaped = slack_escape(text[:fits] + "…", inert)
    return {"type": "plain_text", "text": escaped, "emoji": False}


def _slack_header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": _plain(text, SLACK_MAX_HEADER)}


def _slack_card(event: Event, language: str) -> dict[str, Any]:
    fields = []
    if event.team:
        fields.append(_plain(_t(language, "team", v=event.team), SLACK_MAX_FIELD))
    if event.contract:
        fields.append(_plain(_t(language, "contract", v=event.contract), SLACK_MAX_FIELD))
    fields.append(_plain(_capital(details(event, language)), SLACK_MAX_FIELD))
    block: dict[str, Any] = {
        "type": "section",
        "text": _plain(event.name, SLACK_MAX_SECTION),
        "fields": fields,
    }
    if event.kind != "closed" and is_web_link(event.link):
        block["accessory"] = {
            "type": "button",
            "text": {"type": "plain_text", "text": _t(language, "view"), "emoji": False},  # under 75
            "url": event.link,
        }
    return block


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slack_line(event: Event, language: str) -> str:
    parts = [event.title]
    if event.contract:
        parts.append(event.contract)
    parts.append(details(event, language))
    return _clip("• " + " · ".join(parts), 1000)


def _slack_rich_line(event: Event, language: str, last: bool) -> list[dict[str, Any]]:
    """One role of a compact digest as rich text elements: `• <title linked> · contract · details`.
    A rich text element is never read as markup (no `<url|text>`, `*bold*` or mention), so a title
    cannot forge a link; the link is the role's own page, and only a web link."""
    line = _slack_line(event, language)[2:]  # the compact line, clipped as a whole, without "• "
    title, rest = line[: len(event.title)], line[len(event.title) :]
    linked = event.kind != "closed" and is_web_link(event.link)
    shown: dict[str, Any] = {"type": "link", "url": event.link} if linked else {"type": "text"}
    shown["text"] = _rich_inert(title)
    elements = [{"type": "text", "text": "• "}, shown]
    rest += "" if last else "\n"
    if rest:
        elements.append({"type": "text", "text": _rich_inert(rest)})
    return elements


def _rich_inert(text: str) -> str:
    """Rich text is shown as written; still, no mention, no link, and no `<!channel>` or `<@U…>`
    that any reader of the payload could take for Slack's markup (a word joiner after `<`)."""
    return neutralise_mentions(text).replace("<", "<" + WORD_JOINER)


def _slack_size(block: dict[str, Any]) -> int:
    if block.get("type") == "rich_text":  # what the same lines weigh as escaped text
        texts = [e["text"] for section in block["elements"] for e in section["elements"]]
        return len(slack_escape("".join(texts), False))
    size = len(block.get("text", {}).get("text", ""))
    return size + sum(len(f["text"]) for f in block.get("fields", []))


def _slack_sections(group: Sequence[Event], language: str) -> list[tuple[dict[str, Any], list[str]]]:
    """The compact list of `group` as rich text blocks: as many lines per block as fit in 3,000
    characters once escaped and joined (Slack's limit for a section's text, kept for rich text)."""
    chunks: list[list[Event]] = []
    sizes: list[int] = []  # of each chunk's lines, escaped and joined by newlines
    for event in group:
        length = len(slack_escape(_slack_line(event, language)))
        if chunks and sizes[-1] + 1 + length <= SLACK_MAX_SECTION:
            chunks[-1].append(event)
            sizes[-1] += 1 + length
        else:
            chunks.append([event])
            sizes.append(length)
    blocks = []
    for chunk in chunks:
        elements = [
            element
            for n, event in enumerate(chunk)
            for element in _slack_rich_line(event, language, n == len(chunk) - 1)
        ]
        block = {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": elements}]}
        blocks.append((block, [e.id for e in chunk]))
    return blocks


def slack_messages(events: Sequence[Event], language: str = "fr", site_url: str = "") -> list[Message]:
    """The Slack digest of `events`: Block Kit with a plain `text` fallback, split within the limits.

    A message holds as many blocks as fit in jobfeed's 12,000 characters and 49 blocks (the 50th
    is the link to every role); a kind's heading always stays with its first role, and a kind cut
    in two goes on under a "(suite)" heading."""
    cards = len(events) <= CARDS_UP_TO
    pages: list[tuple[list[dict[str, Any]], list[str], list[str]]] = []  # blocks, event ids, headings

    def fits(blocks: list[dict[str, Any]]) -> bool:
        # The block count never binds before the characters do (at most 10 cards; in a compact
        # list, two blocks in a row hold more than 3,000 characters): a guard, not a rule.
        page = pages[-1][0]
        return (
            len(page) + len(blocks) <= SLACK_MAX_BLOCKS - 1  # pragma: no mutate
            and sum(map(_slack_size, page + blocks)) <= SLACK_MAX_MESSAGE_TEXT
        )

    for kind, group in _groups(events):
        title = heading(kind, len(group), language)
        pieces = (
            [(_slack_card(e, language), [e.id]) for e in group] if cards else _slack_sections(group, language)
        )
        for n, (block, ids) in enumerate(pieces):
            heads = [] if n else [title]
            if not pages or not fits([*map(_slack_header, heads), block]):
                pages.append(([], [], []))
                heads = heads or [_t(language, "continued", title=title)]
            blocks, page_ids, page_heads = pages[-1]
            blocks.extend([*map(_slack_header, heads), block])
            page_ids.extend(ids)
            page_heads.extend(heads)
    messages = []
    for blocks, ids, titles in pages:
        if not cards and is_web_link(site_url):
            blocks = [
                *blocks,
                {
                    "type": "context",
                    "elements": [_plain(_t(language, "all_roles", url=site_url), 2000, False)],
                },
            ]
        announced = [e for e in events if e.id in set(ids)]
        # The notification text says what the headers of this message say (a continued message
        # says so too): never a count that the message's own header contradicts.
        text = " · ".join(titles)
        if cards:
            text += "\n" + "\n".join(f"• {e.title}" for e in announced)
        payload = {"text": slack_escape(_clip(text, 3000)), "mrkdwn": False, "blocks": blocks}
        messages.append(Message(payload, tuple(ids)))
    return messages


# --- Mattermost ------------------------------------------------------------------------------------


def _mattermost_line(event: Event, language: str) -> str:
    """`- **[title](link)** · contract · details`: the title and contract clipped before they are
    escaped, so a long one never cuts the Markdown of the line (a line is at most about 5,500
    characters: 2 × 1,000 for the title, 3,000 for the link, 2 × 200 for the contract)."""
    title = mattermost_escape(_clip(event.title, 1000))
    if event.kind != "closed" and is_web_link(event.link):
        title = f"[{title}]({event.link.replace(')', '%29').replace(' ', '%20')})"
    parts = [f"**{title}**"]
    if event.contract:
        parts.append(mattermost_escape(_clip(event.contract, 200)))
    parts.append(details(event, language))  # jobfeed's own words and dates
    return "- " + " · ".join(parts)


def mattermost_messages(
    events: Sequence[Event], language: str = "fr", username: str = "", icon_url: str = ""
) -> list[Message]:
    """The Mattermost digest of `events`: Markdown posts of at most 16,383 characters, each as full
    as the next line allows; a kind's heading stays with its first role, and a kind cut in two
    goes on under a "(suite)" heading."""
    posts: list[tuple[list[str], list[str]]] = []
    sizes: list[int] = []  # of each post's text, its lines joined by newlines
    for kind, group in _groups(events):
        title = heading(kind, len(group), language)
        for n, event in enumerate(group):
            line = _mattermost_line(event, language)
            lines = [line] if n else ["", f"#### {title}", line]
            added = sum(map(len, lines)) + len(lines)
            if posts and sizes[-1] + added <= MATTERMOST_MAX_POST:
                posts[-1][0].extend(lines)
                sizes[-1] += added
            else:
                start = f"#### {_t(language, 'continued', title=title)}" if n else f"#### {title}"
                posts.append(([start, line], []))
                sizes.append(len(start) + 1 + len(line))
            posts[-1][1].append(event.id)
    messages = []
    for lines, ids in posts:
        payload: dict[str, Any] = {"text": "\n".join(lines)}
        if username:
            payload["username"] = username
        if icon_url:
            payload["icon_url"] = icon_url
        messages.append(Message(payload, tuple(ids)))
    return messages


def channel_messages(
    kind: str,
    events: Sequence[Event],
    language: str,
    *,
    username: str = "",
    icon_url: str = "",
    site_url: str = "",
) -> list[Message]:
    if kind == "slack":
        return slack_messages(events, language, site_url)
    return mattermost_messages(events, language, username, icon_url)
