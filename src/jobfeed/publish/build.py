"""`jobfeed build`: postings -> the files of the output folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Container, Sequence
from pathlib import Path
from typing import Any

from jobfeed._incremental.loadcache import LoadCache
from jobfeed._incremental.parallel import Pool, Progress, give_back_memory
from jobfeed._incremental.rendercache import RenderCache, render_key
from jobfeed._incremental.rendercache import line as cache_line
from jobfeed._incremental.splice import FEEDS, Entries, Offsets, Splice, Stamp, Stamps, keys_of, stamp_of
from jobfeed.config import Config
from jobfeed.core.lifecycle import Catalog, Role, classify
from jobfeed.core.markup import Rendered, render
from jobfeed.core.postings import Loaded, load_postings
from jobfeed.errors import PostingError, Problem
from jobfeed.output import Content, write_tree
from jobfeed.publish.facets import published
from jobfeed.publish.feeds import (
    EPOCH,
    FeedItem,
    FeedMeta,
    atom_and_rss_pieces,
    entry_id,
    entry_texts,
    items_of,
    json_feed_pieces,
    link_of,
)

#: A rebuild that has this many times fewer postings to render than the render cache holds renders
#: them instead of reading the cache: reading an entry costs ~0.04 ms, rendering a posting ~0.7 ms.
READ_CACHE_RATIO = 16


@dataclasses.dataclass
class BuildReport:
    catalog: Catalog
    problems: list[Problem]
    skipped: int
    written: list[str]
    unchanged: list[str]

    def as_dict(self) -> dict[str, object]:
        c = self.catalog
        return {
            "now": c.now.isoformat(),
            "open": len(c.open),
            "closed": len(c.closed),
            "scheduled": len(c.scheduled),
            "skipped": self.skipped,
            "written": self.written,
            "unchanged": self.unchanged,
            "problems": [dataclasses.asdict(p) for p in sorted(self.problems)],
        }

    def summary(self) -> str:
        c = self.catalog
        parts = [f"{len(c.open)} open", f"{len(c.closed)} closed"]
        if c.scheduled:
            parts.append(f"{len(c.scheduled)} scheduled")
        parts.append(f"{self.skipped} skipped")
        return ", ".join(parts) + f"; {len(self.written)} file(s) written, {len(self.unchanged)} unchanged"


def _count(folder: str | Path) -> int:
    """How many files a progress bar counts; 0 (no bar) when the folder cannot be read."""
    try:
        return sum(1 for _ in Path(folder).iterdir())
    except OSError:
        return 0


def load_all(
    postes: str | Path,
    config: Config,
    cache: str | Path | None = None,
    pool: Pool | None = None,
    progress: Progress | None = None,
) -> Loaded:
    """`load_postings`, parsing only the files the load cache in folder `cache` has no entry for
    (every file when `cache` is None), over `pool`'s processes when there are many."""
    pool = pool or Pool(1)
    progress = progress or Progress(False)
    with progress.bar(_count(postes) if progress.enabled else 0, "Loading") as update:
        mapper: Any = lambda load, files, wire=None: pool.map(load, files, update, wire)  # noqa: E731
        loads = LoadCache(cache, config) if cache is not None else None
        loaded = load_postings(postes, config, map_files=loads.mapper(mapper, update) if loads else mapper)
        if loads:
            loads.save()
    return loaded


def skipped_files(loaded: Loaded) -> int:
    return len({p.path for p in loaded.errors})


