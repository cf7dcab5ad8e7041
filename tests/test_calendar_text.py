"""The calendar written as text (publish/calendar.py) against icalendar: the same bytes as
icalendar writes for the same events, and icalendar reads back every value."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import icalendar
import pytest

from jobfeed._version import __version__
from jobfeed.config import Config
from jobfeed.core.dates import Moment
from jobfeed.publish.calendar import CalendarEvent, calendar_text, fold
from pagekit import site_config

PARIS = site_config().tz


def icalendar_bytes(events: list[CalendarEvent], config: Config, lang: str) -> bytes:
    """What calendar.py wrote with icalendar objects before it wrote text: the reference."""
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//jobfeed//jobfeed {__version__}//{lang.upper()}")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", config.title)
    cal.add("x-wr-caldesc", config.description)
    cal.add("x-wr-timezone", config.timezone)
    if events:
        days = [e.start.day for e in events]
        cal.add_component(
            icalendar.Timezone.from_tzinfo(
                config.tz,
                tzid=config.timezone,
                first_date=min(days) - dt.timedelta(days=366),
                last_date=max(days) + dt.timedelta(days=366),
            )
        )
    for e in events:
        event = icalendar.Event()
        event.add("uid", e.uid)
        event.add("dtstamp", e.stamp)
        event.add("last-modified", e.stamp)
        event.add("summary", e.summary)
        if e.start.all_day:
            event.add("dtstart", e.start.day)
            event.add("dtend", e.start.day + dt.timedelta(days=1))
        else:
            event.add("dtstart", e.start.at)
            event.add("dtend", e.start.at)
        event.add("transp", "TRANSPARENT")
        if e.cancelled:  # issue 18: a filled or closed role's event, kept for a while
            event.add("status", "CANCELLED")
            event.add("sequence", 1)
        event.add("description", e.description)
        if e.url:
            event.add("url", e.url)
        if e.categories:
            event.add("categories", list(e.categories))
        cal.add_component(event)
    return bytes(cal.to_ical())


#: Texts that make escaping and folding work: escapes at line ends, characters of 2 to 4 octets
#: across the fold, CR, LF, "\N", semicolons and commas.
PIECES = ["a", "é", "—", "😀", "\\", "^", ";", ",", "\n", "\r\n", "\r", "\\N", " ", "x" * 60, "·"]


def texts(seed: int, count: int) -> list[str]:
    draw = random.Random(seed)
    return ["".join(draw.choice(PIECES) for _ in range(draw.randrange(1, 60))) for _ in range(count)]


def sample_events(seed: int, zone: dt.tzinfo) -> list[CalendarEvent]:
    draw = random.Random(seed)
    found = []
    for i, words in enumerate(texts(seed, 40)):
        at = dt.datetime(2024, 3, 1, 9, tzinfo=zone) + dt.timedelta(hours=draw.randrange(0, 9000))
        found.append(
            CalendarEvent(
                uid=f"tag:example.org,2024:{words[:20]}#deadline",
                stamp=dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i * 997),
                summary=f"Clôture des candidatures : {words}",
                start=Moment(at, all_day=draw.random() < 0.5),
                description="\n\n".join(
                    [words, words[::-1], "Offre et candidature : https://x.org/" + "é" * i]
                ),
                url="" if i % 3 == 0 else "https://example.org/jobs/postes/" + "a-b" * i + ".html",
                categories=tuple(c for c in (words[:10], words[-7:]) if i % 4),
                cancelled=i % 5 == 2,
            )
        )
    return found


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("zone", ["Europe/Paris", "UTC", "America/St_Johns"])
def test_the_same_bytes_as_icalendar_writes(seed: int, zone: str) -> None:
    # icalendar refuses a line break in X-WR-CALDESC (an AssertionError): none in the reference
    description = texts(seed + 100, 1)[0].replace("\r", "").replace("\n", "").replace("\\N", "")
    config = site_config(site={"timezone": zone, "description": description})
    events = sample_events(seed, config.tz)
    for lang in ("fr", "en"):
        assert calendar_text(events, config, lang) == icalendar_bytes(events, config, lang)
    assert calendar_text([], config) == icalendar_bytes([], config, "fr")


def test_icalendar_reads_back_every_value() -> None:
    config = site_config()
    events = sample_events(7, PARIS)
    found = list(icalendar.Calendar.from_ical(calendar_text(events, config)).walk("VEVENT"))
    assert len(found) == len(events)
    for event, read in zip(events, found, strict=True):
        # icalendar reads a CR (alone or before LF) and "\N" back as LF, as it writes them
        def plain(value: str) -> str:
            return value.replace("\\N", "\n").replace("\r\n", "\n").replace("\r", "\n")

        assert str(read["uid"]) == plain(event.uid)
        assert str(read["summary"]) == plain(event.summary)
        assert str(read["description"]) == plain(event.description)
        assert read.decoded("dtstamp") == event.stamp == read.decoded("last-modified")
        start = event.start.day if event.start.all_day else event.start.at
        assert read.decoded("dtstart") == start
        assert str(read.get("url", "")) == event.url
        categories = read.get("categories")
        assert (list(categories.cats) if categories else []) == [plain(c) for c in event.categories]


def test_a_description_of_several_lines_is_escaped() -> None:
    config = site_config(site={"description": "Deux lignes\nde description ; ici"})
    data = calendar_text(sample_events(1, PARIS), config)
    assert b"\r\nX-WR-CALDESC:Deux lignes\\nde description ; ici\r\n" in data
    assert len(list(icalendar.Calendar.from_ical(data).walk("VEVENT"))) == 40


def test_folded_lines_stay_under_75_octets_and_keep_characters_whole() -> None:
    for line in texts(3, 200):
        line = "DESCRIPTION:" + line.replace("\r", "").replace("\n", "\\n")
        folded = fold(line)
        parts = folded.split(b"\r\n ")
        assert all(len(p) <= 74 for p in parts)
        assert b"".join(parts).decode("utf-8") == line  # each part is whole UTF-8 characters


def test_a_bundled_build_writes_the_calendar_icalendar_reads(tmp_path: Path) -> None:
    from conftest import feed_files
    from pagekit import NOW, catalog_of, write_postings

    config = site_config()
    data = feed_files(catalog_of(write_postings(tmp_path / "p"), config, NOW), config)["deadlines.ics"]
    events = list(icalendar.Calendar.from_ical(data).walk("VEVENT"))
    # the two open roles' deadlines, and the filled role's, cancelled (issue 18)
    assert [str(e.get("STATUS", "")) for e in events].count("CANCELLED") == 1 and len(events) == 3
