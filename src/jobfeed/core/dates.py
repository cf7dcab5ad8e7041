"""Dates as the postings write them, read in the site's time zone.

A CMS date widget stores local midnight converted to UTC: `2022-02-22T23:00:00.000Z` is
23 February in Paris. A value that falls exactly on local midnight is therefore taken as that
whole day (`all_day`), like a plain `2022-02-23`; a deadline given as a day runs to the end of it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from jobfeed.errors import DateOutOfRange, UsageError

_DAY_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

EXPECTED = "expected YYYY-MM-DD or an ISO 8601 date-time such as 2022-02-22T23:00:00Z"
#: The years a posting's date, `--now` and SOURCE_DATE_EPOCH may fall in. Every date jobfeed
#: computes (a day's end, a deadline in UTC, N days before it) stays far from datetime's limits
#: (years 1 and 9999), where one `9999-12-31` used to end every command in an OverflowError.
FIRST_YEAR, LAST_YEAR = 1970, 2200
IN_RANGE = f"a date between {FIRST_YEAR} and {LAST_YEAR}"


T = TypeVar("T")


class _once(Generic[T]):  # a decorator, named like functools.cached_property
    """functools.cached_property without its lock, which Python 3.11 takes on every first use
    (more than it saves in a cold build's 10,000 fresh Moments). The value goes in the instance's
    __dict__, which `frozen` does not guard, and is found there from then on."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        # runs when Moment is defined, before any test: mutation testing cannot reach it
        self.func = func  # pragma: no mutate
        self.__doc__ = func.__doc__  # pragma: no mutate

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name  # pragma: no mutate

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        if instance is None:  # looked up on the class
            return self  # type: ignore[return-value]
        value = instance.__dict__[self.name] = self.func(instance)
        return value


@dataclasses.dataclass(frozen=True, order=True)
class Moment:
    """An instant in the site time zone; `all_day` when only the day is meant."""

    at: dt.datetime
    all_day: bool = False

    @property
    def day(self) -> dt.date:
        return self.at.date()

    # Postings share their dates (the load cache gives them one Moment per date), and a build
    # compares each with the clock: what follows is computed once per Moment (`_once`).

    @_once
    def end(self) -> dt.datetime:
        """The instant this moment ends: the next local midnight for a whole day."""
        if not self.all_day:
            return self.at
        tz = self.at.tzinfo
        return dt.datetime.combine(self.day + dt.timedelta(days=1), dt.time(0), tz)

    @_once
    def utc(self) -> dt.datetime:
        """`at` in UTC: two such instants compare without the time zone's rules."""
        return self.at.astimezone(dt.UTC)

    @_once
    def end_utc(self) -> dt.datetime:
        return self.end.astimezone(dt.UTC)

    @_once
    def timestamp(self) -> float:
        """`at.timestamp()`."""
        return self.at.timestamp()

    @_once
    def text(self) -> str:
        """The instant to the microsecond and whether the whole day is meant: what keys it."""
        return f"{self.at.isoformat()}/{int(self.all_day)}"

    def isoformat(self) -> str:
        """`2022-02-23` for a day, the full local date-time with its offset otherwise."""
        return self.day.isoformat() if self.all_day else self.at.isoformat()


def _existing(local: dt.datetime) -> dt.datetime:
    """`local` as the clocks of its zone show that instant: a time the clocks skip (02:30 on the
    night they go forward) becomes the one they show then (03:30), as it reads back from the load
    cache (`_incremental/loadcache.py`), so a build with and without it writes the same dates."""
    return local.astimezone(dt.UTC).astimezone(local.tzinfo)


def days_after(day: dt.date, days: int) -> dt.date:
    """`day` + `days`, or the last day there is (`[pages] tombstone_days` has no upper bound)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


def to_moment(value: object, tz: ZoneInfo) -> Moment | None:
    """A date, datetime or text as YAML gives it -> Moment; None when it is not a date.
    Raises DateOutOfRange for a date before FIRST_YEAR or after LAST_YEAR (in `tz` or as written)."""
    if isinstance(value, dt.datetime) and value.fold:  # equal to its fold=0 twin: not cached
        return _moment_of.__wrapped__(value, tz)
    if isinstance(value, (dt.date, str)):  # a datetime is a date
        return _moment_of(value, tz)
    return None


@functools.lru_cache(maxsize=4096, typed=True)
def _moment_of(value: dt.date | str, tz: ZoneInfo) -> Moment | None:
    """`to_moment`, once per value: postings share their dates (Moment is immutable, and what it
    computes once is kept on it, `_once`), and making one costs ~10 us."""
    if isinstance(value, dt.datetime):
        _check_year(value)
        try:
            local = value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
        except OverflowError:  # pragma: no cover - the year check leaves a margin of a century
            raise DateOutOfRange(value.isoformat()) from None
        _check_year(local)
        return Moment(_existing(local), all_day=local.time() == dt.time(0))
    if isinstance(value, dt.date):
        _check_year(value)
        return Moment(_existing(dt.datetime.combine(value, dt.time(0), tz)), all_day=True)
    if isinstance(value, str):
        text = value.strip()
        match = _DAY_FIRST.match(text)
        try:
            if match:
                day, month, year = (int(g) for g in match.groups())
                return _moment_of(dt.date(year, month, day), tz)
            if len(text) == 10:
                return _moment_of(dt.date.fromisoformat(text), tz)
            return _moment_of(dt.datetime.fromisoformat(text), tz)
        except DateOutOfRange:
            raise
        except ValueError:
            return None
    return None


def _check_year(value: dt.date) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise DateOutOfRange(value.isoformat())


def parse_now(text: str) -> dt.datetime:
    """`--now` as ISO 8601; a naive value is UTC. Raises ValueError with the reason
    (DateOutOfRange outside FIRST_YEAR..LAST_YEAR, in UTC)."""
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return utc_in_range(value)


def utc_in_range(value: dt.datetime) -> dt.datetime:
    """An aware `value`, unchanged, when it falls between FIRST_YEAR and LAST_YEAR in UTC too;
    DateOutOfRange otherwise."""
    _check_year(value)
    try:
        _check_year(value.astimezone(dt.UTC))
    except OverflowError:  # pragma: no mutate - a value within a year of datetime's own limits
        raise DateOutOfRange(value.isoformat()) from None  # pragma: no mutate
    return value


def parse_day(text: str, tz: ZoneInfo, what: str) -> Moment:
    """A date typed by a person (YYYY-MM-DD or ISO 8601) in time zone `tz`, or UsageError saying
    what to write (`what` names the option or the prompt)."""
    try:
        moment = to_moment(text, tz)
    except DateOutOfRange:
        raise UsageError(f"{what} {text!r} is out of range; give {IN_RANGE}") from None
    if moment is None:
        raise UsageError(f"{what} {text!r} is not a date; {EXPECTED}")
    return moment
