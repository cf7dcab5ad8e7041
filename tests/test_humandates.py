import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jobfeed.core.dates import Moment
from jobfeed.core.humandates import clock_time, deadline_words, language_of, long_date

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


@pytest.mark.parametrize(
    ("now", "fr", "en"),
    [
        ("2022-02-18T10:00:00+01:00", "clôture dans 5 jours", "closes in 5 days"),
        ("2022-02-22T23:30:00+01:00", "clôture demain", "closes tomorrow"),
        # 23:30 UTC on the 22nd is already the 23rd in Paris: the site time zone decides the day.
        ("2022-02-22T23:30:00+00:00", "clôture aujourd'hui", "closes today"),
        ("2022-02-23T23:59:00+01:00", "clôture aujourd'hui", "closes today"),
        ("2022-02-24T00:00:00+01:00", "clôturé le 23 février 2022", "closed on 23 February 2022"),
    ],
)
def test_deadline_in_words(now: str, fr: str, en: str) -> None:
    deadline = day("2022-02-23")
    assert deadline_words(deadline, at(now), "fr") == fr
    assert deadline_words(deadline, at(now), "en") == en


def test_timed_deadline_and_none() -> None:
    deadline = Moment(at("2024-03-05T18:00:00+01:00"))
    assert deadline_words(deadline, at("2024-03-05T09:00:00+01:00")) == "clôture aujourd'hui à 18 h"
    assert deadline_words(deadline, at("2024-03-04T09:00:00+01:00"), "en") == "closes tomorrow at 18:00"
    assert deadline_words(None, at("2024-03-04T09:00:00+01:00")) == "pas de date de clôture"


def test_language_of() -> None:
    assert language_of("en-GB") == "en"
    assert language_of("fr") == "fr"
    assert language_of("de") == "fr"
