"""`deadlines.ics`: one event per open role's application deadline (RFC 5545).

A deadline given as a day is an all-day event on that day; a deadline with a time is an instant
in the site time zone, which the file describes in a VTIMEZONE. UIDs come from the entry ids, so
an event is updated, never duplicated, when a posting changes. DTSTAMP is the posting's own last
date, never the build clock: the same input gives the same bytes.

A role that is filled or closed keeps its event for a while, marked `STATUS:CANCELLED` with a
higher `SEQUENCE` (RFC 5545 3.8.1.11, 3.8.7.4), so that calendars which had it show it cancelled
instead of silently losing it: until `[pages] tombstone_days` (the retention of removed pages)
after the later of its deadline and its own last date (`cancelled_roles`). An expired role's
deadline simply passed: its event goes as before.

The calendar is written as text: `deadline_events` gives one `CalendarEvent` record per deadline
and `calendar_text` writes them, each event's lines in `event_lines` (building an icalendar object
per property cost ~2.5 s at 10,000 postings). The bytes are those icalendar writes for the same
events (its property order, escaping and folding; tests/test_calendar_text.py compares them), and
icalendar still writes the one VTIMEZONE, from the zone's own rules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping, Sequence

from jobfeed._version import __version__
from jobfeed.config import Config
from jobfeed.core.dates import Moment, days_after
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
    today = catalog.now.astimezone(config.tz).date()
    return [role for role in catalog.roles if (until := cancelled_until(role, config)) and today < until]


def cancelled_until(role: Role, config: Config) -> dt.date | None:
    """The first day on which the deadline event of a filled or closed role is no longer given
    (`cancelled_roles`), in the site's time zone; None for a role of another state or without a
    deadline."""
    deadline = role.posting.deadline
    if role.state not in (State.FILLED, State.CLOSED) or deadline is None:
        return None
    since = max(deadline.day, updated_at(role.posting).astimezone(config.tz).date())
    return days_after(since, config.pages.tombstone_days)


@dataclasses.dataclass(frozen=True)
class CalendarEvent:
    """One event of the calendar, as `event_lines` writes it."""

    uid: str
    stamp: dt.datetime  # DTSTAMP and LAST-MODIFIED, in UTC
    summary: str
    start: Moment  # a day (all-day event) or an instant (DTSTART = DTEND)
    description: str
    url: str  # "" for none
    categories: tuple[str, ...]
    cancelled: bool = False  # STATUS:CANCELLED and SEQUENCE:1 (`cancelled_roles`)


def deadline_events(
    roles: Sequence[Role],
    rendered: Mapping[str, Rendered],
    config: Config,
    lang: str = "fr",
    links: Mapping[str, str] | None = None,
    cancelled: Sequence[Role] = (),
) -> list[CalendarEvent]:
    """The events of the deadlines of `roles` (the open ones with a deadline) and of `cancelled`
    (`cancelled_roles`, marked so), soonest first.

    `links` overrides the link of a role (by id), e.g. the page written for it.
    """
    words = WORDS[lang]
    timed = [r for r in roles if r.is_open and r.posting.deadline is not None]
    timed += [r for r in cancelled if not r.is_open and r.posting.deadline is not None]
    timed.sort(key=lambda r: (r.posting.deadline.at if r.posting.deadline else dt.datetime.min, r.id))
    events = []
    for role in timed:
        posting = role.posting
        deadline = posting.deadline
        assert deadline is not None
        link = (links or {}).get(role.id) or link_of(posting, config)
        lines = [posting.title, long_date(deadline.day, lang)]
        summary = rendered[role.id].summary if role.id in rendered else ""
        if summary:
            lines.append(summary)
        lines.append(words["apply"].format(link=link))
        events.append(
            CalendarEvent(
                uid=deadline_uid(role, config),
                stamp=updated_at(posting).astimezone(dt.UTC),
                summary=words["summary"].format(title=posting.title),
                start=deadline,
                description="\n\n".join(lines),
                url=link if link.startswith(("https://", "http://")) else "",
                categories=tuple(c for c in (posting.team, posting.contract) if c),
                cancelled=not role.is_open,
            )
        )
    return events


def calendar_inputs(events: Sequence[CalendarEvent], config: Config, lang: str = "fr") -> str:
    """What `calendar_text(events, config, lang)` is made from, as a text that says all of it: the
    events, the settings it reads, and the time zone as the system and icalendar give it."""
    days = [event.start.day for event in events]
    zone = _timezone(config, min(days), max(days)) if days else b""
    return repr((__version__, events, config.description, config.title, config.timezone, lang, zone))


def calendar_text(events: Sequence[CalendarEvent], config: Config, lang: str = "fr") -> bytes:
    """The calendar file of `events`, in their order."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{text(f'-//jobfeed//jobfeed {__version__}//{lang.upper()}')}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALDESC:{unknown(config.description)}",
        f"X-WR-CALNAME:{unknown(config.title)}",
        f"X-WR-TIMEZONE:{unknown(config.timezone)}",
    ]
    out = [fold(line) for line in lines]
    timed = [e.start for e in events]
    if timed:
        days = [moment.day for moment in timed]
        out.append(_timezone(config, min(days), max(days)))
    for event in events:
        out.extend(fold(line) for line in event_lines(event))
    out.append(b"END:VCALENDAR")
    return b"\r\n".join(out) + b"\r\n"


