import datetime as dt
from zoneinfo import ZoneInfo

from jobfeed.core.dates import Moment
from jobfeed.core.humandates import clock_time, deadline_text, language_of, long_date

PARIS = ZoneInfo("Europe/Paris")


def day(text: str) -> Moment:
    return Moment(dt.datetime.combine(dt.date.fromisoformat(text), dt.time(0), PARIS), all_day=True)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(PARIS)


def test_long_dates() -> None:
    assert long_date(dt.date(2022, 2, 23)) == "23 février 2022"
    assert long_date(dt.date(2022, 3, 1)) == "1er mars 2022"
    assert long_date(dt.date(2022, 8, 15), "en") == "15 August 2022"
    assert clock_time(at("2022-02-23T18:00:00+01:00")) == "18 h"
    assert clock_time(at("2022-02-23T09:05:00+01:00")) == "9 h 05"
    assert clock_time(at("2022-02-23T09:05:00+01:00"), "en") == "09:05"


def test_deadline_text_is_absolute() -> None:
    assert deadline_text(day("2022-02-23")) == "23 février 2022"
    assert deadline_text(day("2022-02-23"), "en") == "23 February 2022"
    timed = Moment(at("2024-03-05T18:00:00+01:00"))
    assert deadline_text(timed) == "5 mars 2024 à 18 h"
    assert deadline_text(timed, "en") == "5 March 2024 at 18:00"


def test_language_of() -> None:
    assert language_of("en-GB") == "en"
    assert language_of("fr") == "fr"
    assert language_of("de") == "fr"