def render_all(
    catalog: Catalog,
    config: Config,
    cache: RenderCache | None = None,
    pool: Pool | None = None,
    progress: Progress | None = None,
    reused: Container[str] = (),
    entries: Entries | None = None,
    stamps: Stamps | None = None,
) -> dict[str, Rendered]:
    """Every role that is published (open roles, and ended ones when they keep a page) rendered:
    from `cache` when it holds them, else across `pool`'s processes. Roles whose id is in `reused`
    (their feed entries are reused and no page needs them) are left out. When only a few postings
    are left, they are rendered without reading the cache.

    `entries`, when given, is filled with the feed entries of the open roles rendered here (entry
    id -> their bytes in the three feeds), written in the process that rendered them: the feeds
    then only put them together, and a cold build escapes and encodes them on every core.
    `stamps`, when given too, is filled with what the feeds index records of those entries
    (`splice.stamp_of`), computed there as well."""
    roles = published(catalog) if config.pages.enabled else catalog.open
    jobs = [(role.posting, link_of(role.posting, config), config.markdown) for role in roles]
    wanted = [i for i, role in enumerate(roles) if role.id not in reused]
    read = cache is not None and len(wanted) * READ_CACHE_RATIO > len(jobs)
    # an empty cache (a first build) has nothing to look up: each role is keyed where it is rendered
    late = cache is not None and read and not cache.entries
    keyed: Sequence[int] = []
    if cache is not None and not late:  # a cache that is read keeps the entries of every role, reused or not
        keyed = range(len(jobs)) if read else wanted
    keys = {i: render_key(*jobs[i]) for i in keyed}
    found: list[Rendered | None] = [None] * len(jobs)
    if cache and read and not late:
        for i in wanted:
            found[i] = cache.get(keys[i])
    missing = [i for i in wanted if found[i] is None]
    with (progress or Progress(False)).bar(len(missing), "Rendering") as update:
        work = [
            (
                roles[i],
                jobs[i][1],
                entries is not None and roles[i].is_open,
                keys.get(i),
                cache is not None,
                stamps is not None,
            )
            for i in missing
        ]
        fresh = (pool or Pool(1)).map(functools.partial(_render_one, config), work, update)
    for i, (rendered, texts, line, stamp, key) in zip(missing, fresh, strict=True):
        found[i] = rendered
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


def _render_one(
    config: Config, job: tuple[Role, str, bool, str | None, bool, bool]
) -> tuple[Rendered | None, tuple[bytes, bytes, bytes] | None, bytes | None, Stamp | None, str | None]:
    """Render one role's posting; runs in a worker process when the build is big. Gives (the
    rendering, its feed entries when asked, its render-cache line when cached, the entries' stamp
    when asked, and the render-cache key: the one given, or worked out here). Without pages, a
    role whose entries are written here needs no rendering in the parent: it gets the line only,
    which spares the parent encoding it (~0.25 s at 10,000 postings), as the stamp spares it hashing
    the entries (~0.1 s) and the key hashing the bodies (~0.05 s) in a first build."""
    role, link, with_entries, key, cached, stamped = job
    rendered = render(role.posting, link, config.markdown)
    texts = stamp = line = None
    if cached:
        key = key or render_key(role.posting, link, config.markdown)
        line = cache_line(key, rendered)
    if with_entries:
        texts = entry_texts(FeedItem(role, rendered, link, entry_id(role.posting, config)), config)
        stamp = stamp_of(role, config, texts) if stamped else None
    if texts and not config.pages.enabled and line is not None:
        return None, texts, line, stamp, key
    return rendered, texts, line, stamp, key


def feed_files(
    catalog: Catalog, config: Config, rendered: dict[str, Rendered] | None = None
) -> dict[str, bytes]:
    """Relative path -> bytes of every file of the output folder; pure."""
    return {path: bytes(data) for path, data in site_files(catalog, config, rendered)[0].items()}


