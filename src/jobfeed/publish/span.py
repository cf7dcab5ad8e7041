"""The instants around a build's `now` over which its output stays byte for byte the same.

A build is a pure function of its inputs and of `now` (`clock.py`), and it reads `now` in these
places only: each role's state (`lifecycle.state_changes`), a closed role's JSON-LD `validThrough`
(`jsonld.valid_through_changes`), the calendar's cancelled events (`calendar.cancelled_until`)
and the tombstones (`manifest.tombstones_end`), the last two by the day in the site's time zone.
Between two consecutive instants of those, with the same inputs, the same files come out:
`_incremental/settled.py` then writes nothing (tests/test_settled.py builds at many instants,
with and without it, and compares every byte).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from jobfeed.config import Config
from jobfeed.core.lifecycle import Catalog, State, state_changes
from jobfeed.publish.calendar import cancelled_until
from jobfeed.publish.jsonld import valid_through_changes
from jobfeed.publish.manifest import Manifest, tombstones_end

#: Days from this one on are past every date a posting can hold (`core.dates.LAST_YEAR`): no
#: instant is made of them (and their midnight may not be representable in UTC).
_LAST_DAY = dt.date(9999, 1, 1)

Span = tuple[dt.datetime | None, dt.datetime | None]


def quiet_span(catalog: Catalog, config: Config, manifest: Manifest) -> Span:
    """(start, end): the build at `catalog.now` writes the same files for every `now` with
    start <= now < end (None: unbounded), given the same postings, configuration and previous
    output (`manifest`, the one this build records)."""
    instants: list[dt.datetime] = []
    days: list[dt.date] = []
    for role in catalog.roles:
        instants.extend(state_changes(role.posting))
        if role.state is not State.OPEN:  # an open role's validThrough is its deadline
            instants.extend(valid_through_changes(role))
        until = cancelled_until(role, config)
        if until is not None:
            days.append(until)
    days.extend(tombstones_end(manifest, config.pages.tombstone_days))
    instants.extend(_midnight(day, config.tz) for day in set(days) if day < _LAST_DAY)
    now = catalog.now.astimezone(dt.UTC)  # instants of one zone compare without its rules
    start = max([at for at in instants if at <= now], default=None)
    end = min([at for at in instants if at > now], default=None)
    return start, end


def _midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The first instant of `day` in `tz`, in UTC. On a day whose midnight the clocks skip,
    zoneinfo reads 00:00 with the offset before the change: the instant of the change itself."""
    return dt.datetime.combine(day, dt.time(0), tz).astimezone(dt.UTC)
