"""Rendering the published roles the fast way: from the render cache, else over the process pool,
with each open role's feed entries written where it is rendered."""

from __future__ import annotations

import functools
from collections.abc import Container, Sequence
from typing import TYPE_CHECKING, NamedTuple

from jobfeed._incremental.parallel import Pool, Progress
from jobfeed._incremental.rendercache import RenderCache, render_key
from jobfeed._incremental.rendercache import line as cache_line
from jobfeed._incremental.splice import Entries, Stamp, Stamps, stamp_of
from jobfeed.config import Config
from jobfeed.core.identity import entry_id, link_of
from jobfeed.core.lifecycle import Catalog, Role
from jobfeed.core.markup import Rendered, render
from jobfeed.publish.facets import public_roles
from jobfeed.publish.feeds import FeedItem, entry_texts

if TYPE_CHECKING:  # the page templates are imported only when pages are made (`pagework.py`)
    from jobfeed._incremental.pagework import PageSpec, StagedPage

#: A rebuild that has this many times fewer postings to render than the render cache holds renders
#: them instead of reading the cache: reading an entry costs ~0.04 ms, rendering a posting ~0.7 ms.
READ_CACHE_RATIO = 16


class RenderJob(NamedTuple):
    """One role to render, as a worker process receives it (a tuple: cheap to pickle)."""

    role: Role
    link: str
    with_entries: bool  # write its feed entries (and their stamp, when `stamped`) too
    key: str | None  # its render-cache key when known
    cached: bool  # the render cache wants its line (and its key, worked out here when not known)
    stamped: bool  # the feeds index wants the entries' stamp
    page: PageSpec | None  # make its page too, and stage it in the output folder (`pagework.py`)


class RenderResult(NamedTuple):
    rendered: Rendered | None  # None when nothing but the entries and the line are needed
    texts: tuple[bytes, bytes, bytes] | None  # its entries in atom.xml, rss.xml and feed.json
    line: bytes | None  # its render-cache line
    stamp: Stamp | None  # what the feeds index records of its entries
    key: str | None  # its render-cache key
    page: StagedPage | None  # its page, staged


def render_all(
    catalog: Catalog,
    config: Config,
    cache: RenderCache | None = None,
    pool: Pool | None = None,
    progress: Progress | None = None,
    reused: Container[str] = (),
    entries: Entries | None = None,
    stamps: Stamps | None = None,
    pages: PageSpec | None = None,
    staged: dict[str, StagedPage] | None = None,
) -> dict[str, Rendered]:
    """Every role that is published (open roles, and ended ones when they keep a page) rendered:
    from `cache` when it holds them, else across `pool`'s processes. Roles whose id is in `reused`
    (their feed entries are reused and no page needs them) are left out. When only a few postings
    are left, they are rendered without reading the cache.

    `entries`, when given, is filled with the feed entries of the open roles rendered here (entry
    id -> their bytes in the three feeds), written in the process that rendered them: the feeds
    then only put them together, and a cold build escapes and encodes them on every core.
    `stamps`, when given too, is filled with what the feeds index records of those entries
    (`splice.stamp_of`), computed there as well. With `pages`, each role rendered here gets its
    page made and staged in the output folder there too (`pagework.py`), recorded in `staged`
    (role id ->)."""
    roles = public_roles(catalog) if config.pages.enabled else catalog.open
    links = [link_of(role.posting, config) for role in roles]
    wanted = [i for i, role in enumerate(roles) if role.id not in reused]
    read = cache is not None and len(wanted) * READ_CACHE_RATIO > len(roles)
    # an empty cache (a first build) has nothing to look up: each role is keyed where it is rendered
    late = cache is not None and read and not cache.entries
    keyed: Sequence[int] = []
    if cache is not None and not late:  # a cache that is read keeps the entries of every role, reused or not
        keyed = range(len(roles)) if read else wanted
    keys = {i: render_key(roles[i].posting, links[i], config.markdown) for i in keyed}
    found: list[Rendered | None] = [None] * len(roles)
    if cache and read and not late:
        for i in wanted:
            # decoded when used: the pages kept as they are need none (`RenderCache.get_lazy`)
            fallback = functools.partial(render, roles[i].posting, links[i], config.markdown)
            found[i] = cache.get_lazy(keys[i], fallback)
    missing = [i for i in wanted if found[i] is None]
    with (progress or Progress(False)).bar(len(missing), "Rendering") as update:
        work = [
            RenderJob(
                roles[i],
                links[i],
                with_entries=entries is not None and roles[i].is_open,
                key=keys.get(i),
                cached=cache is not None,
                stamped=stamps is not None,
                page=pages,
            )
            for i in missing
        ]
        fresh = (pool or Pool(1)).map(functools.partial(_render_one, config), work, update)
    for i, (rendered, texts, line, stamp, key, page) in zip(missing, fresh, strict=True):
        found[i] = rendered
        if page is not None and staged is not None:
            staged[roles[i].id] = page
        if cache and key is not None:
            keys[i] = key
            cache.put(key, line or rendered)  # type: ignore[arg-type]  # one of them is there
        if entries is not None and texts is not None:
            entries[entry_id(roles[i].posting, config)] = texts
        if stamps is not None and stamp is not None:
            stamps[entry_id(roles[i].posting, config)] = stamp
    if cache:
        cache.save(keys.values())  # when read: every published role's key, the reused ones stay
    return {role.id: hit for role, hit in zip(roles, found, strict=True) if hit is not None}


def _render_one(config: Config, job: RenderJob) -> RenderResult:
    """Render one role's posting; runs in a worker process when the build is big. Without pages, a
    role whose entries are written here needs no rendering in the parent: it gets the line only,
    which spares the parent encoding it (~0.25 s at 10,000 postings), as the stamp spares it hashing
    the entries (~0.1 s) and the key hashing the bodies (~0.05 s) in a first build."""
    role, link = job.role, job.link
    rendered = render(role.posting, link, config.markdown)
    key, texts, stamp, line = job.key, None, None, None
    if job.cached:
        key = key or render_key(role.posting, link, config.markdown)
        line = cache_line(key, rendered)
    if job.with_entries:
        texts = entry_texts(FeedItem(role, rendered, link, entry_id(role.posting, config)), config)
        stamp = stamp_of(role, config, texts) if job.stamped else None
    page = None
    if job.page is not None:
        from jobfeed._incremental.pagework import stage_page

        page = stage_page(job.page, role, rendered, config)
        if page is not None and (texts or not role.is_open) and (line is not None or not job.cached):
            # its page, entries and cache line are made: the parent needs only the summary
            # (index, calendar), not the body (~50 MB at 10,000 postings); `pagework` renders
            # it again in the unlikely case it makes the page itself after all
            rendered = Rendered("", rendered.summary)
    if texts and not config.pages.enabled and line is not None:
        return RenderResult(None, texts, line, stamp, key, page)
    return RenderResult(rendered, texts, line, stamp, key, page)
