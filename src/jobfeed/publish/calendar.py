"""`deadlines.ics`: one event per open role's application deadline (RFC 5545, with icalendar).

A deadline given as a day is an all-day event on that day; a deadline with a time is an instant
in the site time zone, which the file describes in a VTIMEZONE. UIDs come from the entry ids, so
an event is updated, never duplicated, when a posting changes. DTSTAMP is the posting's own last
date, never the build clock: the same input gives the same bytes.

A role that is filled or closed keeps its event for a while, marked `STATUS:CANCELLED` with a
higher `SEQUENCE` (RFC 5545 3.8.1.11, 3.8.7.4), so that calendars which had it show it cancelled
instead of silently losing it: until `[pages] tombstone_days` (the retention of removed pages)
after the later of its deadline and its own last date (`cancelled_roles`). An expired role's
deadline simply passed: its event goes as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from icalendar import Calendar, Event, Timezone

from jobfeed._version import __version__
from jobfeed.config import Config
from jobfeed.core.humandates import long_date
from jobfeed.core.identity import entry_id, link_of, updated_at
from jobfeed.core.lifecycle import Catalog, Role, State
from jobfeed.core.markup import Rendered

WORDS = {
    "fr": {"summary": "Clôture des candidatures : {title}", "apply": "Offre et candidature : {link}"},
    "en": {"summary": "Applications close: {title}", "apply": "Role and how to apply: {link}"},
}


def deadline_uid(role: Role, config: Config) -> str:
    return f"{entry_id(role.posting, config)}#deadline"


#: The SEQUENCE of a cancelled event: above the 0 of the event as it was published.
CANCELLED_SEQUENCE = 1


def cancelled_roles(catalog: Catalog, config: Config) -> list[Role]:
    """The filled or closed roles with a deadline whose event is still given, as cancelled: until
    `[pages] tombstone_days` days after the later of the deadline's day and the posting's own
    last date (`jobfeed close` does not date its edit; the deadline bounds it), in the site's
    time zone. A pure function of the catalog: its `now` decides."""
    days = config.pages.tombstone_days
    today = catalog.now.astimezone(config.tz).date()
    kept = []
    for role in catalog.roles:
        deadline = role.posting.deadline
        if role.state not in (State.FILLED, State.CLOSED) or deadline is None:
            continue
        since = max(deadline.day, updated_at(role.posting).astimezone(config.tz).date())
        if (today - since).days < days:
            kept.append(role)
    return kept


def deadlines_ics(
    roles: Sequence[Role],
    rendered: Mapping[str, Rendered],
    config: Config,
    lang: str = "fr",
    links: Mapping[str, str] | None = None,
    cancelled: Sequence[Role] = (),
) -> bytes:
    """The calendar of the deadlines of `roles` (the open ones with a deadline) and of `cancelled`
    (`cancelled_roles`, marked so), soonest first.

    `links` overrides the link of a role (by id), e.g. the page written for it.
    """
    words = WORDS[lang]
    cal = Calendar()
    cal.add("prodid", f"-//jobfeed//jobfeed {__version__}//{lang.upper()}")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", config.title)
    cal.add("x-wr-caldesc", config.description)
    cal.add("x-wr-timezone", config.timezone)
    timed = [r for r in roles if r.is_open and r.posting.deadline is not None]
    timed += [r for r in cancelled if not r.is_open and r.posting.deadline is not None]
    timed.sort(key=lambda r: (r.posting.deadline.at if r.posting.deadline else dt.datetime.min, r.id))
    if timed:
        days = [r.posting.deadline.day for r in timed if r.posting.deadline]
        cal.add_component(
            Timezone.from_tzinfo(
                config.tz,
                tzid=config.timezone,
                first_date=min(days) - dt.timedelta(days=366),
                last_date=max(days) + dt.timedelta(days=366),
            )
        )
    for role in timed:
        posting = role.posting
        deadline = posting.deadline
        assert deadline is not None
        link = (links or {}).get(role.id) or link_of(posting, config)
        event = Event()
        event.add("uid", deadline_uid(role, config))
        event.add("dtstamp", updated_at(posting).astimezone(dt.UTC))
        event.add("last-modified", updated_at(posting).astimezone(dt.UTC))
        event.add("summary", words["summary"].format(title=posting.title))
        if deadline.all_day:
            event.add("dtstart", deadline.day)
            event.add("dtend", deadline.day + dt.timedelta(days=1))
        else:
            event.add("dtstart", deadline.at)
            event.add("dtend", deadline.at)
        event.add("transp", "TRANSPARENT")
        if not role.is_open:
            event.add("status", "CANCELLED")
            event.add("sequence", CANCELLED_SEQUENCE)
        lines = [posting.title, long_date(deadline.day, lang)]
        summary = rendered[role.id].summary if role.id in rendered else ""
        if summary:
            lines.append(summary)
        lines.append(words["apply"].format(link=link))
        event.add("description", "\n\n".join(lines))
        if link.startswith(("https://", "http://")):
            event.add("url", link)
        categories = [c for c in (posting.team, posting.contract) if c]
        if categories:
            event.add("categories", categories)
        cal.add_component(event)
    return bytes(cal.to_ical())