def event_lines(event: CalendarEvent) -> list[str]:
    """The lines of one VEVENT, unfolded, in icalendar's order: SUMMARY, DTSTART, DTEND, DTSTAMP,
    UID (then SEQUENCE, were there one), then the others by name."""
    stamp = utc_text(event.stamp)
    if event.start.all_day:
        start = f";VALUE=DATE:{event.start.day:%Y%m%d}"
        end = f";VALUE=DATE:{event.start.day + dt.timedelta(days=1):%Y%m%d}"
    else:
        start = end = instant(event.start.at)
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{text(event.summary)}",
        f"DTSTART{start}",
        f"DTEND{end}",
        f"DTSTAMP:{stamp}",
        f"UID:{text(event.uid)}",
    ]
    if event.cancelled:
        lines.append(f"SEQUENCE:{CANCELLED_SEQUENCE}")
    if event.categories:
        lines.append(f"CATEGORIES:{','.join(map(text, event.categories))}")
    lines += [f"DESCRIPTION:{text(event.description)}", f"LAST-MODIFIED:{stamp}"]
    if event.cancelled:
        lines.append("STATUS:CANCELLED")
    lines.append("TRANSP:TRANSPARENT")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines.append("END:VEVENT")
    return lines


def text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 (3.3.11) wants, as icalendar escapes it."""
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def unknown(value: str) -> str:
    """The value of an X- property: as it is, as icalendar writes it, but for a line break, which
    would end the line (icalendar refuses it), written as TEXT writes it."""
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def utc_text(at: dt.datetime) -> str:
    return f"{at:%Y%m%dT%H%M%S}Z"


def instant(at: dt.datetime) -> str:
    """`;TZID=…:` and the local time, or `:` and the time in UTC, as icalendar writes `at`."""
    params, utc = _zone_of(at.tzinfo)
    local = f"{at.year:04}{at.month:02}{at.day:02}T{at.hour:02}{at.minute:02}{at.second:02}"
    return f"{params}:{local}{'Z' if utc else ''}"


@functools.lru_cache(maxsize=16)
def _zone_of(zone: dt.tzinfo | None) -> tuple[str, bool]:
    """The parameters icalendar writes for a time in `zone` (";TZID=…" or ""), and whether it
    writes it in UTC: asked of icalendar once per zone."""
    from icalendar.prop import vDatetime

    value = vDatetime(dt.datetime(2000, 1, 1, tzinfo=zone))
    params = value.params.to_ical()
    params_text = params.decode("utf-8") if isinstance(params, bytes) else str(params)
    utc = bytes(value.to_ical()).endswith(b"Z")  # type: ignore[no-untyped-call]
    return (f";{params_text}" if params_text else ""), utc


def _timezone(config: Config, first: dt.date, last: dt.date) -> bytes:
    """The VTIMEZONE of the site's zone from a year before `first` to a year after `last`."""
    from icalendar import Timezone

    zone = Timezone.from_tzinfo(
        config.tz,
        tzid=config.timezone,
        first_date=first - dt.timedelta(days=366),
        last_date=last + dt.timedelta(days=366),
    )
    return bytes(zone.to_ical()).removesuffix(b"\r\n")


#: Octets a line holds before it is folded (RFC 5545 3.1: 75, the line break excluded; icalendar
#: folds before the 75th).
_LINE = 74


def fold(line: str) -> bytes:
    """`line` in UTF-8, folded as icalendar folds it: a CRLF and a space before the character that
    would make a line 75 octets or more (never inside a character), and an escaping backslash (or
    `^`) that would end a line moved to the next one."""
    data = line.encode("utf-8")
    if len(data) <= _LINE:
        return data
    parts = []
    start = 0
    while len(data) - start > _LINE:
        end = start + _LINE
        while data[end] & 0xC0 == 0x80:  # a character's continuation byte: end before it
            end -= 1
        if data[end - 1] in b"\\^":
            end -= 1
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return b"\r\n ".join(parts)
