"""What names a role wherever it is published or announced: its entry id, its link, its dates.

Feeds, pages, the calendar, JSON-LD, chat messages and the caches all use these, so that a role
has one id and one address everywhere.
"""

from __future__ import annotations

import datetime as dt

from jobfeed.config import Config
from jobfeed.core.dates import FIRST_YEAR, LAST_YEAR
from jobfeed.core.postings import NAME_DAY, Posting

#: The date of a posting that has none of its own, nor one in its file name (and of an empty feed).
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def entry_id(posting: Posting, config: Config) -> str:
    """A `tag:` URI that survives edits of the file and moves of the site."""
    return f"tag:{config.id_authority}:{posting.id}"


def link_of(posting: Posting, config: Config) -> str:
    """The role's address, from `[postes] link`: its page on the site, or another site's page."""
    return config.link.format(site_url=config.site_url, slug=posting.slug, id=posting.id)


def opened_at(posting: Posting) -> dt.datetime | None:
    """When the role was published: its opening date, if it has one."""
    return posting.opened.at if posting.opened else None


def updated_at(posting: Posting) -> dt.datetime:
    """The newest of the posting's own dates, else the day its file name starts with (midnight
    UTC), else 1970-01-01; never the build clock."""
    dates = [m.at for m in (posting.opened, posting.updated) if m is not None]
    return max(dates) if dates else name_date(posting) or EPOCH


def name_date(posting: Posting) -> dt.datetime | None:
    """The day the posting's file name starts with (`2024-02-15-…`), at midnight UTC; None without one."""
    found = NAME_DAY.match(posting.path.replace("\\", "/").rpartition("/")[2])
    if found is None:
        return None
    year, month, day = (int(part) for part in found.groups())
    try:
        when = dt.datetime(year, month, day, tzinfo=dt.UTC)
    except ValueError:
        return None
    return when if FIRST_YEAR <= year <= LAST_YEAR else None
