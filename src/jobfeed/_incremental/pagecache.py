"""A role's page, a facet feed, the calendar or the index made again only when what it is made
from changed.

A page (`publish.pages.posting_html`) is a pure function of the posting (its file's path and bytes,
read with the configuration), its rendering (known by its render key, `rendercache.render_key`:
what the rendering is made from), its state, its `validThrough` (the one thing the build clock
decides, `jsonld.valid_through`), the configuration, the page's path, the language, the index's
path, and jobfeed's version, templates and libraries. `page_key` hashes all of them. The facet
feeds, the calendar and the index say what they are made from themselves (`publish/keeping.py`:
the entry keys of a feed's entries, the calendar's events, the index template's values), hashed
with the same (`file_key`). The record of what the last build wrote (`written.py`) keeps each
file's key with its stamp; a file whose key is the same and which was not written since is given
to `output.write_tree` as it is (`output.OnDisk`): neither made again nor read. A rebuild after
one change, or on a later day on which no role changed state, makes only what changed, and needs
the renderings of the kept pages neither decoded nor hashed (`rendercache.LazyRendered`).

A file without a recorded key, of another key, or which changed is made as without the cache,
so a build with the cache writes the same bytes as one without (tests/test_pages_incremental.py,
tests/test_keep_incremental.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from jobfeed._incremental.rendercache import render_key
from jobfeed._incremental.splice import entry_key
from jobfeed._incremental.written import Written
from jobfeed._version import __version__
from jobfeed.config import Config, config_key
from jobfeed.core.identity import link_of
from jobfeed.core.lifecycle import Role
from jobfeed.core.markup import Rendered
from jobfeed.output import Content
from jobfeed.publish.feeds import FeedItem
from jobfeed.publish.jsonld import valid_through
from jobfeed.publish.pages import posting_html

#: Bump when what a page's key covers changes. 2: the rendering known by its render key, and the
#: versions of the libraries that write pages and feeds (`_libraries`).
PAGE_FORMAT = 2


@functools.cache
def _templates() -> str:
    """sha256 of jobfeed's page templates: a page changes with them, version or not."""
    digest = hashlib.sha256()
    folder = resources.files("jobfeed.publish") / "templates"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_file():
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def _libraries() -> str:
    """The versions of the libraries whose output is in the pages (Jinja) and in the feeds' heads
    (feedgen, lxml): a file kept as it is was made by the same ones. Imported already."""
    import jinja2
    from feedgen.version import version_str
    from lxml.etree import LXML_VERSION

    return f"jinja2={jinja2.__version__} feedgen={version_str} lxml={LXML_VERSION}"


def page_key(
    role: Role,
    rendered: Rendered,
    config: Config,
    configured: str,
    page: str,
    now: dt.datetime,
    lang: str,
    index: str,
) -> str:
    """What the page of `role` is made from, hashed; "" when it cannot be told (a posting without
    the digest of its file's bytes), which is never kept. `configured`: `config.config_key(config)`. The
    rendering is known by its render key (`rendercache.render_key`: what it is made from), not by
    its text: a page kept needs its rendering neither read nor hashed."""
    posting = role.posting
    if not posting.digest:
        return ""
    made_from = getattr(rendered, "key", None) or render_key(
        posting, link_of(posting, config), config.markdown
    )
    until = valid_through(role, now)
    parts = [
        str(PAGE_FORMAT),
        __version__,
        _templates(),
        _libraries(),
        configured,
        page,
        lang,
        index,
        posting.path,
        posting.id,
        posting.digest,
        role.state.value,
        until.isoformat() if until is not None else "",
        made_from,
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def file_key(configured: str, path: str, inputs: str) -> str:
    """What the file at `path` is made from (`keeping.Keeper.kept`), hashed with the configuration
    (`configured`), jobfeed's version and templates and the libraries' versions."""
    parts = [str(PAGE_FORMAT), __version__, _templates(), _libraries(), configured, path, inputs]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


class PageCache:
    """`posting_html` for a build into `out`, keeping every page whose inputs did not change; and
    the `keeping.Keeper` of the facet feeds, the calendar and the index. `entry_keys`: entry id ->
    `splice.entry_key` of the open roles, as the build worked them out (`Plan.keys`)."""

    def __init__(
        self, written: Written, out: Path, config: Config, entry_keys: Mapping[str, str] | None = None
    ) -> None:
        self.written, self.out = written, f"{out}/"
        self.config, self.configured = config, config_key(config)
        self.entry_keys = entry_keys or {}

    def make(
        self,
        role: Role,
        rendered: Rendered,
        config: Config,
        page: str,
        now: dt.datetime,
        lang: str,
        index: str = "index.html",
    ) -> Content:
        """The page, as `posting_html` makes it, or the file that already holds it."""
        if config is not self.config:
            self.config, self.configured = config, config_key(config)
        key = page_key(role, rendered, config, self.configured, page, now, lang, index)
        self.written.keys[page] = key
        found = self.written.kept(page, key, self.out + page)
        if found is not None:
            return found
        return posting_html(role, rendered, config, page, now, lang, index)

    def kept(self, path: str, inputs: str) -> Content | None:
        """`keeping.Keeper.kept`, for the build's configuration."""
        key = self.written.keys[path] = file_key(self.configured, path, inputs)
        found = self.written.kept(path, key, self.out + path)
        return found

    def entry(self, item: FeedItem) -> str:
        """`keeping.Keeper.entry`: the key the build worked out, else worked out here."""
        return self.entry_keys.get(item.id) or entry_key(item.role, self.config)
