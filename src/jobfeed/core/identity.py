"""What names a role wherever it is published or announced: its entry id, its link, its dates.

Feeds, pages, the calendar, JSON-LD, chat messages and the caches all use these, so that a role
has one id and one address everywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import string
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

from jobfeed.config import Config
from jobfeed.core.dates import FIRST_YEAR, LAST_YEAR
from jobfeed.core.markup import is_safe_url
from jobfeed.core.postings import NAME_DAY, Posting

#: The date of a posting that has none of its own, nor one in its file name (and of an empty feed).
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def entry_id(posting: Posting, config: Config) -> str:
    """A `tag:` URI that survives edits of the file and moves of the site."""
    return f"tag:{config.id_authority}:{posting.id}"


def link_of(posting: Posting, config: Config) -> str:
    """The role's address, from `[postes] link`: its page on the site, or another site's page; a
    role with an apply address (`[fields] apply_url`) and no page links there."""
    if config.plain_link:
        link = config.link.format(site_url=config.site_url, slug=posting.slug, id=posting.id)
    elif not config.link_keys:  # every value is safe in a URL as it is, or URL-encoded
        link = config.link.format_map(_Values(posting, config))
    else:
        link = _filled(posting, config)
    if posting.apply_url and not has_page(link, config):
        return posting.apply_url
    return link


def chat_link(posting: Posting, config: Config) -> str:
    """The address a chat message's button opens: where to apply, when the role says, else its link."""
    return posting.apply_url or link_of(posting, config)


def has_page(link: str, config: Config) -> bool:
    """Whether a page is at `link`: another site's, or one jobfeed writes (the link is inside the
    site and `[pages]` writes postings' pages)."""
    if config.site_url and link.startswith(config.site_url):
        inside = True
    else:
        inside = not (urlsplit(link).scheme or link.startswith("/"))
    return bool(link) and (not inside or config.pages.wants("postings"))


class _Values(dict[str, str]):
    """The placeholders of `[postes] link` for one posting, each computed when the template uses it."""

    def __init__(self, posting: Posting, config: Config) -> None:
        super().__init__(site_url=config.site_url, slug=posting.slug, id=posting.id)
        self.posting = posting

    def __missing__(self, key: str) -> str:
        if key in ("year", "month", "day"):
            day = (
                self.posting.opened.day if self.posting.opened else (name_date(self.posting) or EPOCH).date()
            )
            return {"year": f"{day.year:04d}", "month": f"{day.month:02d}", "day": f"{day.day:02d}"}[key]
        if key == "name":
            stem = PurePosixPath(self.posting.path.replace("\\", "/")).stem
            found = NAME_DAY.match(stem)
            if found is not None and stem[found.end() : found.end() + 1] == "-":
                stem = stem[found.end() + 1 :]
            return quote(stem, safe="-._~")
        raise KeyError(key)


def _filled(posting: Posting, config: Config) -> str:
    """`[postes] link` with every placeholder of the posting, `{field:KEY}` values URL-encoded; the
    default address when the result is not one a browser may follow safely."""
    values = _Values(posting, config)
    out = []
    for literal, name, spec, _ in string.Formatter().parse(config.link):
        out.append(literal)
        if name == "field" and spec:
            out.append(quote(posting.link_values.get(spec, ""), safe="-._~"))
        elif name is not None:
            out.append(values[name])
    link = "".join(out)
    if not is_safe_url(link):
        return f"{config.site_url}postes/{posting.slug}.html"
    return link


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
    return _name_date(posting.path)


@functools.lru_cache(maxsize=65536)
def _name_date(path: str) -> dt.datetime | None:
    """`name_date`, once per file: a build asks it of each posting several times."""
    found = NAME_DAY.match(path.replace("\\", "/").rpartition("/")[2])
    if found is None:
        return None
    year, month, day = (int(part) for part in found.groups())
    try:
        when = dt.datetime(year, month, day, tzinfo=dt.UTC)
    except ValueError:
        return None
    return when if FIRST_YEAR <= year <= LAST_YEAR else None