def site_files(
    catalog: Catalog,
    config: Config,
    rendered: dict[str, Rendered] | None = None,
    reused: Entries | None = None,
    offsets: Offsets | None = None,
) -> tuple[dict[str, Content], list[Problem]]:
    """Every file of the output folder (the three feeds as the pieces of their bytes, `Pieces`),
    and the problems found building them (facet names, page paths); `rendered` defaults to
    rendering the published roles. `reused`: entry id -> the bytes
    of its entries in the three feeds, used as they are (`splice.py`), and emptied: each feed's
    entries are freed once it is made. `offsets` is filled with where each entry is in those
    feeds, by entry id."""
    rendered = rendered if rendered is not None else render_all(catalog, config)
    reused = reused if reused is not None else {}
    items = items_of(catalog.open, rendered, config)
    fallback = max((r.posting.opened.at for r in catalog.roles if r.posting.opened), default=EPOCH)
    meta = FeedMeta(title=config.title, path="atom", feed_id=f"tag:{config.id_authority}:feed")
    entries = {role_id: (atom, rss) for role_id, (atom, rss, _) in reused.items()}
    texts = {role_id: text for role_id, (_, _, text) in reused.items()}
    reused.clear()
    spans = offsets if offsets is not None else {}
    for name in FEEDS:
        spans[name] = {}
    atom, rss = atom_and_rss_pieces(
        items,
        meta,
        config,
        fallback,
        entries=entries,
        offsets=(spans["atom.xml"], spans["rss.xml"]),
        consume=not config.pages.enabled,  # else the facet feeds take them again
    )
    give_back_memory(len(catalog.roles))
    feed = json_feed_pieces(items, config, texts=texts, offsets=spans["feed.json"])
    files: dict[str, Content] = {"atom.xml": atom, "rss.xml": rss, "feed.json": feed}
    if not config.pages.enabled:
        return files, []
    from jobfeed.publish.site import (
        extra_files,  # pages, calendar and OPML: ~60 ms of imports, only when wanted
    )

    extras = extra_files(catalog, config, rendered, taken=files, entries=entries)
    return {**files, **extras.files}, extras.problems


def build(
    config: Config,
    now: dt.datetime,
    *,
    postes: str | Path | None = None,
    out: str | Path | None = None,
    strict: bool = False,
    cache: str | Path | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
    progress: bool = False,
) -> BuildReport:
    """Load, classify and write the feeds. With `strict`, any error writes nothing.

    Loaded and rendered postings, and where each entry is in the feeds written (`splice.py`), are
    kept in the folder `cache` (default `[build] cache`) unless `use_cache` is False; big folders
    are loaded and rendered over `jobs` processes (default: every core); `progress` shows a bar
    on stderr when it is a terminal.
    """
    bars = Progress(progress)
    folder = Path(cache or config.cache)
    use_cache = use_cache and bool(cache or config.cache)  # `[build] cache = ""` turns it off
    out = Path(out or config.out)
    with Pool(jobs) as pool:
        loaded = load_all(postes or config.postes, config, folder if use_cache else None, pool, bars)
        if strict and loaded.errors:
            raise PostingError(loaded.problems)
        splice = Splice(folder, out) if use_cache else None
        if splice:  # checked in a thread while the roles are classified and keyed (no fork before `reuse`)
            splice.check_files()
        catalog = classify(loaded.postings, now)
        # what loading left: the next phase gets ~1 GB of results at 100,000
        give_back_memory(len(catalog.roles))
        # without an index (a first build) nothing is reused: the entries are keyed where written
        keys = keys_of(catalog.open, config) if splice and splice.records else {}
        reused = splice.reuse(keys) if splice else {}
        ids = {role.id: entry_id(role.posting, config) for role in catalog.open}
        # the roles whose entries are reused need no rendering, unless pages show them
        skip = set() if config.pages.enabled else {r for r, e in ids.items() if e in reused}
        entries: Entries = {}
        renders = RenderCache(folder) if use_cache else None
        stamps: Stamps = {}
        rendered = render_all(
            catalog,
            config,
            renders,
            pool,
            bars,
            reused=skip,
            entries=entries,
            stamps=stamps if splice else None,
        )
    if splice:
        for entry, (key, digests) in stamps.items():
            keys[entry] = key
            splice.known(entry, digests)
        keys.update(keys_of([role for role in catalog.open if ids[role.id] not in keys], config))
    entries.update(reused)
    del reused, renders  # the cache is saved; its renderings are in `rendered` when still needed
    if not config.pages.enabled:  # ~190 MB of renderings at 100,000 postings: keep what is used
        rendered = {k: v for k, v in rendered.items() if ids.get(k) not in entries}
    del stamps
    # what receiving the renderings left (pickles, pipes' buffers) before the peak
    give_back_memory(len(catalog.roles))
    offsets: Offsets = {}
    files, problems = site_files(catalog, config, rendered, entries, offsets)
    del entries, rendered  # in the feeds now
    if splice:
        splice.digest_files(files)  # hashed in a thread while they are written
    written, unchanged = write_tree(out, files)
    if splice:
        splice.save(files, offsets, keys)
    return BuildReport(catalog, loaded.problems + problems, skipped_files(loaded), written, unchanged)
