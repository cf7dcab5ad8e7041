"""Dates in words, in French or English, without depending on the system's locales.

`long_date(day, "fr")` -> "23 février 2022"; `deadline_words(deadline, now, "fr")` -> "clôture dans 5 jours".
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


def days_until(moment: Moment, now: dt.datetime) -> int:
    """Calendar days from `now`'s day to the moment's day, both in the moment's time zone."""
    today = now.astimezone(moment.at.tzinfo).date()
    return (moment.day - today).days


def deadline_words(deadline: Moment | None, now: dt.datetime, lang: str = "fr") -> str:
    """ "clôture dans 5 jours", "clôture demain", "clôture aujourd'hui à 18 h", "clôturé le …"."""
    en = lang == "en"
    if deadline is None:
        return "no closing date" if en else "pas de date de clôture"
    if deadline.end <= now:
        day = long_date(deadline.day, lang)
        return f"closed on {day}" if en else f"clôturé le {day}"
    days = days_until(deadline, now)
    at = "" if deadline.all_day else (" at " if en else " à ") + clock_time(deadline.at, lang)
    if days <= 0:
        return f"closes today{at}" if en else f"clôture aujourd'hui{at}"
    if days == 1:
        return f"closes tomorrow{at}" if en else f"clôture demain{at}"
    return f"closes in {days} days" if en else f"clôture dans {days} jours"
