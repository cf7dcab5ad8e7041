import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from conftest import feed_files
from pagekit import NOW, OPEN_IDS, catalog_of, site_config, write_postings


def events(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def test_one_event_per_open_role_with_a_deadline(tmp_path: Path) -> None:
    config = site_config()
    catalog = catalog_of(write_postings(tmp_path / "p"), config, NOW)
    data = feed_files(catalog, config)["deadlines.ics"]
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["version"]) == "2.0" and "jobfeed" in str(cal["prodid"])
    found = events(data)
    # The filled role's deadline (30 April) is still ahead: its event stays, cancelled (issue 18).
    cancelled = [e for e in found if e.get("STATUS") == "CANCELLED"]
    assert [str(e["uid"]) for e in cancelled] == ["tag:example.org,2024:filled#deadline"]
    found = [e for e in found if e not in cancelled]
    with_deadline = {r.id for r in catalog.open if r.posting.deadline is not None}
    assert with_deadline == OPEN_IDS - {"freelance"}
    assert {str(e["uid"]) for e in found} == {f"tag:example.org,2024:{i}#deadline" for i in with_deadline}
    first, second = found  # soonest first
    assert str(first["uid"]).endswith(":stage#deadline")
    start = first.decoded("dtstart")
    assert start == dt.datetime(2024, 3, 5, 18, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert first["dtstart"].params["TZID"] == "Europe/Paris"
    assert str(first["url"]) == "https://jobs.example.org/postes/stage.html"
    assert str(first["summary"]) == "Clôture des candidatures : Stagiaire data — Incubateur des Territoires"
    # A day deadline is an all-day event on that day.
    assert second.decoded("dtstart") == dt.date(2024, 3, 15)
    assert second.decoded("dtend") == dt.date(2024, 3, 16)
    # The time zone the timed event refers to is described in the file.
    timezones = list(cal.walk("VTIMEZONE"))
    assert [str(tz["tzid"]) for tz in timezones] == ["Europe/Paris"]
    # DTSTAMP comes from the posting, never from the build clock.
    assert first.decoded("dtstamp") == dt.datetime(2024, 1, 31, 23, 0, tzinfo=dt.UTC)


def test_same_input_same_bytes_and_stable_uids(tmp_path: Path) -> None:
    config = site_config()
    folder = write_postings(tmp_path / "p")
    one = feed_files(catalog_of(folder, config, NOW), config)["deadlines.ics"]
    two = feed_files(catalog_of(folder, config, NOW), config)["deadlines.ics"]
    assert one == two
    # Editing a posting's deadline keeps its UID: calendars update the event instead of adding one.
    (folder / "dev.md").write_text(
        (folder / "dev.md").read_text(encoding="utf-8").replace("2024-03-15", "2024-03-20"), encoding="utf-8"
    )
    three = feed_files(catalog_of(folder, config, NOW), config)["deadlines.ics"]
    assert {str(e["uid"]) for e in events(three)} == {str(e["uid"]) for e in events(one)}
    assert dt.date(2024, 3, 20) in [e.decoded("dtstart") for e in events(three)]


def test_no_open_role_with_a_deadline_gives_an_empty_valid_calendar(tmp_path: Path) -> None:
    config = site_config()
    catalog = catalog_of(write_postings(tmp_path / "p"), config, dt.datetime(2029, 1, 1, tzinfo=dt.UTC))
    data = feed_files(catalog, config)["deadlines.ics"]
    assert events(data) == []
    assert icalendar.Calendar.from_ical(data)["x-wr-timezone"] == "Europe/Paris"
