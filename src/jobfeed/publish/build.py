"""`jobfeed build`: postings -> the files of the output folder.

load -> classify -> render -> write: `build` is that chain; what makes it fast (caches, reuse of the
previous feeds' entries, processes) is behind `_incremental.Incremental` and changes no byte.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from jobfeed._incremental.parallel import give_back_memory
from jobfeed._incremental.plan import Incremental
from jobfeed._incremental.splice import FEEDS, Entries, Offsets
from jobfeed.config import Config
from jobfeed.core.claims import FILE_NAME as CLAIMS_FILE
from jobfeed.core.claims import Claims, file_name
from jobfeed.core.identity import EPOCH, link_of
from jobfeed.core.lifecycle import Catalog, classify
from jobfeed.core.markup import Rendered, render
from jobfeed.core.postings import Loaded
from jobfeed.errors import PostingError, Problem
from jobfeed.output import Content, read_claims
from jobfeed.publish.facets import public_roles
from jobfeed.publish.feeds import FeedMeta, atom_and_rss_pieces, items_of, json_feed_pieces


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
    """Load, classify, render and write the feeds and pages. With `strict`, any error writes nothing.

    Loaded and rendered postings, and where each entry is in the feeds written, are kept in the
    folder `cache` (default `[build] cache`) unless `use_cache` is False; big folders are loaded
    and rendered over `jobs` processes (default: every core); `progress` shows a bar on stderr
    when it is a terminal.
    """
    out = Path(out or config.out)
    folder = cache or config.cache  # `[build] cache = ""` turns it off
    with Incremental(
        config, out, Path(folder) if use_cache and folder else None, jobs=jobs, progress=progress
    ) as speed:
        claims = read_claims(out)
        loaded = speed.load(postes or config.postes, claims)
        if strict and loaded.errors:
            raise PostingError(loaded.problems)
        catalog = classify(loaded.postings, now)
        plan = speed.plan(catalog)
    files, problems = site_files(
        catalog, config, *plan.take(), offsets=plan.offsets, claims=claims, held=loaded.held
    )
    written, unchanged = speed.write(files, plan)
    return BuildReport(catalog, loaded.problems + problems, skipped_files(loaded), written, unchanged)


def skipped_files(loaded: Loaded) -> int:
    return len({p.path for p in loaded.errors})


def render_published(catalog: Catalog, config: Config) -> dict[str, Rendered]:
    """Every role that is published (open roles, and ended ones when they keep a page) rendered,
    in this process and without a cache: what `Incremental.plan` gives, the slow way."""
    roles = public_roles(catalog) if config.pages.enabled else catalog.open
    return {role.id: render(role.posting, link_of(role.posting, config), config.markdown) for role in roles}


def site_files(
    catalog: Catalog,
    config: Config,
    rendered: dict[str, Rendered] | None = None,
    reused: Entries | None = None,
    offsets: Offsets | None = None,
    claims: Claims | None = None,
    held: dict[str, str] | None = None,
) -> tuple[dict[str, Content], list[Problem]]:
    """Every file of the output folder (the three feeds as the pieces of their bytes, `Pieces`),
    and the problems found building them (facet names, page paths); `rendered` defaults to
    rendering the published roles. `reused`: entry id -> the bytes
    of its entries in the three feeds, used as they are (`splice.py`), and emptied: each feed's
    entries are freed once it is made. `offsets` is filled with where each entry is in those
    feeds, by entry id. `claims`: what the last build published (its team and contract feeds keep
    their names); `held`: ids still held by files that did not load (`Loaded.held`). What this
    build publishes is recorded in `published.json` for the next one."""
    rendered = rendered if rendered is not None else render_published(catalog, config)
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
    ids = {**(held or {}), **{role.id: file_name(role.posting) for role in public_roles(catalog)}}
    files[CLAIMS_FILE] = Claims(ids).to_json()
    if not config.pages.enabled:
        return files, []
    from jobfeed.publish.site import (
        extra_files,  # pages, calendar and OPML: ~60 ms of imports, only when wanted
    )

    owners = claims.facets if claims else {}
    extras = extra_files(catalog, config, rendered, taken=files, entries=entries, facet_owners=owners)
    files[CLAIMS_FILE] = Claims(ids, extras.facet_names).to_json()
    return {**files, **extras.files}, extras.problems
