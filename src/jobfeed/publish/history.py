"""The history feeds: what happened to each role (opened, reopened, deadline changed, filled,
closed, expired, taken down), one entry per event, newest first (`history.xml`, `history.json`,
and `equipes/<team>.history.xml` / `.history.json`).

The events are those `jobfeed notify` announces, found the same way (`announce.diff`, pure: the
import rules let publish read it) and with the same ids (`<role>:<kind>:<day>`), so an event has
one id everywhere. Each build compares the roles as the events so far left them with the catalog
and appends what changed to `history/events.json`, the log it reads back at the next build (in the
output folder, like `published.json`: it holds only public roles, never a scheduled one). So the
feeds are a function of the postings, the log and the day: the same inputs give the same bytes,
and a build on which nothing changed appends nothing.

A history feed holds the last `[feeds] history_size` events. Older ones are in archive pages
(RFC 5005 "Archived Feeds"): `history/archive-<n>.xml` (and `.json`) holds the log's events
(n-1)*size+1 to n*size, oldest page first, and never changes once written; `history.xml` links the
newest page as `prev-archive`, each page its previous one and `current`. JSON Feed has no archive
standard: `next_url` leads to the older page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jobfeed._version import __version__
from jobfeed.announce.diff import Event, RoleSnapshot, diff, snapshot_of, with_removed
from jobfeed.config import Config
from jobfeed.core.humandates import language_of, long_date
from jobfeed.core.identity import EPOCH, link_of
from jobfeed.core.lifecycle import Catalog, State
from jobfeed.core.markup import is_safe_url
from jobfeed.errors import Problem
from jobfeed.publish.facets import facet_slug
from jobfeed.publish.feeds import GENERATOR_URI
from jobfeed.publish.stylesheet import with_stylesheet
from jobfeed.publish.websub import json_hubs, with_hub_links

LOG = "history/events.json"
LOG_VERSION = 1
_KINDS = ("opened", "reopened", "deadline_changed", "closed")

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Historique",
        "subtitle": "Chaque poste ouvert, rouvert, prolongé, pourvu, fermé ou expiré",
        "opened": "Poste ouvert",
        "reopened": "Poste rouvert",
        "deadline_changed": "Date de clôture modifiée",
        "filled": "Poste pourvu",
        "closed": "Candidatures closes",
        "expired": "Date de clôture passée",
        "removed": "Offre retirée",
        "deadline": "Clôture",
        "was": "au lieu du",
        "none": "pas de date de clôture",
        "colon": " : ",
    },
    "en": {
        "title": "History",
        "subtitle": "Every role opened, reopened, extended, filled, closed or expired",
        "opened": "Role opened",
        "reopened": "Role reopened",
        "deadline_changed": "Closing date changed",
        "filled": "Role filled",
        "closed": "Applications closed",
        "expired": "Closing date passed",
        "removed": "Role taken down",
        "deadline": "Closing date",
        "was": "instead of",
        "none": "no closing date",
        "colon": ": ",
    },
}


@dataclasses.dataclass(frozen=True)
class Happened:
    """One event of the log: notify's event, and the day it happened in the site's time zone."""

    event: Event
    on: str  # YYYY-MM-DD

    @property
    def what(self) -> str:
        """opened, reopened, deadline_changed, filled, closed, expired or removed."""
        if self.event.kind == "closed":
            return self.event.reason or "closed"
        return self.event.kind

    def as_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.event.as_dict().items() if v is not None}, "on": self.on}


def read_log(out: Path) -> tuple[list[Happened], list[Problem]]:
    """The events of the log in the output folder `out`, oldest first; a damaged log is a warning
    and the history starts again (its feeds are rebuilt from what the catalog shows)."""
    path = out / LOG
    try:
        raw = json.loads(path.read_bytes())
    except FileNotFoundError:
        return [], []
    except (OSError, ValueError) as e:
        return [], [
            Problem(str(path), 1, "warning", f"unreadable history log ({e}); the history starts again")
        ]
    events = raw.get("events") if isinstance(raw, dict) and raw.get("version") == LOG_VERSION else None
    found: list[Happened] = []
    if isinstance(events, list):
        for item in events:
            if not isinstance(item, dict):
                break
            on = item.get("on")
            try:
                event = Event.from_dict(item)
                dt.date.fromisoformat(str(on))
            except (TypeError, ValueError):
                break
            if event.kind not in _KINDS or not all(
                isinstance(v, str) for v in (event.id, event.role, event.name)
            ):
                break
            found.append(Happened(event, str(on)))
        else:
            return found, []
    why = "not a jobfeed history log" if not found else f"entry {len(found) + 1} is damaged"
    return [], [Problem(str(path), 1, "warning", f"{why}; the history starts again")]


def _snapshot_of_log(log: Sequence[Happened]) -> dict[str, RoleSnapshot]:
    """Each role as its last event left it."""
    roles: dict[str, RoleSnapshot] = {}
    for happened in log:
        e = happened.event
        state = State.OPEN.value if e.kind != "closed" else (e.reason or State.CLOSED.value)
        roles[e.role] = RoleSnapshot(state, e.name, e.team, e.contract, e.link, None, e.deadline)
    return roles


def next_events(log: Sequence[Happened], catalog: Catalog, config: Config) -> list[Happened]:
    """The events between the roles as `log` left them and `catalog`, dated on its day."""
    today = catalog.now.astimezone(config.tz).date()
    current = {
        role_id: dataclasses.replace(snap, closing_soon=None)
        for role_id, snap in snapshot_of(catalog, 0, lambda p: link_of(p, config)).items()
    }
    previous = _snapshot_of_log(log)
    known = {h.event.id for h in log}
    found = []
    for event in diff(previous, with_removed(previous, current), today):
        if event.kind not in _KINDS or event.id in known:
            continue  # the same event again (a role closed and reopened on one day): once
        known.add(event.id)
        on = min(event.id.rsplit(":", 1)[1], today.isoformat())
        found.append(Happened(event, on))
    return found


def _xml(value: str) -> str:
    return html.escape(value, quote=True).replace("&#x27;", "'")


def _updated(on: str, config: Config) -> str:
    day = dt.date.fromisoformat(on)
    return dt.datetime.combine(day, dt.time(0), config.tz).isoformat()


def _day_text(value: str | None, lang: str) -> str:
    if not value:
        return WORDS[lang]["none"]
    try:
        return long_date(dt.date.fromisoformat(value[:10]), lang)
    except ValueError:
        return value


def _entry(happened: Happened, config: Config, lang: str) -> dict[str, str]:
    """The parts of an entry: id, title, link, updated, HTML content."""
    words, e = WORDS[lang], happened.event
    label = words[happened.what]
    deadline = f"<strong>{words['deadline']}</strong>{words['colon']}{_xml(_day_text(e.deadline, lang))}"
    if e.kind == "deadline_changed":
        deadline += f" ({words['was']} {_xml(_day_text(e.previous_deadline, lang))})"
    url = e.link if e.link and is_safe_url(e.link) else ""  # the log is read back: judged again
    link = f'<a href="{_xml(url)}">{_xml(e.title)}</a>' if url else _xml(e.title)
    # One line, as the entries of the open roles start (`keyfacts`): the stylesheet shows it too.
    content = f"<p><strong>{_xml(label)}</strong>{words['colon']}{link} · {deadline}</p>\n"
    return {
        "id": f"tag:{config.id_authority}:{e.id}",
        "title": f"{label} — {e.title}",
        "link": url,
        "updated": _updated(happened.on, config),
        "content": content,
    }


@dataclasses.dataclass(frozen=True)
class _Page:
    path: str  # without extension: "history", "history/archive-2", "equipes/x.history"
    title: str
    events: Sequence[Happened]  # newest first
    prev_archive: str = ""  # path without extension of the older page
    archive: bool = False


def _atom(page: _Page, config: Config, lang: str) -> bytes:
    site = config.site_url
    entries = [_entry(h, config, lang) for h in page.events]
    updated = max((e["updated"] for e in entries), default=EPOCH.isoformat())
    head = [
        "<?xml version='1.0' encoding='UTF-8'?>\n",
        f'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:fh="http://purl.org/syndication/history/1.0"'
        f' xml:lang="{_xml(config.language)}"',
    ]
    depth = page.path.count("/")
    if depth and not site:
        head.append(f' xml:base="{"../" * depth}"')
    head.append(">\n")
    head += [
        f"  <id>tag:{_xml(config.id_authority)}:{_xml(page.path)}</id>\n",
        f"  <title>{_xml(page.title)}</title>\n",
        f"  <updated>{updated}</updated>\n",
        f"  <author>\n    <name>{_xml(config.author or config.title)}</name>\n  </author>\n",
        f'  <link href="{_xml(site or "./")}" rel="alternate"/>\n',
        f'  <link href="{_xml(site + page.path)}.xml" rel="self" type="application/atom+xml"/>\n',
    ]
    if page.archive:
        head.append(f'  <link href="{_xml(site)}history.xml" rel="current" type="application/atom+xml"/>\n')
    if page.prev_archive:
        head.append(
            f'  <link href="{_xml(site + page.prev_archive)}.xml" rel="prev-archive" type="application/atom+xml"/>\n'
        )
    head.append(f'  <generator uri="{GENERATOR_URI}" version="{__version__}">jobfeed</generator>\n')
    head.append(f"  <subtitle>{_xml(WORDS[lang]['subtitle'])}</subtitle>\n")
    if page.archive:
        head.append("  <fh:archive/>\n")
    body = []
    for e in entries:
        body.append(
            f"  <entry>\n    <id>{_xml(e['id'])}</id>\n    <title>{_xml(e['title'])}</title>\n"
            f"    <updated>{e['updated']}</updated>\n"
            + (f'    <link href="{_xml(e["link"])}" rel="alternate"/>\n' if e["link"] else "")
            + f'    <content type="html">{_xml(e["content"])}</content>\n  </entry>\n'
        )
    text = "".join(head).encode("utf-8")
    if not page.archive:
        text = with_stylesheet(with_hub_links(text, config, "atom"), depth, config)
    return text + "".join(body).encode("utf-8") + b"</feed>\n"


def _json(page: _Page, config: Config, lang: str) -> bytes:
    site = config.site_url
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": page.title,
        "description": WORDS[lang]["subtitle"],
        "language": config.language,
        "authors": [{"name": config.author or config.title}],
    }
    if site:
        feed["home_page_url"] = site
        feed["feed_url"] = f"{site}{page.path}.json"
    if page.prev_archive:
        feed["next_url"] = f"{site}{page.prev_archive}.json"
    if config.feeds.hubs and not page.archive:
        feed["hubs"] = json_hubs(config)
    items = []
    for happened in page.events:
        e = _entry(happened, config, lang)
        item: dict[str, Any] = {"id": e["id"], "title": e["title"]}
        if e["link"]:
            item["url"] = e["link"]
        item["content_html"] = e["content"]
        item["date_published"] = item["date_modified"] = e["updated"]
        item["_jobfeed"] = {"event": happened.event.id, "what": happened.what, "role": happened.event.role}
        items.append(item)
    feed["items"] = items
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _newest_first(events: Sequence[Happened], seq: Mapping[str, int]) -> list[Happened]:
    return sorted(events, key=lambda h: (h.on, seq[h.event.id]), reverse=True)


def history_files(catalog: Catalog, config: Config, log: Sequence[Happened]) -> dict[str, bytes]:
    """The log with this build's events, and every history feed and archive page, by path."""
    if not config.feeds.history:
        return {}
    lang = language_of(config.language)
    words = WORDS[lang]
    events = [*log, *next_events(log, catalog, config)]
    seq = {h.event.id: i for i, h in enumerate(events)}
    size = config.feeds.history_size
    pages = len(events) // size if len(events) > size else 0
    title = f"{config.title} — {words['title']}"
    files: dict[str, bytes] = {}
    for n in range(1, pages + 1):
        chunk = events[(n - 1) * size : n * size]
        page = _Page(
            f"history/archive-{n}",
            f"{title} ({n})",
            _newest_first(chunk, seq),
            prev_archive=f"history/archive-{n - 1}" if n > 1 else "",
            archive=True,
        )
        files[f"{page.path}.xml"], files[f"{page.path}.json"] = (
            _atom(page, config, lang),
            _json(page, config, lang),
        )
    current = _Page(
        "history",
        title,
        _newest_first(events[-size:], seq),
        prev_archive=f"history/archive-{pages}" if pages else "",
    )
    files["history.xml"], files["history.json"] = _atom(current, config, lang), _json(current, config, lang)
    teams: dict[str, list[Happened]] = {}  # by slug: teams whose names give one slug share a feed
    names: dict[str, str] = {}
    for h in events:
        slug = facet_slug(h.event.team) if h.event.team else ""
        if slug:
            teams.setdefault(slug, []).append(h)
            names[slug] = h.event.team  # the latest name
    for slug, found in sorted(teams.items()):
        name = names[slug]
        page = _Page(f"equipes/{slug}.history", f"{title} — {name}", _newest_first(found[-size:], seq))
        files[f"{page.path}.xml"], files[f"{page.path}.json"] = (
            _atom(page, config, lang),
            _json(page, config, lang),
        )
    about = "The events of the history feeds, oldest first: the next build reads them back. Do not edit."
    data = {"about": about, "version": LOG_VERSION, "events": [h.as_dict() for h in events]}
    files[LOG] = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return files
