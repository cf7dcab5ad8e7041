"""core/dates.py: reading dates in the site's time zone, the range every date must fall in, and the
dates people type."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jobfeed.core.dates import FIRST_YEAR, LAST_YEAR, Moment, parse_day, parse_now, to_moment, utc_in_range
from jobfeed.errors import DateOutOfRange, UsageError

PARIS = ZoneInfo("Europe/Paris")


def test_the_range_is_1970_to_2200_both_included() -> None:
    assert (FIRST_YEAR, LAST_YEAR) == (1970, 2200)
    assert to_moment(dt.date(1970, 1, 1), PARIS) == Moment(
        dt.datetime(1970, 1, 1, tzinfo=PARIS), all_day=True
    )
    assert to_moment(dt.date(2200, 12, 31), PARIS) == Moment(
        dt.datetime(2200, 12, 31, tzinfo=PARIS), all_day=True
    )
    for day in (dt.date(1969, 12, 31), dt.date(2201, 1, 1)):
        with pytest.raises(DateOutOfRange) as error:
            to_moment(day, PARIS)
        assert str(error.value) == day.isoformat()  # the value, for the loader's message


def test_an_ambiguous_autumn_hour_keeps_its_fold() -> None:
    """02:30 on 27 October 2024 happens twice in Paris; fold=1 is the second, an hour later in UTC.
    fold=1 datetimes compare equal to their fold=0 twin, so they are not read through the cache."""
    first = to_moment(dt.datetime(2024, 10, 27, 2, 30), PARIS)
    second = to_moment(dt.datetime(2024, 10, 27, 2, 30, fold=1), PARIS)
    assert first is not None and second is not None
    assert first.utc == dt.datetime(2024, 10, 27, 0, 30, tzinfo=dt.UTC)
    assert second.utc == dt.datetime(2024, 10, 27, 1, 30, tzinfo=dt.UTC)
    assert second.at.tzinfo is PARIS and not second.all_day


def test_now_without_an_offset_is_utc() -> None:
    assert parse_now(" 2024-03-01T09:00 ") == dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
    assert parse_now("2024-03-01T09:00+01:00").utcoffset() == dt.timedelta(hours=1)


def test_now_is_judged_in_utc_too() -> None:
    """2200-12-31 at 23:00 in New York is 2201 in UTC: out of range, whatever zone the machine is in."""
    late = dt.datetime(2200, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    with pytest.raises(DateOutOfRange) as error:
        utc_in_range(late)
    assert str(error.value) == "2201-01-01T04:00:00+00:00"  # the instant that is out of range, in UTC
    early = dt.datetime(2200, 12, 31, 18, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert utc_in_range(early) is early


def test_parse_day_reads_a_day_in_the_site_time_zone() -> None:
    moment = parse_day("2024-06-30", PARIS, "--until")
    assert moment == Moment(dt.datetime(2024, 6, 30, tzinfo=PARIS), all_day=True)
    assert moment.at.tzinfo is PARIS
    with pytest.raises(UsageError) as error:
        parse_day("bientôt", PARIS, "--until")
    assert str(error.value) == (
        "--until 'bientôt' is not a date; expected YYYY-MM-DD or an ISO 8601 date-time such as 2022-02-22T23:00:00Z"
    )
    with pytest.raises(UsageError) as error:
        parse_day("2201-01-01", PARIS, "--deadline")
    assert str(error.value) == "--deadline '2201-01-01' is out of range; give a date between 1970 and 2200"


def test_now_is_judged_in_utc_whatever_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a machine west of UTC, 20:00 in New York on 31 December 2200 is still 2200 locally, but
    2201 in UTC: refused."""
    import time

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        with pytest.raises(DateOutOfRange):
            utc_in_range(dt.datetime(2200, 12, 31, 20, tzinfo=dt.timezone(dt.timedelta(hours=-5))))
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    ("written", "zone", "shown"),
    [
        ("2024-03-31T02:30:00", "Europe/Paris", "2024-03-31T03:30:00+02:00"),  # the clocks skip 02:00-03:00
        (dt.datetime(2024, 3, 31, 2, 30), "Europe/Paris", "2024-03-31T03:30:00+02:00"),
        (dt.date(2024, 3, 10), "America/Havana", "2024-03-10T01:00:00-04:00"),  # no midnight that day
        ("2024-10-27T02:30:00", "Europe/Paris", "2024-10-27T02:30:00+02:00"),  # repeated: the first
        ("2024-06-01T09:00:00", "Europe/Paris", "2024-06-01T09:00:00+02:00"),
    ],
)
def test_a_time_the_clocks_skip_is_the_time_they_show_as_the_load_cache_reads_it_back(
    written: object, zone: str, shown: str
) -> None:
    from jobfeed._incremental.loadcache import _encode_moment, _moment

    moment = to_moment(written, ZoneInfo(zone))
    assert moment is not None and moment.at.isoformat() == shown
    at, all_day = _encode_moment(moment)
    assert _moment(at, all_day, zone) == moment  # what a build with the cache reads
