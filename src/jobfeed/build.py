"""`jobfeed build`: postings -> the files of the output folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from .config import Config
from .errors import PostingError, Problem
from .feeds import EPOCH, FeedMeta, atom_and_rss, items_of, json_feed, link_of
from .lifecycle import Catalog, classify
from .markup import Rendered, render
from .output import write_tree
from .postings import Loaded, load_postings
from .publish import extra_files


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


def skipped_files(loaded: Loaded) -> int:
    return len({p.path for p in loaded.errors})


def render_all(catalog: Catalog, config: Config) -> dict[str, Rendered]:
    return {
        role.id: render(role.posting, link_of(role.posting, config), config.markdown) for role in catalog.open
    }


def feed_files(catalog: Catalog, config: Config) -> dict[str, bytes]:
    """Relative path -> bytes of every file of the output folder; pure."""
    return site_files(catalog, config)[0]


def site_files(catalog: Catalog, config: Config) -> tuple[dict[str, bytes], list[Problem]]:
    """Every file of the output folder, and the problems found building them (facet names, page paths)."""
    rendered = render_all(catalog, config)
    items = items_of(catalog.open, rendered, config)
    fallback = max((r.posting.opened.at for r in catalog.roles if r.posting.opened), default=EPOCH)
    meta = FeedMeta(title=config.title, path="atom", feed_id=f"tag:{config.id_authority}:feed")
    atom, rss = atom_and_rss(items, meta, config, fallback)
    files = {"atom.xml": atom, "rss.xml": rss, "feed.json": json_feed(items, config)}
    extras = extra_files(catalog, config, rendered, taken=files)
    return {**files, **extras.files}, extras.problems


def build(
    config: Config,
    now: dt.datetime,
    *,
    postes: str | Path | None = None,
    out: str | Path | None = None,
    strict: bool = False,
) -> BuildReport:
    """Load, classify and write the feeds. With `strict`, any error writes nothing."""
    loaded = load_postings(postes or config.postes, config)
    if strict and loaded.errors:
        raise PostingError(loaded.problems)
    catalog = classify(loaded.postings, now)
    files, problems = site_files(catalog, config)
    written, unchanged = write_tree(Path(out or config.out), files)
    return BuildReport(catalog, loaded.problems + problems, skipped_files(loaded), written, unchanged)
