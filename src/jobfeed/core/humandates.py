"""Dates in words, in French or English, without depending on the system's locales.

`long_date(day, "fr")` -> "23 février 2022"; `deadline_text(deadline, "fr")` -> "5 mars 2024 à 18 h".
"""

from __future__ import annotations

import datetime as dt

from jobfeed.core.dates import Moment

MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def language_of(code: str) -> str:
    """ "en", "en-GB" -> "en"; anything else is written in French, the language of the postings."""
    return "en" if code.lower().split("-")[0] == "en" else "fr"


def long_date(day: dt.date, lang: str = "fr") -> str:
    month = MONTHS[lang][day.month - 1]
    if lang == "en":
        return f"{day.day} {month} {day.year}"
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {month} {day.year}"


def clock_time(at: dt.datetime, lang: str = "fr") -> str:
    """ "18 h", "18 h 30" in French; "18:30" in English."""
    if lang == "en":
        return f"{at.hour:02d}:{at.minute:02d}"
    return f"{at.hour} h" if at.minute == 0 else f"{at.hour} h {at.minute:02d}"


def deadline_text(deadline: Moment, lang: str = "fr") -> str:
    """ "15 mars 2024", or "5 mars 2024 à 18 h" when the deadline has a time: absolute, so that a
    page says the same on every day (no "closes in 5 days" in a static file)."""
    day = long_date(deadline.day, lang)
    if deadline.all_day:
        return day
    return f"{day} {'at' if lang == 'en' else 'à'} {clock_time(deadline.at, lang)}"
